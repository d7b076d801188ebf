// The cluster mesh port: authenticated messages to and from the other nodes, and who is connected.

import { Pnn } from '../../core/flags';
import type { MeshNode } from './options';
import { FenceCause } from '../../protocol/frame-messages';
import { SessionMessage } from '../../protocol/frame-session';

/** Why a peer's connection ended or was refused; logged and counted, never trusted. */
export type PeerDownReason =
  | 'closed' // the TCP stream ended (the peer died or closed it)
  | 'error' // a socket error
  | 'protocol' // a fatal frame error: bad MAC, replay, oversized, truncated...
  | 'handshake' // the handshake failed (wrong key, wrong node number)
  | 'leaving' // the peer said LEAVING before closing
  | 'stopped' // we stopped the mesh
  | 'reset'; // we reset it (reset()): the peer was silent for dead_after

export type MeshEvent =
  /** A handshake with `pnn` completed: messages can flow both ways. */
  | { readonly kind: 'peer-up'; readonly pnn: Pnn }
  /** The connection to `pnn` is gone. The mesh reconnects by itself (with backoff). */
  | { readonly kind: 'peer-down'; readonly pnn: Pnn; readonly reason: PeerDownReason; readonly detail: string }
  /** An authenticated message from `from`, in order. */
  | { readonly kind: 'message'; readonly from: Pnn; readonly message: SessionMessage }
  /**
   * `pnn`'s guardian says it deleted every floatip address of that node (its daemon
   * died, or sent no tick for fence_after): authenticated, on the guardian's own connection.
   */
  | { readonly kind: 'fenced'; readonly pnn: Pnn; readonly cause: FenceCause; readonly removed: number }
  /**
   * Something was dropped: a frame that failed authentication or decoding, a connection
   * from an address that is not in `nodes`, a peer claiming another node's number.
   * `pnn` is the claimed or expected node, when known.
   */
  | { readonly kind: 'rejected'; readonly pnn?: Pnn; readonly remote: string; readonly code: string; readonly detail: string }
  /**
   * Connections refused before they said anything (not from a node, no free handshake slot,
   * silent until the handshake timeout), counted by code and by source address: the first
   * at once, then one report per interval with the counts (refusal-tally.ts).
   */
  | { readonly kind: 'refused'; readonly counts: Readonly<Record<string, number>>; readonly sources: Readonly<Record<string, number>>; readonly intervalMs: number };

/**
 * `ageMs`: how long ago the event happened, when it is handed over late (a mesh run on another
 * thread queues events while this loop is busy); absent: it happened now. The runtime stamps
 * observations with it, so a heartbeat that waited in the queue is not heard later than it was.
 */
export type MeshListener = (event: MeshEvent, ageMs?: number) => void;

/**
 * One TCP connection per pair of nodes over the private addresses from `nodes`. The real
 * adapter (tcp-mesh.ts) and the in-memory network (adapters/memory/peer.ts) both implement it,
 * and one contract suite runs against both.
 */
export interface PeerMesh {
  /** Listens and starts dialling every configured peer. */
  start(): Promise<void>;
  /** Closes every connection and the listener; `peer-down` with reason `stopped` for each. */
  stop(): Promise<void>;
  /**
   * Queues `message` for `to`. Returns false, and sends nothing, when there is no
   * established session with `to` (the caller decides whether that matters).
   */
  send(to: Pnn, message: SessionMessage): boolean;
  /** Sends to every connected peer; returns the peers it was queued for. */
  broadcast(message: SessionMessage): Pnn[];
  /** Peers with an established session, ascending. */
  connected(): Pnn[];
  /**
   * Drops the session with `to` at once and discards what it still had to send (a TCP
   * reset), then reconnects as after any loss; `peer-down` with reason `reset`. For a peer
   * counted as gone: nothing sent to it before may arrive after (a TAKE held in TCP's
   * queues through a link outage arrived 1 s late and the node took an address the
   * leader had given away meanwhile).
   */
  reset(to: Pnn, detail: string): void;
  /** Adds a listener; the returned function removes it. */
  subscribe(listener: MeshListener): () => void;
  /**
   * A new `nodes` (reloadnodes; lines are only appended or commented out): new peers are
   * dialled or accepted, and the connections of nodes whose line is now deleted are closed
   * (`peer-down`) and refused from then on.
   */
  setNodes(nodes: readonly MeshNode[]): void;
  /**
   * Delivers now every event already received but not yet handed to the listeners: a mesh run
   * on another thread (daemon/fastpath) queues them while this loop is busy. The runtime calls
   * it before it judges silence. Absent: events are always delivered at once.
   */
  flush?(): void;
}
