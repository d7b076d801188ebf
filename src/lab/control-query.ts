// Asks one floatipd of the lab a single question (ping, status) through the CLI's control client; never throws.

import { UnixControlClient } from '../client/control-client';

export type QueryAnswer =
  | { readonly ok: true; readonly result: unknown }
  | { readonly ok: false; readonly reason: string };

/** An unreachable or failing daemon is an answer too: the lab reports it rather than stopping. */
async function ask(socketPath: string, command: 'ping' | 'status', timeoutMs: number): Promise<QueryAnswer> {
  try {
    return { ok: true, result: await new UnixControlClient(socketPath).call(command, {}, timeoutMs) };
  } catch (err) {
    return { ok: false, reason: (err as Error).message };
  }
}

export function pingDaemon(socketPath: string, timeoutMs: number): Promise<QueryAnswer> {
  return ask(socketPath, 'ping', timeoutMs);
}

export function daemonStatus(socketPath: string, timeoutMs: number): Promise<QueryAnswer> {
  return ask(socketPath, 'status', timeoutMs);
}
