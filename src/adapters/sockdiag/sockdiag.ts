// The real connection-tracking adapter: TCP sockets listed and destroyed over NETLINK_SOCK_DIAG.
//
// Listing runs as a dump on a thread of libuv's pool (the addon's sockDiagDump,
// native/sock_diag_dump.cc says why: the kernel walks its whole TCP hash table inside the
// asker's system calls). Destroying a socket is one quick request through the `netlink`
// package's raw socket, with the same overflow guard as rtnetlink. src/protocol/sockdiag.ts
// holds the bytes.

import { Family, IpAddress } from '../../core/ip';
import {
  SOCK_DESTROY, SOCK_DIAG_BY_FAMILY, TcpState, TcpSocketInfo, decodeDiagMessage, encodeDestroyRequest,
  encodeDumpRequest, stateMask, unmapIpv4,
} from '../../protocol/sockdiag';
import { parseError, parseMessages } from 'netlink';
import { ChannelOptions, NLMSG_DONE, NLMSG_ERROR, NetlinkChannel, errnoName } from '../netlink/channel';
import { NetlinkError } from '../netlink/errors';
import { nativeAddon, NativeAddonError } from '../packet/native';
import { KillOptions, killWithTickles } from './kill-fallback';
import { ConnectionPort, DestroyReport, KillFallback, SockDiagError, TrackedConnection } from './port';

const NETLINK_SOCK_DIAG = 4;

/**
 * Runs one SOCK_DIAG_BY_FAMILY dump of `request` (an inet_diag_req_v2) off the event loop:
 * every netlink message of the answer, NLMSG_DONE or NLMSG_ERROR last. Rejects with an errno
 * Error when a socket call failed.
 */
export type SockDiagDumper = (request: Uint8Array) => Promise<Buffer>;

/** The addon's call (native/sock_diag_dump.h). */
interface DumpCalls {
  sockDiagDump(request: Buffer, onDone: (error: Error | null, reply?: Buffer) => void): void;
}

/** The dump on a thread of libuv's pool, through the native addon. */
export function nativeDumper(): SockDiagDumper {
  const addon = nativeAddon() as unknown as Partial<DumpCalls>;
  if (typeof addon.sockDiagDump !== 'function') {
    throw new NativeAddonError('the native addon has no sockDiagDump: it is older than this floatip; rebuild it with `npm ci` or `npx node-gyp rebuild`');
  }
  const calls = addon as DumpCalls;
  return (request) => new Promise((resolve, reject) => {
    calls.sockDiagDump(Buffer.from(request), (error, reply) => {
      if (error || !reply) reject(error ?? new Error('no reply'));
      else resolve(reply);
    });
  });
}

/** Every state with a peer to reset; listeners and TIME_WAIT are left alone. */
const CONNECTED = stateMask(['ESTABLISHED', 'SYN_RECV', 'FIN_WAIT1', 'FIN_WAIT2', 'CLOSE_WAIT', 'LAST_ACK', 'CLOSING']);
const ESTABLISHED = stateMask(['ESTABLISHED']);
const STATE_NAMES = new Map<number, string>(Object.entries(TcpState).map(([name, value]) => [value, name]));

export interface SockDiagInit extends ChannelOptions {
  /**
   * How dumps run.
   * @default nativeDumper(), on a thread of libuv's pool
   */
  readonly dumper?: SockDiagDumper;
  /** The tickle-and-reset ports, used only when the kernel lacks SOCK_DESTROY. */
  readonly fallback?: KillFallback;
  readonly fallbackOptions?: KillOptions;
}

export class SockDiagAdapter implements ConnectionPort {
  private channel: NetlinkChannel | undefined;
  private dumper: SockDiagDumper | undefined;

  constructor(private readonly init: SockDiagInit = {}) {}

  async start(): Promise<void> {
    this.channel ??= new NetlinkChannel(NETLINK_SOCK_DIAG, this.init);
    this.dumper ??= this.init.dumper ?? nativeDumper();
  }

  async stop(): Promise<void> {
    this.channel?.close();
    this.channel = undefined;
  }

  async listEstablished(addresses: readonly IpAddress[]): Promise<TrackedConnection[]> {
    return this.socketsOn(addresses, ESTABLISHED);
  }

