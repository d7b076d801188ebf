// In-memory cluster mesh: N PeerMesh endpoints in one process, with partitions, cuts, kills and injected rejections.
//
// It keeps the TCP mesh's contract (test/unit/adapters/peer/contract.ts runs against both):
// everything arrives later, never inside the call that caused it, and in order; a
// message travels on one connection, and one sent on a connection that has broken is
// lost, as bytes written to a dead socket are. Messages go through the real codec
// (encoded and decoded again), so a message the TCP mesh could not carry fails here too.
//
// Faults, as the network or a crash would cause them:
// - partition(groups) / cut(a, b): the connections stay up but go silent (TCP keeps a
//   connection open through a partition); messages wait. heal() then either resumes them
//   in order ('resume': TCP retransmitted) or drops the connection and reconnects
//   ('reconnect', the default: the peers' write-stall limit ended it), so each side sees
//   peer-down then peer-up.
// - kill(pnn): the process is gone: the others see peer-down 'closed'; it hears nothing more.
// - notifyFenced(pnn): its guardian's FENCED notice reaches every other running node.
// - injectRejected(pnn, ...): a forged or broken frame arrived and was dropped.
// - drop(filter): matching messages vanish. TCP never loses one message and delivers the
//   next, so use it only to test what a lost order does; partition is the honest fault.

import { Pnn } from '../../core/flags';
import { DEFAULT_MAX_FRAME_BYTES, decodeBody, encodeBody, MIN_FRAME_BYTES } from '../../protocol/frame';
import { FrameBuildError, PayloadFieldError } from '../../protocol/frame-errors';
import { SessionMessage } from '../../protocol/frame-session';
import { PeerMeshError } from '../peer/errors';
import type { MeshNode } from '../peer/options';
import { MeshEvent, MeshListener, PeerDownReason, PeerMesh } from '../peer/port';

export type HealMode = 'reconnect' | 'resume';

export interface MemoryNetworkOptions {
  /**
   * Runs one delivery later; tasks must run in the order given. A fake-clock test passes
   * `(task) => setTimeout(task, 0)` or its own queue. @default a resolved promise's then
   */
  readonly schedule?: (task: () => void) => void;
  /** Largest frame a message may need, as the TCP mesh's limit. @default 1 MiB */
  readonly maxFrameBytes?: number;
}

type RejectedEvent = Extract<MeshEvent, { kind: 'rejected' }>;
type FencedEvent = Extract<MeshEvent, { kind: 'fenced' }>;

type Delivery =
  | { readonly kind: 'up'; readonly peer: Pnn; readonly link: number }
  | { readonly kind: 'down'; readonly peer: Pnn; readonly link: number; readonly reason: PeerDownReason; readonly detail: string }
  | { readonly kind: 'message'; readonly from: Pnn; readonly link: number; readonly payload: Uint8Array; readonly messageKind: SessionMessage['kind'] }
  | { readonly kind: 'rejected'; readonly event: RejectedEvent }
  | { readonly kind: 'fenced'; readonly event: FencedEvent };

interface Link {
  readonly id: number;
  readonly a: Pnn;
  readonly b: Pnn;
}

interface Held {
  readonly to: Pnn;
  readonly delivery: Delivery;
}

type MessageFilter = (from: Pnn, to: Pnn, message: SessionMessage) => boolean;

const pairKey = (a: Pnn, b: Pnn): string => (a < b ? `${a}-${b}` : `${b}-${a}`);
const directionKey = (from: Pnn, to: Pnn): string => `${from}>${to}`;

export class MemoryNetwork {
  private readonly endpoints = new Map<Pnn, MemoryPeerMesh>();
  private readonly links = new Map<string, Link>();
  /** Silent directions, and what heal() does with each. */
  private readonly blocked = new Map<string, HealMode>();
  /** Messages waiting on a silent direction, by direction. */
  private readonly held = new Map<string, Held[]>();
  private readonly filters = new Set<MessageFilter>();
  private nextLinkId = 1;
  readonly schedule: (task: () => void) => void;
  readonly maxFrameBytes: number;

  constructor(options: MemoryNetworkOptions = {}) {
    this.schedule = options.schedule ?? ((task) => { queueMicrotask(task); });
    this.maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
  }

  /** A new endpoint for `pnn`. A node restarted after kill() or stop() joins again with a new one. */
  join(pnn: Pnn): MemoryPeerMesh {
    const current = this.endpoints.get(pnn);
    if (current !== undefined && !current.finished) {
      throw new PeerMeshError('E_MESH_STATE', `node ${pnn} already has a live mesh endpoint: kill() or stop() it before joining again`);
    }
    const endpoint = new MemoryPeerMesh(this, pnn);
    this.endpoints.set(pnn, endpoint);
    return endpoint;
  }

