// Connection tracking: who is connected to the addresses we host, replicated to every peer for the next owner.
//
// Each scan lists ESTABLISHED connections on our addresses (sock_diag) and sends
// only the changes (TICKLE-DELTA); a peer that connects gets whole lists
// (TICKLE-FULL). What peers send us is kept per address, and tickled by whoever
// takes the address next.

import { compareIp, IpAddress } from '../../core/ip';
import { ConnectionPort } from '../../adapters/sockdiag/port';
import { TcpConnection as WireConnection, TickleDelta, TickleFull } from '../../protocol/frame-messages';
import { TcpConnection } from '../../protocol/packets';
import { TickleEntry } from '../../protocol/control-results';

type ConnectionSet = Map<string, WireConnection>;

function key(conn: WireConnection): string {
  return `${conn.client.text}|${conn.clientPort}|${conn.serverPort}`;
}

export interface TickleSender {
  broadcast(message: TickleDelta | TickleFull): void;
}

export class ConnectionTracker {
  /** What we last told peers about each address we host. */
  private readonly own = new Map<string, { address: IpAddress; connections: ConnectionSet }>();
  /** What peers told us, per address. */
  private readonly replicated = new Map<string, ConnectionSet>();
  /** Scans done, for metrics. */
  scans = 0;

  constructor(private readonly connections: Pick<ConnectionPort, 'listEstablished'>, private readonly sender: TickleSender) {}

  /** Lists connections on `hosted` and sends what changed since the last scan. */
  async scan(hosted: readonly IpAddress[]): Promise<void> {
    const listed = hosted.length === 0 ? [] : await this.connections.listEstablished(hosted);
    this.scans++;
    const now = new Map<string, ConnectionSet>(hosted.map((a) => [a.text, new Map()]));
    for (const conn of listed) {
      const wire: WireConnection = { client: conn.client.address, clientPort: conn.client.port, serverPort: conn.server.port };
      now.get(conn.server.address.text)?.set(key(wire), wire);
    }
    for (const address of hosted) {
      const current = now.get(address.text) ?? new Map();
      const before = this.own.get(address.text);
      this.own.set(address.text, { address, connections: current });
      if (!before) {
        this.sender.broadcast({ kind: 'tickle-full', address, connections: [...current.values()] });
        continue;
      }
      const added = [...current].filter(([k]) => !before.connections.has(k)).map(([, c]) => c);
      const removed = [...before.connections].filter(([k]) => !current.has(k)).map(([, c]) => c);
      if (added.length > 0 || removed.length > 0) this.sender.broadcast({ kind: 'tickle-delta', address, added, removed });
    }
    for (const text of [...this.own.keys()]) if (!now.has(text)) this.own.delete(text);
  }

  /** Whole lists of every address we host, for a peer that just connected. */
  fullLists(): TickleFull[] {
    return [...this.own.values()].map(({ address, connections }) => ({ kind: 'tickle-full', address, connections: [...connections.values()] }));
  }

  onFull(message: TickleFull): void {
    this.replicated.set(message.address.text, new Map(message.connections.map((c) => [key(c), c])));
  }

  onDelta(message: TickleDelta): void {
    const set = this.replicated.get(message.address.text) ?? new Map<string, WireConnection>();
    for (const conn of message.removed) set.delete(key(conn));
    for (const conn of message.added) set.set(key(conn), conn);
    this.replicated.set(message.address.text, set);
  }

  /** The previous owner's clients of `address`, as the tickler needs them. */
  ticklesFor(address: IpAddress): TcpConnection[] {
    const set = this.replicated.get(address.text);
    if (!set) return [];
    return [...set.values()].map((c) => ({
      server: { address, port: c.serverPort },
      client: { address: c.client, port: c.clientPort },
    }));
  }

  /** `floatip gettickles`: our own list when we host the address, else what its owner sent us. */
  entries(address: IpAddress): TickleEntry[] {
    const set = this.own.get(address.text)?.connections ?? this.replicated.get(address.text) ?? new Map();
    return [...set.values()]
      .sort((a, b) => compareIp(a.client, b.client) || a.clientPort - b.clientPort || a.serverPort - b.serverPort)
      .map((c) => ({ client: c.client.text, clientPort: c.clientPort, serverPort: c.serverPort }));
  }
}
