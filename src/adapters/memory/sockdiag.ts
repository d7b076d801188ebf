// In-memory fake of the connection-tracking port: a table of TCP connections that tests fill and inspect.

import { IpAddress, compareIp } from '../../core/ip';
import { TcpConnection } from '../../protocol/packets';
import { ConnectionPort, DestroyReport, TrackedConnection } from '../sockdiag/port';

export class MemorySockDiag implements ConnectionPort {
  private readonly connections: TrackedConnection[] = [];
  /** Connections destroyed, in order: their clients would have seen a RST. */
  readonly reset: TrackedConnection[] = [];

  /** A service accepted a connection (state ESTABLISHED unless given). */
  addConnection(conn: TcpConnection, state = 'ESTABLISHED'): TrackedConnection {
    const family = conn.server.address.family;
    const tracked: TrackedConnection = {
      ...conn,
      state,
      socketFamily: family,
      socket: {
        localAddress: conn.server.address, localPort: conn.server.port,
        remoteAddress: conn.client.address, remotePort: conn.client.port,
        interfaceIndex: 0, cookie: [this.connections.length + this.reset.length + 1, 0],
      },
    };
    this.connections.push(tracked);
    return tracked;
  }

  async listEstablished(addresses: readonly IpAddress[]): Promise<TrackedConnection[]> {
    return this.connections.filter((c) => c.state === 'ESTABLISHED' && addresses.some((a) => compareIp(a, c.server.address) === 0));
  }

  async destroyConnections(address: IpAddress): Promise<DestroyReport> {
    let destroyed = 0;
    for (let i = this.connections.length - 1; i >= 0; i--) {
      const conn = this.connections[i];
      if (compareIp(conn.server.address, address) !== 0 || conn.state === 'LISTEN' || conn.state === 'TIME_WAIT') continue;
      this.connections.splice(i, 1);
      this.reset.push(conn);
      destroyed++;
    }
    return { destroyed, alreadyGone: 0, killedByFallback: 0, failed: [] };
  }
}