  /** The current endpoint of `pnn`, if any. */
  endpoint(pnn: Pnn): MemoryPeerMesh | undefined {
    return this.endpoints.get(pnn);
  }

  /** Every node listed hears only the nodes of its own group; a node in no group hears nobody. */
  partition(groups: readonly (readonly Pnn[])[], heal: HealMode = 'reconnect'): void {
    const groupOf = new Map<Pnn, number>();
    groups.forEach((group, index) => { for (const pnn of group) groupOf.set(pnn, index); });
    const all = new Set<Pnn>([...this.endpoints.keys(), ...groupOf.keys()]);
    for (const a of all) {
      for (const b of all) {
        if (a === b) continue;
        const ga = groupOf.get(a);
        if (ga === undefined || ga !== groupOf.get(b)) this.blocked.set(directionKey(a, b), heal);
      }
    }
  }

  /** Silences `from` -> `to`, and the way back unless `oneWay`. */
  cut(from: Pnn, to: Pnn, options: { oneWay?: boolean; heal?: HealMode } = {}): void {
    const heal = options.heal ?? 'reconnect';
    this.blocked.set(directionKey(from, to), heal);
    if (!options.oneWay) this.blocked.set(directionKey(to, from), heal);
  }

  /** Ends every partition and cut; see the file header for what happens to the silent connections. */
  heal(): void {
    const blocked = [...this.blocked];
    this.blocked.clear();
    const held = new Map(this.held);
    this.held.clear();
    for (const [direction, mode] of blocked) {
      const [from, to] = direction.split('>').map(Number);
      const link = this.links.get(pairKey(from, to));
      const waiting = held.get(direction) ?? [];
      if (link === undefined) continue;
      if (mode === 'resume') {
        for (const item of waiting) this.enqueue(item.to, item.delivery);
      } else {
        this.breakLink(link, 'error', 'the connection was lost in a network partition', undefined);
      }
    }
    this.connectAll();
  }

  /** The node's process is gone: its connections close (the others see peer-down 'closed'), it hears nothing more. */
  kill(pnn: Pnn): void {
    const endpoint = this.endpoints.get(pnn);
    if (endpoint === undefined || endpoint.finished) return;
    endpoint.markFinished();
    for (const link of this.linksOf(pnn)) this.breakLink(link, 'closed', `node ${pnn} died`, pnn);
  }

  /** Delivers a `rejected` event to `at`, as if a forged or broken frame had arrived and been dropped. */
  injectRejected(at: Pnn, rejection: Omit<RejectedEvent, 'kind'>): void {
    this.enqueue(at, { kind: 'rejected', event: { kind: 'rejected', ...rejection } });
  }

  /** `pnn`'s guardian tells every running node it deleted the addresses (its FENCED notice). */
  notifyFenced(pnn: Pnn, cause: FencedEvent['cause'], removed: number): void {
    for (const endpoint of this.endpoints.values()) {
      if (endpoint.pnn !== pnn && endpoint.running) this.enqueue(endpoint.pnn, { kind: 'fenced', event: { kind: 'fenced', pnn, cause, removed } });
    }
  }

  /** Messages for which `filter` is true vanish; the returned function stops that. */
  drop(filter: MessageFilter): () => void {
    this.filters.add(filter);
    return () => { this.filters.delete(filter); };
  }

  // --- used by the endpoints -----------------------------------------------------------------

  /** Connects every pair of running endpoints that is not connected and not silenced. */
  connectAll(): void {
    const running = [...this.endpoints.values()].filter((e) => e.running).map((e) => e.pnn).sort((a, b) => a - b);
    for (const a of running) {
      for (const b of running) {
        if (a >= b || this.links.has(pairKey(a, b))) continue;
        if (!this.endpoints.get(a)?.admits(b) || !this.endpoints.get(b)?.admits(a)) continue;
        if (this.blocked.has(directionKey(a, b)) || this.blocked.has(directionKey(b, a))) continue;
        const link: Link = { id: this.nextLinkId++, a, b };
        this.links.set(pairKey(a, b), link);
        this.enqueue(a, { kind: 'up', peer: b, link: link.id });
        this.enqueue(b, { kind: 'up', peer: a, link: link.id });
      }
    }
  }

