// The announce port: tell the local network that an address now lives here (gratuitous ARP / NA).

import { IpAddress } from '../../core/ip';

export interface Announcer {
  /**
   * Starts announcing `address` on `iface`: the first round goes out at once, the rest
   * of the bursts and any refresh follow on their own. Resolves when the first round is
   * on the wire; rejects with an AnnounceError if it could not be sent. Announcing an
   * address again restarts its schedule (it may have moved to another interface).
   */
  announce(address: IpAddress, iface: string): Promise<void>;
  /** Stops the remaining rounds and the refresh for `address` (it was released). */
  withdraw(address: IpAddress): void;
  /** Stops everything and closes sockets. */
  close(): void;
}

export type AnnounceErrorCode = 'E_ANNOUNCE_LINK' | 'E_ANNOUNCE_NOT_ETHERNET' | 'E_ANNOUNCE_SEND' | 'E_ANNOUNCE_CLOSED';

export class AnnounceError extends Error {
  constructor(readonly code: AnnounceErrorCode, message: string, override readonly cause?: unknown) {
    super(message);
    this.name = 'AnnounceError';
  }
}
