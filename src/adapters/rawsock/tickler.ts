// The tickle port: make TCP clients of an address taken over notice at once that their connection is gone.

import { TcpConnection } from '../../protocol/packets';

export interface TickleReport {
  /** Packets sent in the first round (one per connection). */
  readonly sent: number;
}

export interface Tickler {
  /**
   * Sends each connection's tickle ACK (server -> client, seq 0, ack 0) now, and again
   * in later rounds as configured. Resolves when the first round has left; rejects
   * with a TickleError if it could not. Failures of later rounds go to onError.
   */
  tickle(connections: readonly TcpConnection[]): Promise<TickleReport>;
  /**
   * Sends one RST from the server end of `conn` with sequence number `seq` (and ACK
   * with `ack` when given): ctdb_killtcp's way to kill a connection the kernel cannot
   * destroy for us, once the client's answer to a tickle has told us `seq`.
   */
  sendReset(conn: TcpConnection, seq: number, ack?: number): Promise<void>;
  /** Cancels pending rounds and closes sockets. */
  close(): void;
}

export type TickleErrorCode = 'E_TICKLE_SOCKET' | 'E_TICKLE_SEND' | 'E_TICKLE_CLOSED';

export class TickleError extends Error {
  constructor(readonly code: TickleErrorCode, message: string, override readonly cause?: unknown) {
    super(message);
    this.name = 'TickleError';
  }
}