  /** `from` resets its connection with `to`: what waits in it is lost, both sides see peer-down 'reset', they reconnect when they can. */
  reset(from: Pnn, to: Pnn, detail: string): void {
    const link = this.links.get(pairKey(from, to));
    if (link === undefined) return;
    this.breakLink(link, 'reset', detail, undefined);
    this.connectAll();
  }

  /** Ends the connection of `pnn` and `peer`: one of them deleted the other's line of nodes. */
  disconnectPair(pnn: Pnn, peer: Pnn): void {
    const link = this.links.get(pairKey(pnn, peer));
    if (link !== undefined) this.breakLink(link, 'closed', `node ${peer}'s line of nodes is deleted (reloadnodes)`, undefined);
  }

  /** Ends `pnn`'s connections because it stopped its mesh. */
  disconnect(pnn: Pnn): void {
    for (const link of this.linksOf(pnn)) this.breakLink(link, 'closed', `node ${pnn} stopped its mesh`, pnn);
  }

  /** Queues a message on the connection `linkId`; on a broken connection or through a drop filter it is lost unseen. */
  transmit(from: Pnn, to: Pnn, linkId: number, message: SessionMessage): void {
    const payload = encodeBody(message);
    if (payload.length + MIN_FRAME_BYTES > this.maxFrameBytes) {
      throw new FrameBuildError('E_FRAME_TOO_LARGE',
        `${message.kind} needs a ${payload.length + MIN_FRAME_BYTES}-byte frame, more than the limit of ${this.maxFrameBytes}: send it in parts`);
    }
    if (this.links.get(pairKey(from, to))?.id !== linkId) return;
    for (const filter of this.filters) if (filter(from, to, message)) return;
    const delivery: Delivery = { kind: 'message', from, link: linkId, payload, messageKind: message.kind };
    const direction = directionKey(from, to);
    if (this.blocked.has(direction)) {
      const queue = this.held.get(direction) ?? [];
      queue.push({ to, delivery });
      this.held.set(direction, queue);
      return;
    }
    this.enqueue(to, delivery);
  }

  private linksOf(pnn: Pnn): Link[] {
    return [...this.links.values()].filter((link) => link.a === pnn || link.b === pnn);
  }

  /** `gone`: the side that caused it (killed or stopped), which is told nothing. */
  private breakLink(link: Link, reason: PeerDownReason, detail: string, gone: Pnn | undefined): void {
    this.links.delete(pairKey(link.a, link.b));
    this.held.delete(directionKey(link.a, link.b));
    this.held.delete(directionKey(link.b, link.a));
    if (gone !== link.a) this.enqueue(link.a, { kind: 'down', peer: link.b, link: link.id, reason, detail });
    if (gone !== link.b) this.enqueue(link.b, { kind: 'down', peer: link.a, link: link.id, reason, detail });
  }

  private enqueue(to: Pnn, delivery: Delivery): void {
    const endpoint = this.endpoints.get(to);
    if (endpoint === undefined || endpoint.finished) return;
    endpoint.inbox.push(delivery);
    this.schedule(() => endpoint.deliverNext());
  }
}

export interface MemoryMeshStats {
  readonly connected: number;
  readonly rejected: number;
  readonly rejectedByCode: Readonly<Record<string, number>>;
  readonly framesIn: number;
  readonly framesOut: number;
  readonly listenerErrors: number;
}

export class MemoryPeerMesh implements PeerMesh {
  private state: 'new' | 'running' | 'stopped' | 'killed' = 'new';
  private readonly listeners = new Set<MeshListener>();
  /** Peer -> connection id, as this endpoint has been told (peer-up delivered, peer-down not yet). */
  private readonly sessions = new Map<Pnn, number>();
  /** The kind of the last message from each peer: a close after LEAVING is reported as 'leaving', as TCP's is. */
  private readonly lastKind = new Map<Pnn, SessionMessage['kind']>();
  readonly inbox: Delivery[] = [];
  private readonly rejections = new Map<string, number>();
  private counts = { framesIn: 0, framesOut: 0, listenerErrors: 0 };

  constructor(private readonly network: MemoryNetwork, readonly pnn: Pnn) {}

  /** The live nodes of this endpoint's `nodes`, once setNodes was called; until then every endpoint of the network. */
  private members: ReadonlySet<Pnn> | undefined;

  /** True when this endpoint's `nodes` lists `peer` (a TCP mesh refuses a connection from an address not in it). */
  admits(peer: Pnn): boolean {
    return this.members === undefined || this.members.has(peer);
  }

