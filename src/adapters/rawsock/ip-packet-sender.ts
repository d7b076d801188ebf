// The send side of a raw IP socket: packets that carry their own IP header, routed by the kernel.

import { Family } from '../../core/ip';

export interface IpPacketSender {
  readonly family: Family;
  /** Sends every packet to the destination in its header. Resolves with the count sent. */
  send(packets: Buffer[]): Promise<number>;
  close(): void;
}

/** Opens a sender for one family; throws if the socket cannot be opened. */
export type OpenIpPacketSender = (family: Family) => IpPacketSender;
