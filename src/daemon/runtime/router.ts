// Peer message routing: one row per session message kind, naming the part of the node that handles it.
//
// Two rules stand before a row's handler, each a column of the table:
// - `namesSender`: the message carries the node number it speaks for, which must be the
//   sender's own (a session is authenticated as one node; a heartbeat of node 2 arriving on
//   node 1's session is forged: counted, logged, ignored);
// - `whileStopping`: once the node is stopping it handles only replies to what it still has
//   outstanding, so their waiters get an answer; any other message would start work the
//   node is giving up.

import { Pnn } from '../../core/flags';
import { heartbeatObservation } from '../../protocol/frame-heartbeat';
import { AdminRelay } from './admin';
import { Clock } from '../../adapters/clock';
import { ClusterReload } from './cluster-reload';
import { ClusterState } from './cluster-state';
import { TakeoverLeader } from './leader';
import { Logger } from './logger';
import { SessionMessage, SessionMessageOf } from './messages';
import { OrderHandler } from './orders';
import { RoundTrips } from './rtt';
import { ConnectionTracker } from './tickles';
import { RunHistory, runRecordOf } from './history';

type Kind = SessionMessage['kind'];

export interface Route<K extends Kind> {
  /** Only for messages with a `pnn` field: it must equal the sender, or the message is forged. */
  readonly namesSender?: SessionMessageOf<K> extends { readonly pnn: Pnn } ? true : never;
  /** Still handled while the node is stopping, and why. */
  readonly whileStopping?: string;
  readonly handle: (from: Pnn, message: SessionMessageOf<K>) => void;
}

/** Every kind has its row: a new message kind does not compile until it is routed. */
export type RouteTable = { readonly [K in Kind]: Route<K> };

/** The parts of the node that handle peer messages. */
export interface RoutedParts {
  readonly self: Pnn;
  readonly clock: Pick<Clock, 'now'>;
  readonly state: Pick<ClusterState, 'observe' | 'observeLeave' | 'setPeerVoters' | 'setAddressList'>;
  readonly leader: Pick<TakeoverLeader, 'requestRun' | 'onAck'>;
  readonly orders: Pick<OrderHandler, 'handle'>;
  readonly roundTrips: Pick<RoundTrips, 'onPing' | 'onPong'>;
  readonly tracker: Pick<ConnectionTracker, 'onFull' | 'onDelta'>;
  readonly admin: Pick<AdminRelay, 'onRequest' | 'onReply'>;
  readonly clusterReload: Pick<ClusterReload, 'onRequest' | 'onReply'>;
  readonly history: Pick<RunHistory, 'add'>;
}

export function nodeRoutes(parts: RoutedParts): RouteTable {
  const { state, leader, orders, roundTrips, tracker, admin, clusterReload } = parts;
  const order = { handle: (from: Pnn, message: SessionMessageOf<'release' | 'take' | 'ipreallocated' | 'run-counted'>) => orders.handle(from, message) };
  const ack = { handle: (from: Pnn, message: SessionMessageOf<'release-ack' | 'take-ack' | 'ipreallocated-ack'>) => leader.onAck(from, message) };
  return {
    heartbeat: {
      namesSender: true,
      handle: (from, message) => {
        state.observe(heartbeatObservation(message, parts.clock.now()));
        state.setPeerVoters(from, message.voters);
      },
    },
    // A graceful leave: it released its addresses first, so the others lower their expected votes (core/votes.ts).
    leaving: { namesSender: true, handle: (from) => state.observeLeave(from) },
    // The mesh turns a guardian's FENCED notice into a `fenced` mesh event (node.ts): as a message it means nothing.
    fenced: { handle: () => undefined },
    'public-addresses': {
      namesSender: true,
      handle: (from, message) => {
        const lines = message.addresses.map((a) => ({ address: a.address, bits: a.bits, interfaces: a.interfaces }));
        if (state.setAddressList(from, lines)) leader.requestRun(`node ${from} public addresses changed`);
      },
    },
    // Only a peer's session gets an answer; a message from ourselves came through sendTo. In floatipd
    // the fast-path worker answers its peers' pings (liveness.ts): this serves a mesh on the main loop.
    ping: { handle: (from, message) => { if (from !== parts.self) roundTrips.onPing(from, message); } },
    pong: { handle: (from, message) => roundTrips.onPong(from, message) },
    release: order,
    take: order,
    ipreallocated: order,
    // Not an order, but from the leader under an order's checks (orders.ts): it comes just before IPREALLOCATED.
    'run-counted': order,
    'release-ack': { ...ack, whileStopping: 'a run this node leads may still wait for a release: hearing of one is always safe' },
    'take-ack': ack,
    'ipreallocated-ack': ack,
    // From the leader that ran it, or from a peer passing on what it keeps (history.ts): not the sender's own words.
    'run-record': { handle: (_from, message) => { parts.history.add(runRecordOf(message)); } },
    'tickle-full': { handle: (_from, message) => tracker.onFull(message) },
    'tickle-delta': { handle: (_from, message) => tracker.onDelta(message) },
    'admin-request': { handle: (from, message) => admin.onRequest(from, message) },
    'admin-reply': { whileStopping: 'a command this node relayed to the leader gets its answer', handle: (from, message) => admin.onReply(from, message) },
    'reload-request': { handle: (from, message) => clusterReload.onRequest(from, message) },
    'reload-reply': { whileStopping: 'a cluster reload this node coordinates gets its answer', handle: (from, message) => clusterReload.onReply(from, message) },
  };
}

/** Hands each peer message to its row's handler, after the table's rules. */
export class MessageRouter {
  /** Messages that named another node than their sender: ignored. */
  forged = 0;

  constructor(
    private readonly routes: RouteTable,
    private readonly context: { readonly stopping: () => boolean; readonly log: Logger },
  ) {}

  route(from: Pnn, message: SessionMessage): void {
    // One row of the table, seen through its own kind (TypeScript cannot correlate the two).
    const route = this.routes[message.kind] as unknown as Route<Kind>;
    if (this.context.stopping() && route.whileStopping === undefined) return;
    if (route.namesSender && (message as { readonly pnn: Pnn }).pnn !== from) {
      const claimed = (message as { readonly pnn: Pnn }).pnn;
      this.forged++;
      this.context.log.warn({ from, kind: message.kind, claimed }, `ignored ${message.kind} from node ${from} claiming to be node ${claimed}`);
      return;
    }
    route.handle(from, message);
  }
}