  setNodes(nodes: readonly MeshNode[]): void {
    this.members = new Set(nodes.filter((n) => n.address !== null).map((n) => n.pnn));
    for (const peer of this.connected()) if (!this.admits(peer)) this.network.disconnectPair(this.pnn, peer);
    if (this.running) this.network.connectAll();
  }

  get running(): boolean {
    return this.state === 'running';
  }

  /** Stopped or killed: this endpoint is done; the node joins again with a new one. */
  get finished(): boolean {
    return this.state === 'stopped' || this.state === 'killed';
  }

  markFinished(): void {
    this.state = 'killed';
    this.sessions.clear();
    this.inbox.length = 0;
  }

  async start(): Promise<void> {
    if (this.state !== 'new') {
      throw new PeerMeshError('E_MESH_STATE', `the mesh of node ${this.pnn} is ${this.state}: start() runs once; join() again to restart`);
    }
    this.state = 'running';
    this.network.connectAll();
  }

  async stop(): Promise<void> {
    if (this.state !== 'running' && this.state !== 'new') return;
    const peers = this.connected();
    this.state = 'stopped';
    this.sessions.clear();
    this.inbox.length = 0;
    this.network.disconnect(this.pnn);
    for (const pnn of peers) this.emit({ kind: 'peer-down', pnn, reason: 'stopped', detail: 'this node stopped its mesh' });
  }

  send(to: Pnn, message: SessionMessage): boolean {
    const link = this.running ? this.sessions.get(to) : undefined;
    if (link === undefined) return false;
    this.network.transmit(this.pnn, to, link, message);
    this.counts.framesOut++;
    return true;
  }

  broadcast(message: SessionMessage): Pnn[] {
    return this.connected().filter((pnn) => this.send(pnn, message));
  }

  connected(): Pnn[] {
    return [...this.sessions.keys()].sort((a, b) => a - b);
  }
  reset(to: Pnn, detail: string): void {
    if (this.running) this.network.reset(this.pnn, to, detail);
  }


  subscribe(listener: MeshListener): () => void {
    this.listeners.add(listener);
    return () => { this.listeners.delete(listener); };
  }

  stats(): MemoryMeshStats {
    let rejected = 0;
    for (const count of this.rejections.values()) rejected += count;
    return {
      connected: this.sessions.size, rejected, rejectedByCode: Object.fromEntries(this.rejections), ...this.counts,
    };
  }

  /** Runs the oldest queued delivery (one per scheduled task, so order is the queue's). */
  deliverNext(): void {
    const delivery = this.inbox.shift();
    if (delivery === undefined || this.finished) return;
    switch (delivery.kind) {
      case 'up':
        this.sessions.set(delivery.peer, delivery.link);
        this.lastKind.delete(delivery.peer);
        this.emit({ kind: 'peer-up', pnn: delivery.peer });
        return;
      case 'down':
        if (this.sessions.get(delivery.peer) !== delivery.link) return;
        this.sessions.delete(delivery.peer);
        this.emit({
          kind: 'peer-down', pnn: delivery.peer, detail: delivery.detail,
          reason: delivery.reason === 'closed' && this.lastKind.get(delivery.peer) === 'leaving' ? 'leaving' : delivery.reason,
        });
        this.lastKind.delete(delivery.peer);
        return;
      case 'message':
        if (this.sessions.get(delivery.from) !== delivery.link) return;
        this.receive(delivery);
        return;
      case 'rejected':
        this.rejections.set(delivery.event.code, (this.rejections.get(delivery.event.code) ?? 0) + 1);
        this.emit(delivery.event);
        return;
      case 'fenced':
        this.emit(delivery.event);
        return;
    }
  }

  private receive(delivery: Extract<Delivery, { kind: 'message' }>): void {
    let message: SessionMessage;
    try {
      message = decodeBody(delivery.messageKind, delivery.payload) as SessionMessage;
    } catch (error) {
      if (!(error instanceof PayloadFieldError)) throw error;
      // What the TCP mesh's decoder does with an authenticated frame with a bad field: drop it, report it.
      this.rejections.set('E_BAD_PAYLOAD', (this.rejections.get('E_BAD_PAYLOAD') ?? 0) + 1);
      this.emit({ kind: 'rejected', pnn: delivery.from, remote: `memory:${delivery.from}`, code: 'E_BAD_PAYLOAD', detail: error.message });
      return;
    }
    this.counts.framesIn++;
    this.lastKind.set(delivery.from, message.kind);
    this.emit({ kind: 'message', from: delivery.from, message });
  }

  private emit(event: MeshEvent): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(event);
      } catch {
        this.counts.listenerErrors++;
      }
    }
  }
}
