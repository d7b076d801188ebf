// Kills the TCP connections on an address being released: SOCK_DESTROY, or ctdb_killtcp's tickle-capture-reset.

import { IpAddress } from '../../core/ip';
import { killWithTickles } from '../sockdiag/kill-fallback';
import { ConnectionPort, ReplyCapture, SockDiagError, TickleAndReset } from '../sockdiag/port';
import { TakeoverOptions } from './options';
import { SocketKillReport, TakeoverProblem } from './port';

/** A capture on one interface that the caller closes when its releases are done. */
export interface ClosableReplyCapture extends ReplyCapture {
  close(): void;
}

/** Opens a reply capture on an interface (src/adapters/packet/reply-capture.ts); throws when it cannot. */
export type OpenReplyCapture = (iface: string) => ClosableReplyCapture;

export interface SocketKillPorts {
  readonly connections: ConnectionPort;
  readonly sender: TickleAndReset;
  /** The capture for `iface`, opened once per batch by the caller. */
  readonly captureFor: (iface: string) => ReplyCapture;
}

export interface SocketKillResult {
  readonly report: SocketKillReport;
  readonly problems: TakeoverProblem[];
}

const NOTHING = { destroyed: 0, alreadyGone: 0, killed: 0, failed: 0 };

function problem(message: string): TakeoverProblem {
  return { code: 'E_TAKEOVER_SOCKETS', message };
}

/**
 * Never throws: a connection left alive must not keep the address on this node, so
 * every failure becomes a problem in the result and the release goes on to delete.
 */
export async function killConnections(address: IpAddress, iface: string, options: TakeoverOptions, ports: SocketKillPorts): Promise<SocketKillResult> {
  if (options.socketKill === 'killtcp') return killByTickles(address, iface, options, ports);
  try {
    const destroyed = await ports.connections.destroyConnections(address);
    const report: SocketKillReport = {
      method: 'destroy', destroyed: destroyed.destroyed, alreadyGone: destroyed.alreadyGone,
      killed: destroyed.killedByFallback, failed: destroyed.failed.length,
    };
    const problems = destroyed.failed.length === 0 ? [] : [problem(
      `${destroyed.failed.length} TCP connections on ${address.text} could not be destroyed; their clients will notice only when they time out`,
    )];
    return { report, problems };
  } catch (error) {
    const unsupported = error instanceof SockDiagError && error.code === 'E_SOCKDIAG_NO_DESTROY';
    if (unsupported && options.socketKill === 'auto') return killByTickles(address, iface, options, ports);
    const advice = unsupported
      ? 'set socket_kill = "auto" or "killtcp" in floatip.toml, or use a kernel with CONFIG_INET_DIAG_DESTROY'
      : 'its clients will notice only when they time out';
    return { report: { method: 'destroy', ...NOTHING }, problems: [problem(`destroying the TCP connections on ${address.text} failed: ${(error as Error).message}; ${advice}`)] };
  }
}

async function killByTickles(address: IpAddress, iface: string, options: TakeoverOptions, ports: SocketKillPorts): Promise<SocketKillResult> {
  try {
    const connections = await ports.connections.listEstablished([address]);
    if (connections.length === 0) return { report: { method: 'killtcp', ...NOTHING }, problems: [] };
    const capture = ports.captureFor(iface);
    const result = await killWithTickles(connections, { capture, sender: ports.sender }, {
      attempts: options.killAttempts, replyTimeoutMs: options.killReplyTimeoutMs,
    });
    const report: SocketKillReport = { method: 'killtcp', ...NOTHING, killed: result.killed.length, failed: result.failed.length };
    const problems = result.failed.length === 0 ? [] : [problem(
      `${result.failed.length} TCP clients of ${address.text} did not answer ${options.killAttempts} tickles, so they were not reset; ` +
      'they will notice only when they time out',
    )];
    return { report, problems };
  } catch (error) {
    return {
      report: { method: 'killtcp', ...NOTHING },
      problems: [problem(`killing the TCP connections on ${address.text} by tickles on ${iface} failed: ${(error as Error).message}`)],
    };
  }
}
