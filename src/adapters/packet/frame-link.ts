// Where announcement frames leave: one interface's send side, real (AF_PACKET) or recorded by a test.

import { MacAddress } from '../../protocol/packets';
import { openPacketSocket } from './packet-socket';

export interface FrameLink {
  readonly mac: MacAddress;
  /** ARPHRD_* of the interface (1 = Ethernet). */
  readonly hardwareType: number;
  /** Sends every frame or throws (with `.sent`, the frames that left before the failure). */
  sendBatch(frames: Buffer[]): number;
  close(): void;
}

/** Opens a send-only AF_PACKET socket on `iface`; throws PacketSocketError. */
export function openPacketLink(iface: string): FrameLink {
  return openPacketSocket(iface, 0);
}
