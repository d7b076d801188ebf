// The real cluster mesh: one authenticated TCP connection per pair of nodes, reconnecting, with flood and slow-peer limits.
//
// Who dials: the lower-numbered node of each pair dials the higher one, which only
// accepts. Exactly one side dials, so there are never two connections racing for a
// pair and no tie-break is needed; a restarted higher node is found again by the
// lower one's next attempt (50 ms after the loss, then backing off to 2 s). An
// accepted connection from a node that should be accepting, not dialling, is
// refused before any handshake work.
//
// Admission (admission.ts): before any handshake work, a connection must come from
// another node's address and find a free slot of its source (node address and lane:
// reserved source port or not). Our dialler binds a reserved port (below 1024, root
// only), so a local user's flood from a node's address cannot take that node's slots.
// Refusals, and accepted connections that close or time out without sending a byte,
// are counted and reported once per interval (refusal-tally.ts), never one event each.
//
// Trust: an accepted connection must come from an address in `nodes` and, in its
// HELLO, claim exactly the node that address belongs to; a dialled peer must claim
// the node we dialled. Everything else is closed and reported `rejected`, with a
// count per code in stats(). A newer authenticated connection from a node replaces
// the older one (the node restarted and the old stream is dead but not yet closed).
//
// Notices: a node's guardian, after deleting the addresses of a daemon that died or
// froze, dials every peer as that node in the role `notifier` (either direction of the
// dialling rule), sends one FENCED and closes. Such a connection is authenticated like
// any other but never becomes the node's session; its FENCED is reported as a `fenced`
// event, anything else on it is refused.

import { createServer, connect as netConnect, Server, Socket } from 'node:net';
import { Pnn } from '../../core/flags';
import { FrameError } from '../../protocol/frame-errors';
import { PeerRole } from '../../protocol/frame-messages';
import { PeerCheck, SessionMessage } from '../../protocol/frame-session';
import { admit, AdmissionLane, laneOf } from './admission';
import { Backoff } from './backoff';
import { CloseCause, ConnectionCounters, PeerConnection } from './connection';
import { Dialer } from './dialer';
import { PeerMeshError } from './errors';
import {
  defaultMeshComponents, MeshNode, nodeOfRemote, nodeTables, resolveMeshOptions, ResolvedMeshOptions, TcpMeshComponents, TcpMeshInit,
} from './options';
import { MeshEvent, MeshListener, PeerMesh } from './port';
import { RefusalTally } from './refusal-tally';
import { TcpMeshStats } from './mesh-stats';

export type { TcpMeshStats } from './mesh-stats';
import { backgroundClock } from '../clock';

type MeshState = 'new' | 'starting' | 'running' | 'stopped';

export function createTcpMesh(init: TcpMeshInit, components: Partial<TcpMeshComponents> = {}): TcpMesh {
  return new TcpMesh(resolveMeshOptions(init), { ...defaultMeshComponents(), ...components });
}

export class TcpMesh implements PeerMesh {
  private state: MeshState = 'new';
  private server: Server | undefined;
  private readonly listeners = new Set<MeshListener>();
  /** Established sessions by peer. */
  private readonly sessions = new Map<Pnn, PeerConnection>();
  /** Accepted connections still in their handshake, each with its source slot (see admission.ts). */
  private readonly pending = new Map<PeerConnection, { source: string; lane: AdmissionLane }>();
  /** Handshakes under way per source slot: `pnn/lane`. */
  private readonly pendingBySource = new Map<string, number>();
  /** Established notifier connections (a guardian's FENCED), never sessions, with the timer that ends a silent one. */
  private readonly notices = new Map<PeerConnection, NodeJS.Timeout>();
  /** Dialled connections, established or not. */
  private readonly outgoing = new Set<PeerConnection>();
  private readonly dialers = new Map<Pnn, Dialer>();
  private readonly traffic: ConnectionCounters = { framesIn: 0, framesOut: 0, bytesIn: 0, bytesOut: 0 };
  private readonly rejections = new Map<string, number>();
  private counts = { accepted: 0, sessionsEstablished: 0, sessionsReplaced: 0, listenerErrors: 0, reservedPortDials: 0 };
  private readonly refusals = new RefusalTally((report) => this.emit({ kind: 'refused', ...report }), backgroundClock);
  /** False once binding a reserved port was not allowed (no CAP_NET_BIND_SERVICE): dial from any port then. */
  private reservedPortsAllowed = true;

