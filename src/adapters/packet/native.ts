// Loads the native addon (native/, built by binding.gyp) and types what it exports; names the guardian program built beside it.

import * as path from 'node:path';
import * as fs from 'node:fs';

/** A frame-level socket on one interface (AF_PACKET, SOCK_RAW). */
export interface NativePacketSocket {
  readonly ifindex: number;
  readonly ifname: string;
  /** The interface's hardware address, six bytes for Ethernet. */
  readonly mac: Buffer;
  /** ARPHRD_* of the interface: 1 is Ethernet, 772 loopback. */
  readonly hardwareType: number;
  /** Sends one frame, whose first six bytes name its destination. Returns bytes sent. */
  send(frame: Buffer): number;
  /** Sends frames with sendmmsg; throws with `.sent` set when one fails. Returns frames sent. */
  sendBatch(frames: Buffer[]): number;
  /**
   * Calls `onFrame` for every frame that arrives (packetType: PACKET_HOST 0 ... PACKET_OUTGOING 4;
   * receivedAt: when the kernel received it, in ms on CLOCK_MONOTONIC, the clock of process.hrtime).
   */
  startReceive(onFrame: (frame: Buffer, packetType: number, receivedAt: number) => void): void;
  /** Frames queued to this socket and frames it dropped (receive buffer full) since the last call (PACKET_STATISTICS). */
  takeStatistics(): { packets: number; drops: number };
  stopReceive(): void;
  close(): void;
}

/** A raw IPv4 or IPv6 socket for packets that carry their own IP header. */
export interface NativeRawIpSocket {
  /** Sends each packet to the destination in its header; throws with `.sent` on failure. */
  sendBatch(packets: Buffer[]): number;
  close(): void;
}

export interface NativeAddon {
  PacketSocket: new (iface: string | number, etherType: number) => NativePacketSocket;
  RawIpSocket: new (family: 4 | 6) => NativeRawIpSocket;
}

/** The addon is missing or does not load: the install step did not build it. */
export class NativeAddonError extends Error {
  readonly code = 'E_NATIVE_ADDON';
  constructor(message: string, override readonly cause?: unknown) {
    super(message);
    this.name = 'NativeAddonError';
  }
}

const BUILD_DIR = path.join('build', 'Release');
const ADDON_FILE = 'floatip_native.node';
/** The guardian program (native/guardian/), built beside the addon: floatipd starts it, the lab finds it by this name. */
export const GUARDIAN_PROGRAM = 'floatip-guardian';

/** The package root: the nearest directory above us holding binding.gyp (src/ and dist/src/ differ in depth). */
function packageRoot(): string | undefined {
  for (let dir = __dirname; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'binding.gyp'))) return dir;
  }
  return undefined;
}

/** A file binding.gyp builds (the addon, the guardian program), where this installation has it. */
export function builtNativeFile(name: string): string {
  const root = packageRoot();
  return root ? path.join(root, BUILD_DIR, name) : path.join(BUILD_DIR, name);
}

let loaded: NativeAddon | undefined;

/** The addon, loaded once per process. */
export function nativeAddon(): NativeAddon {
  if (loaded) return loaded;
  const file = builtNativeFile(ADDON_FILE);
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    loaded = require(file) as NativeAddon;
  } catch (error) {
    throw new NativeAddonError(
      `cannot load the native addon ${file}: ${(error as Error).message}; build it with \`npm ci\` or \`npx node-gyp rebuild\` in ${packageRoot() ?? 'the package directory'}`,
      error,
    );
  }
  return loaded;
}
