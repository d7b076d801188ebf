// The Takeover component's options (`init`), their defaults and their checks.

import { TakeoverError } from './port';

/**
 * How release kills the TCP connections on an address (`socket_kill` in floatip.toml):
 * - `destroy`: SOCK_DESTROY through sock_diag only; the kernel resets each client.
 * - `killtcp`: CTDB's ctdb_killtcp method only: tickle each client, capture its ACK on
 *   the interface, send a RST carrying the client's numbers.
 * - `auto`: `destroy`, and `killtcp` when the kernel refuses SOCK_DESTROY (EOPNOTSUPP:
 *   built without CONFIG_INET_DIAG_DESTROY).
 */
export type SocketKillMethod = 'destroy' | 'killtcp' | 'auto';

export const SOCKET_KILL_METHODS: readonly SocketKillMethod[] = ['destroy', 'killtcp', 'auto'];

export interface TakeoverInit {
  /**
   * How release kills TCP connections on the address (see SocketKillMethod).
   * @default 'auto'
   */
  readonly socketKill?: SocketKillMethod;
  /**
   * killtcp: tickles per connection before it counts as failed.
   * @default 3
   */
  readonly killAttempts?: number;
  /**
   * killtcp: how long to wait for the client's answer to each tickle, in ms. A client on
   * the LAN answers within a millisecond; a lost answer costs this much per attempt.
   * @default 200
   */
  readonly killReplyTimeoutMs?: number;
}

export type TakeoverOptions = Required<TakeoverInit>;

export const DEFAULT_TAKEOVER_OPTIONS: TakeoverOptions = { socketKill: 'auto', killAttempts: 3, killReplyTimeoutMs: 200 };

/** Defaults overlaid with `init`, checked; the error names the option and what to write. */
export function takeoverOptions(init: TakeoverInit = {}): TakeoverOptions {
  const options = { ...DEFAULT_TAKEOVER_OPTIONS, ...init };
  if (!SOCKET_KILL_METHODS.includes(options.socketKill)) {
    throw new TakeoverError('E_TAKEOVER_OPTIONS',
      `socket_kill = ${JSON.stringify(options.socketKill)} is not a method: use "destroy", "killtcp" or "auto"`);
  }
  if (!Number.isInteger(options.killAttempts) || options.killAttempts < 1 || options.killAttempts > 20) {
    throw new TakeoverError('E_TAKEOVER_OPTIONS', `killAttempts = ${options.killAttempts} is out of range: use an integer from 1 to 20`);
  }
  if (!Number.isInteger(options.killReplyTimeoutMs) || options.killReplyTimeoutMs < 1 || options.killReplyTimeoutMs > 10_000) {
    throw new TakeoverError('E_TAKEOVER_OPTIONS',
      `killReplyTimeoutMs = ${options.killReplyTimeoutMs} is out of range: use an integer from 1 to 10000 (ms)`);
  }
  return options;
}
