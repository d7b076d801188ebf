// Asks one floatipd a single question over its control socket (ping, status), with a deadline.

import { createConnection } from 'node:net';
import { ControlLineReader, ControlRequest, decodeReply, DEFAULT_MAX_REPLY_BYTES, encodeRequest, JsonValue } from '../protocol/control';

export type QueryAnswer =
  | { readonly ok: true; readonly result: JsonValue }
  | { readonly ok: false; readonly reason: string };

/** Sends one request and waits for its reply; never throws: an unreachable daemon is an answer too. */
export function queryDaemon(socketPath: string, request: ControlRequest, timeoutMs: number): Promise<QueryAnswer> {
  return new Promise((resolve) => {
    const reader = new ControlLineReader(DEFAULT_MAX_REPLY_BYTES);
    const socket = createConnection(socketPath);
    let settled = false;
    const finish = (answer: QueryAnswer): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(answer);
    };
    const timer = setTimeout(() => finish({ ok: false, reason: `no reply within ${timeoutMs} ms` }), timeoutMs);
    socket.on('connect', () => socket.write(encodeRequest(request)));
    socket.on('error', (err) => finish({ ok: false, reason: (err as NodeJS.ErrnoException).code ?? err.message }));
    socket.on('close', () => finish({ ok: false, reason: 'the daemon closed the connection without a reply' }));
    socket.on('data', (chunk: Buffer) => {
      for (const line of reader.push(chunk)) {
        if (line.kind === 'error') return finish({ ok: false, reason: line.error.message });
        const decoded = decodeReply(line.text);
        if (!decoded.ok) return finish({ ok: false, reason: decoded.error.message });
        const { reply } = decoded;
        if (reply.id !== request.id) continue;
        return finish(reply.ok ? { ok: true, result: reply.result } : { ok: false, reason: `${reply.error.code}: ${reply.error.message}` });
      }
      return undefined;
    });
  });
}

export function pingDaemon(socketPath: string, timeoutMs: number): Promise<QueryAnswer> {
  return queryDaemon(socketPath, { id: 1, command: 'ping', args: {} }, timeoutMs);
}

export function daemonStatus(socketPath: string, timeoutMs: number): Promise<QueryAnswer> {
  return queryDaemon(socketPath, { id: 1, command: 'status', args: {} }, timeoutMs);
}
