// ctdb_killtcp's method for kernels without SOCK_DESTROY: tickle, capture the client's ACK, reset with its numbers.

import { TcpConnection } from '../../protocol/packets';
import { KillFallback } from './port';

export interface KillOptions {
  /** Tickles per connection before giving up. @default 3 */
  readonly attempts?: number;
  /** How long to wait for the client's answer to each tickle. @default 200 */
  readonly replyTimeoutMs?: number;
}

export interface KillResult<T extends TcpConnection> {
  readonly killed: T[];
  readonly failed: T[];
}

/**
 * The tickle (seq 0, ack 0) is out of window, so the client answers with an ACK
 * carrying its real numbers; a RST whose seq is the client's ack is in window
 * and the client drops the connection.
 */
export async function killWithTickles<T extends TcpConnection>(connections: readonly T[], ports: KillFallback, options: KillOptions = {}): Promise<KillResult<T>> {
  const attempts = options.attempts ?? 3;
  const replyTimeoutMs = options.replyTimeoutMs ?? 200;
  const killed: T[] = [];
  const failed: T[] = [];
  await Promise.all(connections.map(async (conn) => {
    for (let attempt = 0; attempt < attempts; attempt++) {
      const reply = ports.capture.awaitReply(conn, replyTimeoutMs);
      try {
        await ports.sender.tickle([conn]);
      } catch {
        reply.catch(() => undefined);
        continue;
      }
      const answer = await reply.catch(() => undefined);
      if (!answer) continue;
      await ports.sender.sendReset(conn, answer.ack, answer.seq);
      killed.push(conn);
      return;
    }
    failed.push(conn);
  }));
  return { killed, failed };
}
