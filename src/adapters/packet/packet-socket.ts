// Opens AF_PACKET sockets through the native addon and turns their failures into typed errors.

import { MacAddress, macFromBytes } from '../../protocol/packets';
import { nativeAddon, NativePacketSocket } from './native';

/** ARPHRD_ETHER: the only link type that gratuitous ARP and NA frames are built for. */
export const HARDWARE_ETHERNET = 1;
/** ETH_P_ALL: receive every frame on the interface. */
export const ETH_P_ALL = 0x0003;
/** sll_pkttype of frames this host sent itself. */
export const PACKET_OUTGOING = 4;

export type PacketSocketErrorCode = 'E_NO_INTERFACE' | 'E_PACKET_PERMISSION' | 'E_PACKET_SEND' | 'E_PACKET_SOCKET';

export class PacketSocketError extends Error {
  constructor(readonly code: PacketSocketErrorCode, message: string, readonly errno?: string) {
    super(message);
    this.name = 'PacketSocketError';
  }
}

function errnoOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

/** A typed error for a failed open, with advice that depends on why it failed. */
function openError(iface: string | number, error: unknown): PacketSocketError {
  const errno = errnoOf(error);
  const detail = (error as Error).message;
  if (errno === 'ENODEV' || errno === 'ENXIO') {
    return new PacketSocketError('E_NO_INTERFACE', `interface ${iface} does not exist (${detail}); check the interface names in public_addresses`, errno);
  }
  if (errno === 'EPERM' || errno === 'EACCES') {
    return new PacketSocketError('E_PACKET_PERMISSION', `no permission to open a packet socket on ${iface} (${detail}); run floatipd as root or with CAP_NET_RAW`, errno);
  }
  return new PacketSocketError('E_PACKET_SOCKET', `cannot open a packet socket on ${iface}: ${detail}`, errno);
}

/** A failed send as a typed error; `.sent` frames of the batch left before it. */
export function sendError(ifname: string, error: unknown): PacketSocketError & { sent: number } {
  const sent = Number((error as { sent?: unknown }).sent ?? 0);
  const typed = new PacketSocketError('E_PACKET_SEND', `sending frames on ${ifname} failed: ${(error as Error).message}`, errnoOf(error));
  return Object.assign(typed, { sent });
}

export interface PacketSocket {
  readonly ifname: string;
  readonly ifindex: number;
  readonly mac: MacAddress;
  readonly hardwareType: number;
  /** Sends all frames (sendmmsg); throws PacketSocketError with `.sent` on failure. */
  sendBatch(frames: Buffer[]): number;
  /**
   * Delivers arriving frames with the kernel's receive time (ms on CLOCK_MONOTONIC, as
   * process.hrtime); frames we sent ourselves are dropped unless `includeOutgoing`.
   */
  startReceive(onFrame: (frame: Buffer, receivedAt: number) => void, options?: { includeOutgoing?: boolean }): void;
  /** Frames received and frames dropped for a full receive buffer since the last call. */
  takeStatistics(): { packets: number; drops: number };
  stopReceive(): void;
  close(): void;
}

/**
 * Opens a packet socket on `iface` (name or index). `etherType` 0 gives a send-only
 * socket; pass ETH_P_ALL or a specific EtherType to receive as well.
 */
export function openPacketSocket(iface: string | number, etherType = 0): PacketSocket {
  let socket: NativePacketSocket;
  try {
    socket = new (nativeAddon().PacketSocket)(iface, etherType);
  } catch (error) {
    if ((error as { code?: unknown }).code === 'E_NATIVE_ADDON') throw error;
    throw openError(iface, error);
  }
  return {
    ifname: socket.ifname,
    ifindex: socket.ifindex,
    mac: macFromBytes(socket.mac),
    hardwareType: socket.hardwareType,
    sendBatch(frames) {
      try {
        return socket.sendBatch(frames);
      } catch (error) {
        throw sendError(socket.ifname, error);
      }
    },
    startReceive(onFrame, options = {}) {
      socket.startReceive((frame, packetType, receivedAt) => {
        if (packetType === PACKET_OUTGOING && !options.includeOutgoing) return;
        onFrame(frame, receivedAt);
      });
    },
    takeStatistics: () => socket.takeStatistics(),
    stopReceive: () => socket.stopReceive(),
    close: () => socket.close(),
  };
}
