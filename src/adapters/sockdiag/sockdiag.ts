// The real connection-tracking adapter: TCP sockets listed and destroyed over NETLINK_SOCK_DIAG.
//
// The `netlink` package gives us a raw socket of any protocol, so protocol 4
// (NETLINK_SOCK_DIAG) needs no native code: the channel handles requests with
// the same overflow guard as rtnetlink, and src/protocol/sockdiag.ts the bytes.

import { Family, IpAddress } from '../../core/ip';
import {
  SOCK_DESTROY, SOCK_DIAG_BY_FAMILY, TcpState, TcpSocketInfo, decodeDiagMessage, encodeDestroyRequest,
  encodeDumpRequest, stateMask, unmapIpv4,
} from '../../protocol/sockdiag';
import { ChannelOptions, NetlinkChannel } from '../netlink/channel';
import { NetlinkError } from '../netlink/errors';
import { KillOptions, killWithTickles } from './kill-fallback';
import { ConnectionPort, DestroyReport, KillFallback, SockDiagError, TrackedConnection } from './port';

const NETLINK_SOCK_DIAG = 4;

/** Every state with a peer to reset; listeners and TIME_WAIT are left alone. */
const CONNECTED = stateMask(['ESTABLISHED', 'SYN_RECV', 'FIN_WAIT1', 'FIN_WAIT2', 'CLOSE_WAIT', 'LAST_ACK', 'CLOSING']);
const ESTABLISHED = stateMask(['ESTABLISHED']);
const STATE_NAMES = new Map<number, string>(Object.entries(TcpState).map(([name, value]) => [value, name]));

export interface SockDiagInit extends ChannelOptions {
  /** The tickle-and-reset ports, used only when the kernel lacks SOCK_DESTROY. */
  readonly fallback?: KillFallback;
  readonly fallbackOptions?: KillOptions;
}

export class SockDiagAdapter implements ConnectionPort {
  private channel: NetlinkChannel | undefined;

  constructor(private readonly init: SockDiagInit = {}) {}

  async start(): Promise<void> {
    this.channel ??= new NetlinkChannel(NETLINK_SOCK_DIAG, this.init);
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
    const channel = this.requireChannel();
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
    const channel = this.requireChannel();
    const reply = await channel.request(SOCK_DIAG_BY_FAMILY, [encodeDumpRequest(family, states)], {
      dump: true, what: `listing IPv${family} TCP sockets`,
    });
    return reply.messages.filter((m) => m.type === SOCK_DIAG_BY_FAMILY).map((m) => decodeDiagMessage(m.data));
  }

  private requireChannel(): NetlinkChannel {
    if (!this.channel) throw new SockDiagError('E_SOCKDIAG_KERNEL', 'the sock_diag adapter is not started: call start() first');
    return this.channel;
  }
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