  /** Who the peers are: from the options, then from every setNodes (reloadnodes). */
  private tables: Pick<ResolvedMeshOptions, 'peerAddress' | 'pnnByAddress'>;

  constructor(private readonly options: ResolvedMeshOptions, private readonly components: TcpMeshComponents) {
    this.tables = { peerAddress: options.peerAddress, pnnByAddress: options.pnnByAddress };
  }

  async start(): Promise<void> {
    if (this.state !== 'new') throw new PeerMeshError('E_MESH_STATE', `the mesh is ${this.state}: start() runs once; create a new mesh to restart`);
    this.state = 'starting';
    const { bindAddress, port } = this.options;
    const server = createServer({ noDelay: true }, (socket) => this.accept(socket));
    this.server = server;
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ host: bindAddress.text, port, exclusive: true }, () => {
          server.off('error', reject);
          resolve();
        });
      });
    } catch (error) {
      this.state = 'stopped';
      this.server = undefined;
      const code = (error as NodeJS.ErrnoException).code;
      const advice = code === 'EADDRINUSE' ? `another process uses port ${port}: stop it or change node.port on every node`
        : code === 'EADDRNOTAVAIL' ? `${bindAddress.text} is not an address of this host: check nodes, node.pnn and node.bind_address`
          : 'check node.bind_address and node.port';
      throw new PeerMeshError('E_MESH_LISTEN', `cannot listen on ${bindAddress.text} port ${port} (${code ?? String(error)}): ${advice}`);
    }
    // A server error after listening (EMFILE on accept) must not crash the daemon; accept goes on.
    server.on('error', () => this.countRejection('E_ACCEPT'));
    this.state = 'running';
    this.startDialers();
  }

  setNodes(nodes: readonly MeshNode[]): void {
    this.tables = nodeTables(this.options.localPnn, nodes);
    const gone = (pnn: Pnn | undefined): boolean => pnn !== undefined && !this.tables.peerAddress.has(pnn);
    for (const [pnn, dialer] of this.dialers) {
      if (!gone(pnn)) continue;
      dialer.stop();
      this.dialers.delete(pnn);
    }
    for (const connection of [...this.pending.keys(), ...this.outgoing, ...this.sessions.values(), ...this.notices.keys()]) {
      if (gone(connection.peerPnn)) connection.close({ reason: 'closed', detail: 'its line of nodes is deleted (reloadnodes)' });
    }
    if (this.state === 'running') this.startDialers();
  }

  /** A dialer for every higher-numbered peer that has none: at start, and for the peers a reloadnodes added. */
  private startDialers(): void {
    for (const pnn of this.tables.peerAddress.keys()) {
      if (pnn <= this.options.localPnn || this.dialers.has(pnn)) continue;
      const dialer = new Dialer(new Backoff(this.options.backoff, this.components.random), { dial: (done) => this.dial(pnn, done) });
      this.dialers.set(pnn, dialer);
      dialer.start();
    }
  }

  async stop(): Promise<void> {
    if (this.state === 'stopped') return;
    this.state = 'stopped';
    for (const dialer of this.dialers.values()) dialer.stop();
    // In order, never an RST: the peers read our last frames (LEAVING) before they see us go.
    const connections = [...this.pending.keys(), ...this.outgoing, ...this.sessions.values(), ...this.notices.keys()];
    const finished = connections.map((c) => c.finish({ reason: 'stopped', detail: 'this node stopped its mesh' }, this.options.stopLingerMs));
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
    await Promise.all(finished);
    this.refusals.flush();
  }

  send(to: Pnn, message: SessionMessage): boolean {
    const connection = this.sessions.get(to);
    return connection !== undefined && connection.send(message);
  }

  broadcast(message: SessionMessage): Pnn[] {
    return this.connected().filter((pnn) => this.send(pnn, message));
  }

  connected(): Pnn[] {
    return [...this.sessions.keys()].sort((a, b) => a - b);
  }

  reset(to: Pnn, detail: string): void {
    const session = this.sessions.get(to);
    if (session === undefined) return;
    // Out of the table first, so its close reports nothing; peer-down comes later, never
    // inside the call (the caller is in the middle of a view change).
    this.sessions.delete(to);
    session.close({ reason: 'reset', detail }, { reset: true });
    setImmediate(() => this.emit({ kind: 'peer-down', pnn: to, reason: 'reset', detail }));
  }

  subscribe(listener: MeshListener): () => void {
    this.listeners.add(listener);
    return () => { this.listeners.delete(listener); };
  }

  stats(): TcpMeshStats {
    let dialAttempts = 0;
    for (const dialer of this.dialers.values()) dialAttempts += dialer.attempts;
    let rejected = 0;
    for (const count of this.rejections.values()) rejected += count;
    return {
      connected: this.sessions.size,
      pendingHandshakes: this.pending.size,
      accepted: this.counts.accepted,
      dialAttempts,
      sessionsEstablished: this.counts.sessionsEstablished,
      sessionsReplaced: this.counts.sessionsReplaced,
      rejected,
      rejectedByCode: Object.fromEntries(this.rejections),
      ...this.traffic,
      listenerErrors: this.counts.listenerErrors,
      reservedPortDials: this.counts.reservedPortDials,
    };
  }

  // --- connections ---------------------------------------------------------------------------

  private accept(socket: Socket): void {
    const remote = `${socket.remoteAddress}:${socket.remotePort}`;
    if (this.state !== 'running') return void socket.destroy();
    const pnn = nodeOfRemote(this.tables.pnnByAddress, socket.remoteAddress);
    const lane = laneOf(socket.remotePort);
    const source = `${pnn}/${lane}`;
    let pendingOpen = 0;
    for (const slot of this.pending.values()) if (slot.lane === 'open') pendingOpen++;
    const admission = admit({
      pnn, localPnn: this.options.localPnn, lane, pendingFromSource: this.pendingBySource.get(source) ?? 0, pendingOpen,
      maxPendingPerSource: this.options.maxPendingPerSource, maxPendingHandshakes: this.options.maxPendingHandshakes,
    });
    if (!admission.ok) {
      socket.destroy();
      return this.refuse(admission.code, socket.remoteAddress ?? remote);
    }
    const peer = pnn as Pnn;
    this.counts.accepted++;
    // A node that should accept from us may dial us only as its guardian's notifier; that is known at its HELLO.
    const mustAccept = peer >= this.options.localPnn;
    const connection = this.connection(socket, remote, peer, 'responder', (claimed, role) => {
      if (claimed !== peer) return { ok: false, reason: `its connection comes from ${socket.remoteAddress}, which is node ${peer} in nodes` };
      if (mustAccept && role !== 'notifier') {
        return { ok: false, code: 'E_NOT_DIALLER',
          reason: `node ${peer} dialled node ${this.options.localPnn}, but the lower-numbered node of a pair dials: run one floatip release on every node` };
      }
      return { ok: true };
    });
    this.pending.set(connection, { source, lane });
    this.pendingBySource.set(source, (this.pendingBySource.get(source) ?? 0) + 1);
    connection.open();
  }

  /** Ends a connection's hold on its source slot (handshake done or connection gone). */
  private leavePending(connection: PeerConnection): void {
    const slot = this.pending.get(connection);
    if (slot === undefined) return;
    this.pending.delete(connection);
    const left = (this.pendingBySource.get(slot.source) ?? 1) - 1;
    if (left > 0) this.pendingBySource.set(slot.source, left);
    else this.pendingBySource.delete(slot.source);
  }

  /** A reserved source port to dial from, or undefined to let the kernel choose. */
  private sourcePort(): number | undefined {
    const range = this.options.reservedSourcePorts;
    if (range === null || !this.reservedPortsAllowed) return undefined;
    return range.first + Math.floor(this.components.random() * (range.last - range.first + 1));
  }

  private dial(pnn: Pnn, done: () => void): void {
    const address = this.tables.peerAddress.get(pnn);
    if (address === undefined || this.state !== 'running') return done();
    const localPort = this.sourcePort();
    const socket = netConnect({
      host: address.text, port: this.options.port, localAddress: this.options.bindAddress.text, noDelay: true,
      ...(localPort !== undefined ? { localPort } : {}),
    });
    if (localPort !== undefined) {
      this.counts.reservedPortDials++;
      // Not allowed (no CAP_NET_BIND_SERVICE): from now on any port; the peer then gives this node only an open-lane slot.
      // A port in use (EADDRINUSE) needs nothing: the dialer tries again from another random one.
      socket.once('error', (error: NodeJS.ErrnoException) => {
        if (error.code === 'EACCES' || error.code === 'EPERM') this.reservedPortsAllowed = false;
      });
    }
    const remote = `${address.text}:${this.options.port}`;
    const connection = this.connection(socket, remote, pnn, 'initiator', (claimed) => (claimed === pnn ? { ok: true }
      : { ok: false, reason: `we dialled ${address.text}, which is node ${pnn} in nodes` }), done);
    this.outgoing.add(connection);
    connection.open();
  }

  private connection(socket: Socket, remote: string, expected: Pnn, role: 'initiator' | 'responder',
    checkPeer: (claimed: Pnn, role: PeerRole) => PeerCheck, done?: () => void): PeerConnection {
    const { options, components } = this;
    return new PeerConnection(socket, remote, expected, {
      localPnn: options.localPnn,
      role,
      clusterKey: options.clusterKey,
      mac: components.mac,
      nonce: components.randomBytes(32),
      ...(options.maxFrameBytes !== undefined ? { maxFrameBytes: options.maxFrameBytes } : {}),
      checkPeer,
    }, {
      handshakeTimeoutMs: options.handshakeTimeoutMs,
      maxQueuedBytes: options.maxQueuedBytes,
      writeStallMs: options.writeStallMs,
      keepAliveMs: options.keepAliveMs,
    }, {
      established: (c) => this.established(c),
      message: (c, message) => {
        if (this.notices.has(c)) this.notice(c, message);
        else if (this.sessions.get(c.peerPnn as Pnn) !== c) return;
        else if (message.kind === 'fenced') {
          this.reject('E_NOTICE', `node ${c.peerPnn} sent FENCED on its mesh session: only its guardian's notifier connection may`, c.remote, c.peerPnn);
        } else this.emit({ kind: 'message', from: c.peerPnn as Pnn, message });
      },
      frameError: (c, error) => this.frameError(c, error),
      closed: (c, cause) => {
        this.closed(c, cause);
        done?.();
      },
    }, this.traffic);
  }

  private established(connection: PeerConnection): void {
    const pnn = connection.peerPnn as Pnn;
    this.leavePending(connection);
    if (connection.peerRole === 'notifier') {
      const timer = setTimeout(() => connection.close({ reason: 'handshake', code: 'E_NOTICE',
        detail: `node ${pnn}'s notifier sent no FENCED within ${this.options.handshakeTimeoutMs} ms` }), this.options.handshakeTimeoutMs);
      timer.unref();
      this.notices.set(connection, timer);
      return;
    }
    this.dialers.get(pnn)?.succeeded();
    const older = this.sessions.get(pnn);
    if (older !== undefined && older !== connection) {
      this.counts.sessionsReplaced++;
      older.close({ reason: 'closed', detail: `replaced by a newer connection from node ${pnn} (it restarted)` });
    }
    this.sessions.set(pnn, connection);
    this.counts.sessionsEstablished++;
    this.emit({ kind: 'peer-up', pnn });
  }

  /** The one message of a guardian's notifier connection: FENCED for its own node, then the connection ends. */
  private notice(connection: PeerConnection, message: SessionMessage): void {
    const pnn = connection.peerPnn as Pnn;
    if (message.kind === 'fenced' && message.pnn === pnn) {
      connection.close({ reason: 'closed', detail: 'notice read' });
      this.emit({ kind: 'fenced', pnn, cause: message.cause, removed: message.removed });
      return;
    }
    const what = message.kind === 'fenced' ? `FENCED for node ${message.pnn}` : message.kind;
    connection.close({ reason: 'protocol', code: 'E_NOTICE', detail: `node ${pnn}'s notifier sent ${what}: a notifier sends only FENCED for its own node` });
  }

  private frameError(connection: PeerConnection, error: FrameError): void {
    this.reject(error.code, error.message, connection.remote, connection.peerPnn);
  }

  private closed(connection: PeerConnection, cause: CloseCause): void {
    const accepted = this.pending.has(connection);
    this.leavePending(connection);
    this.outgoing.delete(connection);
    // An accepted connection that never said a word is no peer: a refusal, counted with the others.
    if (accepted && connection.bytesReceived === 0 && cause.reason !== 'stopped') {
      return this.refuse(cause.code ?? 'E_HANDSHAKE_CLOSED', connection.remote.replace(/:\d+$/, ''));
    }
    const noticeTimer = this.notices.get(connection);
    if (noticeTimer !== undefined) {
      clearTimeout(noticeTimer);
      this.notices.delete(connection);
      if (cause.code !== undefined && !cause.reported) this.reject(cause.code, cause.detail, connection.remote, connection.peerPnn);
      return;
    }
    const pnn = connection.peerPnn;
    if (pnn !== undefined && this.sessions.get(pnn) === connection) {
      this.sessions.delete(pnn);
      if (cause.code !== undefined && !cause.reported) this.reject(cause.code, cause.detail, connection.remote, pnn);
      this.emit({ kind: 'peer-down', pnn, reason: cause.reason, detail: cause.code ? `${cause.code}: ${cause.detail}` : cause.detail });
      return;
    }
    if (connection.established || cause.reason === 'stopped') return;
    // A dial that never reached the peer (refused, unreachable, no answer in time) is no rejection: the dialer retries.
    if (!connection.reachedPeer) return;
    if (cause.code === undefined) {
      this.reject('E_HANDSHAKE_CLOSED', `the connection ended before its handshake completed (${cause.detail})`, connection.remote, pnn);
    } else if (!cause.reported) {
      this.reject(cause.code, cause.detail, connection.remote, pnn);
    }
  }

  private reject(code: string, detail: string, remote: string, pnn: Pnn | undefined): void {
    this.countRejection(code);
    this.emit({ kind: 'rejected', ...(pnn !== undefined ? { pnn } : {}), remote, code, detail });
  }

  /** A connection refused before it said anything: counted, and reported by the tally once per interval. */
  private refuse(code: string, source: string): void {
    this.countRejection(code);
    this.refusals.refused(code, source);
  }

  private countRejection(code: string): void {
    this.rejections.set(code, (this.rejections.get(code) ?? 0) + 1);
  }

  private emit(event: MeshEvent): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(event);
      } catch {
        // A listener's failure is its own; the others still hear the event. Counted for metrics.
        this.counts.listenerErrors++;
      }
    }
  }
}