  async destroyConnections(address: IpAddress): Promise<DestroyReport> {
    const connections = await this.socketsOn([address], CONNECTED);
    const channel = this.requireStarted(this.channel);
    let destroyed = 0;
    let alreadyGone = 0;
    const unsupported: TrackedConnection[] = [];
    const failed: TrackedConnection[] = [];
    await Promise.all(connections.map(async (conn) => {
      try {
        await channel.request(SOCK_DESTROY, [encodeDestroyRequest(conn.socketFamily, conn.socket)], {
          what: `destroying the TCP socket ${conn.server.address.text}:${conn.server.port} <-> ${conn.client.address.text}:${conn.client.port}`,
        });
        destroyed++;
      } catch (error) {
        const errno = error instanceof NetlinkError ? error.errno : undefined;
        if (errno === 'ENOENT') alreadyGone++;
        else if (errno === 'EOPNOTSUPP' || errno === 'ENOTSUP') unsupported.push(conn);
        else failed.push(conn);
      }
    }));
    let killedByFallback = 0;
    if (unsupported.length > 0) {
      if (!this.init.fallback) {
        throw new SockDiagError('E_SOCKDIAG_NO_DESTROY',
          'this kernel cannot destroy sockets (SOCK_DESTROY needs CONFIG_INET_DIAG_DESTROY) and no tickle-and-reset ' +
          'fallback is configured: enable the kernel option or give the adapter a fallback');
      }
      const result = await killWithTickles(unsupported, this.init.fallback, this.init.fallbackOptions);
      killedByFallback = result.killed.length;
      failed.push(...result.failed);
    }
    return { destroyed, alreadyGone, killedByFallback, failed };
  }

  private async socketsOn(addresses: readonly IpAddress[], states: number): Promise<TrackedConnection[]> {
    const wanted = new Set(addresses.map((a) => a.text));
    const out: TrackedConnection[] = [];
    for (const family of [4, 6] as Family[]) {
      for (const info of await this.dump(family, states)) {
        const local = unmapIpv4(info.id.localAddress);
        if (!wanted.has(local.text)) continue;
        out.push(toConnection(info, local));
      }
    }
    return out;
  }

  private async dump(family: Family, states: number): Promise<TcpSocketInfo[]> {
    const dumper = this.requireStarted(this.dumper);
    const what = `listing IPv${family} TCP sockets`;
    let reply: Buffer;
    try {
      reply = await dumper(encodeDumpRequest(family, states));
    } catch (error) {
      const { code, message } = error as { code?: string; message?: string };
      // The addon's socket gives up after its receive timeout: the same case as the channel's E_NETLINK_TIMEOUT, with the same advice.
      if (code === 'ETIMEDOUT') {
        throw new NetlinkError('E_NETLINK_TIMEOUT', `${what}: no answer from the kernel in time (${message ?? 'timed out'}); check \`dmesg\` and retry`, code);
      }
      throw new NetlinkError('E_NETLINK_KERNEL', `${what}: ${message ?? String(error)}`, code);
    }
    return decodeDumpReply(reply, what);
  }

  /** What start() made, or the error that says to call it. */
  private requireStarted<T>(part: T | undefined): T {
    if (part === undefined) throw new SockDiagError('E_SOCKDIAG_KERNEL', 'the sock_diag adapter is not started: call start() first');
    return part;
  }
}

/** The sockets of one dump's answer; throws when the kernel refused the dump or the answer is cut short. */
export function decodeDumpReply(reply: Buffer, what: string): TcpSocketInfo[] {
  let messages;
  try {
    messages = parseMessages(reply);
  } catch (error) {
    throw new NetlinkError('E_NETLINK_BAD_REPLY', `${what}: the kernel's answer does not parse (${(error as Error).message})`);
  }
  const last = messages[messages.length - 1];
  if (last?.type === NLMSG_ERROR) {
    const { errno } = parseError(last.data, last.flags);
    if (errno !== 0) throw new NetlinkError('E_NETLINK_KERNEL', `${what}: the kernel refused it (${errnoName(errno)})`, errnoName(errno));
  } else if (last?.type !== NLMSG_DONE) {
    throw new NetlinkError('E_NETLINK_BAD_REPLY', `${what}: the kernel's answer ends without NLMSG_DONE`);
  }
  return messages.filter((m) => m.type === SOCK_DIAG_BY_FAMILY).map((m) => decodeDiagMessage(m.data));
}

function toConnection(info: TcpSocketInfo, local: IpAddress): TrackedConnection {
  return {
    server: { address: local, port: info.id.localPort },
    client: { address: unmapIpv4(info.id.remoteAddress), port: info.id.remotePort },
    socketFamily: info.family,
    socket: info.id,
    state: STATE_NAMES.get(info.state) ?? `state-${info.state}`,
  };
}
