// In-memory Tickler: records the connections it would tickle and the resets it would send.

import { TcpConnection } from '../../protocol/packets';
import { TickleError, TickleReport, Tickler } from '../rawsock/tickler';

export interface RecordedReset {
  readonly conn: TcpConnection;
  readonly seq: number;
  readonly ack?: number;
}

export class MemoryTickler implements Tickler {
  /** One entry per tickle() call: the connections passed. */
  readonly tickled: TcpConnection[][] = [];
  readonly resets: RecordedReset[] = [];
  private failure: TickleError | undefined;
  private closed = false;

  tickle(connections: readonly TcpConnection[]): Promise<TickleReport> {
    const refused = this.refusal();
    if (refused) return Promise.reject(refused);
    this.tickled.push([...connections]);
    return Promise.resolve({ sent: connections.length });
  }

  sendReset(conn: TcpConnection, seq: number, ack?: number): Promise<void> {
    const refused = this.refusal();
    if (refused) return Promise.reject(refused);
    this.resets.push(ack === undefined ? { conn, seq } : { conn, seq, ack });
    return Promise.resolve();
  }

  close(): void {
    this.closed = true;
  }

  /** Every connection tickled so far, as `client:port->server:port` text. */
  tickledText(): string[] {
    return this.tickled.flat().map((c) => `${c.client.address.text}:${c.client.port}->${c.server.address.text}:${c.server.port}`);
  }

  /** Makes every later call fail as the real adapter does without CAP_NET_RAW. */
  failWith(error = new TickleError('E_TICKLE_SOCKET', 'cannot open a raw IPv4 socket: Operation not permitted; floatipd needs root or CAP_NET_RAW')): void {
    this.failure = error;
  }

  private refusal(): TickleError | undefined {
    if (this.closed) return new TickleError('E_TICKLE_CLOSED', 'the tickler is closed');
    return this.failure;
  }
}
