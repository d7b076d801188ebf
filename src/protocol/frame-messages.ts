// The peer messages as typed values: what each one says and the limits on it (frame-message-codecs.ts has their wire layout).

import { IpAddress } from '../core/ip';
import { LinkState } from '../core/address';
import { NodeFlags, Pnn } from '../core/flags';
import { HeardReport } from '../core/membership';
import { TakeoverRunRecord } from './control-results';

export const NONCE_BYTES = 32;
export const FINGERPRINT_BYTES = 8;
/** Longest free text (error reasons, admin replies) a message carries, in UTF-8 bytes. */
export const MAX_TEXT_BYTES = 1024;
/** The smallest frame limit a node may announce: below it, ordinary orders and heartbeats would not fit. */
export const MIN_MAX_FRAME_BYTES = 4096;

/**
 * Who opened the TCP connection: it decides the order of the nonces in the session keys.
 * A `notifier` is a node's guardian: it dials any peer (in either direction of the mesh's
 * dialling rule), sends one FENCED and closes; it keys the session like an initiator.
 */
export type PeerRole = 'initiator' | 'responder' | 'notifier';

/** First frame each side sends on a new connection; integrity-checked, authenticated later by PROOF. */
export interface HelloMessage {
  readonly kind: 'hello';
  readonly role: PeerRole;
  /** The sender's node number (its line in `nodes`). */
  readonly pnn: Pnn;
  /** First bytes of HMAC(cluster key, label): tells "wrong key" apart from a forged frame. */
  readonly clusterFingerprint: Uint8Array;
  /** Fresh random bytes for this connection only. */
  readonly nonce: Uint8Array;
  /** The largest frame the sender accepts. */
  readonly maxFrameBytes: number;
}

/** Second frame each side sends: MAC'd under the new session key, it proves the key over both nonces. */
export interface ProofMessage {
  readonly kind: 'proof';
  /** The receiver's own HELLO nonce, sent back. */
  readonly peerNonce: Uint8Array;
}

/** The sender's monitor: `pending` until its first `monitor` event has finished. */
export type MonitorState = 'pending' | 'healthy' | 'unhealthy';

export interface InterfaceLink {
  readonly iface: string;
  readonly state: LinkState;
}

/** Every `heartbeat_interval`: what the sender says about itself. */
export interface HeartbeatMessage {
  readonly kind: 'heartbeat';
  readonly pnn: Pnn;
  /** Counts this sender's heartbeats on this connection. */
  readonly beat: number;
  readonly flags: NodeFlags;
  /** With BANNED: how long the ban still runs (a duration: clocks differ between nodes). */
  readonly banRemainingMs?: number;
  readonly monitor: MonitorState;
  readonly epoch: number;
  /** The leader the sender follows in `epoch` (itself when it leads), or NO_NODE. */
  readonly leader: Pnn;
  readonly links: readonly InterfaceLink[];
  readonly hosted: readonly IpAddress[];
  /**
   * The nodes the sender is connected to now, itself included, ascending. A leader
   * runs only when every member of its partition reports the same set (core/quorum.ts).
   */
  readonly partition: readonly Pnn[];
  /**
   * For each peer the sender is connected to (never itself), ascending by pnn: how long ago
   * the sender last heard that peer, capped to u32. The receiver's fence counts the sender
   * only while the sender still hears the receiver (core/quorum.ts fence).
   */
  readonly heard: readonly HeardReport[];
  /**
   * The sender's expected voters, ascending, while its partition is quorate under them; empty
   * otherwise. A daemon that just started (wait_for_all) takes them from a quorate member (core/votes.ts).
   */
  readonly voters: readonly Pnn[];
}

/**
 * A HEARTBEAT whose `hosted` list is the one of the last HEARTBEAT on the same connection in
 * the same direction: the list is left out, every other field is there. Sent only to a peer
 * whose FEATURES named FEATURE.briefHeartbeats; the receiver's session puts the list back, so
 * nothing above it sees this kind. With 333 addresses a HEARTBEAT is ~5.7 KB, and at rest every
 * beat lists the same ones: the brief one is under 100 bytes.
 */
export type HeartbeatBriefMessage = Omit<HeartbeatMessage, 'kind' | 'hosted'> & { readonly kind: 'heartbeat-brief' };

/** The bits of FEATURES: what the sender can receive. Bits it does not know, a receiver ignores. */
export const FEATURE = {
  /** HEARTBEAT-BRIEF */
  briefHeartbeats: 0x1,
} as const;

/** Every bit this release sets. */
export const OWN_FEATURES: number = FEATURE.briefHeartbeats;

/**
 * Sent once per connection right after the handshake (not on a guardian's notifier connection):
 * what the sender can receive beyond the messages of frame version 1 as first released. An
 * older release drops it (E_UNKNOWN_TYPE), so it never learns that a peer can receive more, and
 * is sent only what it knows (docs/protocol.md, Versions).
 */
export interface FeaturesMessage {
  readonly kind: 'features';
  readonly bits: number;
}

/**
 * Every `heartbeat_interval` x 5, to each connected peer: asks for a PONG at once, so the
 * sender can time the round trip. `sentUs` is the sender's own monotonic clock; only the
 * sender reads it, so clocks need not agree between nodes.
 */
export interface PingMessage {
  readonly kind: 'ping';
  /** Counts the sender's pings; the PONG echoes it. */
  readonly seq: number;
  /** Sender's monotonic clock when sent, microseconds. */
  readonly sentUs: number;
}

/** The answer to a PING, sent as soon as it arrives: both fields echoed unchanged. */
export interface PongMessage {
  readonly kind: 'pong';
  readonly seq: number;
  readonly sentUs: number;
}

export type LeavingReason = 'shutdown' | 'restart';

/** A planned stop: peers mark the sender gone at once instead of waiting for the stream to close. */
export interface LeavingMessage {
  readonly kind: 'leaving';
  readonly pnn: Pnn;
  readonly reason: LeavingReason;
}

export type FenceCause = 'pipe-closed' | 'no-ticks';

/**
 * From a node's guardian, on its own short notifier connection: the guardian has deleted
 * every floatip address of node `pnn` (the daemon died, or sent no tick for fence_after).
 * Peers need not wait out `crash_grace` for that node any longer.
 */
export interface FencedMessage {
  readonly kind: 'fenced';
  readonly pnn: Pnn;
  readonly cause: FenceCause;
  /** How many addresses it deleted. */
  readonly removed: number;
}

/** One line of a node's `public_addresses`: an address it may host, and on which interfaces. */
export interface PublicAddressLine {
  readonly address: IpAddress;
  readonly bits: number;
  /** In configured order: the first with link is used. */
  readonly interfaces: readonly string[];
}

/**
 * The sender's whole `public_addresses` list, which may differ per node: sent on every new
 * connection and after a reload. The leader needs every node's list to place addresses.
 */
export interface PublicAddressesMessage {
  readonly kind: 'public-addresses';
  readonly pnn: Pnn;
  readonly addresses: readonly PublicAddressLine[];
}

/** Leader -> node: give these addresses up (takeover step 2). */
export interface ReleaseOrder {
  readonly kind: 'release';
  readonly epoch: number;
  readonly leader: Pnn;
  readonly addresses: readonly IpAddress[];
}

export interface ReleaseFailure {
  readonly address: IpAddress;
  readonly reason: string;
}

export interface ReleaseAck {
  readonly kind: 'release-ack';
  readonly epoch: number;
  readonly released: readonly IpAddress[];
  readonly failed: readonly ReleaseFailure[];
}

export interface TakeItem {
  readonly address: IpAddress;
  readonly bits: number;
  readonly iface: string;
}

/** Leader -> node: host these addresses on these interfaces (takeover step 3). */
export interface TakeOrder {
  readonly kind: 'take';
  readonly epoch: number;
  readonly leader: Pnn;
  readonly takes: readonly TakeItem[];
}

/** How long each step of one take lasted, in microseconds. */
export interface TakeTimings {
  readonly addressUs: number;
  readonly announceUs: number;
  readonly tickleUs: number;
  readonly eventUs: number;
}

export interface TakeResult {
  readonly address: IpAddress;
  readonly status: 'taken' | 'failed';
  /** Empty when taken. */
  readonly error: string;
  readonly timings: TakeTimings;
}

export interface TakeAck {
  readonly kind: 'take-ack';
  readonly epoch: number;
  readonly results: readonly TakeResult[];
}

/** Leader -> every node: run the `ipreallocated` event (takeover step 4). */
export interface IpReallocatedOrder {
  readonly kind: 'ipreallocated';
  readonly epoch: number;
  readonly leader: Pnn;
}

export interface IpReallocatedAck {
  readonly kind: 'ipreallocated-ack';
  readonly epoch: number;
  readonly status: 'ok' | 'failed';
  readonly error: string;
}

/**
 * Leader -> every node, just before its IPREALLOCATED on the same stream: whether the run's
 * allocation counted that node as able to host (no flag, its list known), so the node can tell
 * whether it holds its share (`floatip wait-ok`). A new type rather than a field of
 * IPREALLOCATED: an older release drops it and keeps the connection (docs/protocol.md, Versions).
 */
export interface RunCountedMessage {
  readonly kind: 'run-counted';
  readonly epoch: number;
  readonly leader: Pnn;
  readonly counted: boolean;
}

/** One client connection to a public address, as the next owner needs it to send a tickle. */
export interface TcpConnection {
  readonly client: IpAddress;
  readonly clientPort: number;
  readonly serverPort: number;
}

/** The whole list of client connections to `address` (replaces what the receiver had). */
export interface TickleFull {
  readonly kind: 'tickle-full';
  readonly address: IpAddress;
  readonly connections: readonly TcpConnection[];
}

/** Changes to the list of client connections to `address` since the last full or delta update. */
export interface TickleDelta {
  readonly kind: 'tickle-delta';
  readonly address: IpAddress;
  readonly added: readonly TcpConnection[];
  readonly removed: readonly TcpConnection[];
}

/**
 * One finished takeover run, so that every node's `floatip history` shows every run, whoever led
 * it, and keeps them when the leader changes: the leader sends each run it finished to every
 * connected node, and each node sends the runs it keeps to a peer on a new connection (a node
 * that restarted learns what ran before). Times are microseconds, so the ms figures keep their
 * three decimals.
 */
export interface RunRecordMessage {
  readonly kind: 'run-record';
  readonly epoch: number;
  /** The node that led the run (not necessarily the sender). */
  readonly leader: Pnn;
  /** Wall clock of the leader when the run started, ms since 1970. */
  readonly startedAtMs: number;
  readonly reason: string;
  readonly status: 'ok' | 'failed' | 'superseded';
  readonly error: string;
  readonly moves: number;
  /** The record's phases (control-results.ts), in microseconds. */
  readonly phasesUs: TakeoverRunRecord['phases'];
  /** Event-loop delay p99 during the run, when measured. */
  readonly loopDelayP99Us?: number;
}

/** An administrator's request, relayed by the node that received it to the leader. */
export type AdminRequest =
  | { readonly action: 'disable' | 'enable' | 'stop' | 'continue' | 'unban'; readonly pnn: Pnn }
  | { readonly action: 'ban'; readonly pnn: Pnn; readonly seconds: number }
  | { readonly action: 'moveip'; readonly address: IpAddress; readonly pnn: Pnn }
  | { readonly action: 'ipreallocate' }
  /**
   * ipreallocate with LCP2's forced rebalance targets, ascending. Its own variant, so that a
   * plain ipreallocate keeps its bytes: a node of an older release drops only this one.
   */
  | { readonly action: 'rebalance'; readonly nodes: readonly Pnn[] };

export interface AdminRequestMessage {
  readonly kind: 'admin-request';
  /** Chosen by the relaying node, echoed in the reply. */
  readonly requestId: number;
  readonly request: AdminRequest;
}

export interface AdminReplyMessage {
  readonly kind: 'admin-reply';
  readonly requestId: number;
  readonly status: 'ok' | 'refused' | 'failed';
  readonly message: string;
}

/**
 * One step of a cluster-wide reloadips (CTDB's control_reloadips), from the node that
 * received the command (the coordinator):
 *   hold     to every connected node: start no takeover run (should you lead) until this
 *            reload releases you or `holdMs` passes; answer once no run is under way.
 *   apply    to each listed node: re-read your public_addresses and send every peer the list.
 *   release  to every held node but the leader: end the hold.
 *   run      to the leader: end the hold, make sure the list of every node in `applied` has
 *            reached you (a `sync` to each), then make the one run and answer with it.
 *   sync     leader -> applied node: answered at once; the answer travels the connection the
 *            node's new list travelled first, so once it arrives the list is in the view.
 * A cluster-wide reloadnodes (CTDB's reloadnodes) holds, releases and runs the same way, with
 * two steps of its own between hold and release:
 *   check-nodes  to every held node: does your `nodes` file read exactly `nodes`? `refused`,
 *                naming the first line that differs, when it does not.
 *   apply-nodes  to every held node once all of them said yes: read it again and, if it still
 *                is `nodes`, run with it (dial the new peers, drop the deleted ones).
 */
export type ReloadStep =
  | { readonly step: 'hold'; readonly holdMs: number }
  | { readonly step: 'apply' }
  | { readonly step: 'check-nodes'; readonly nodes: readonly NodesFileLine[] }
  | { readonly step: 'apply-nodes'; readonly nodes: readonly NodesFileLine[] }
  | { readonly step: 'release' }
  | { readonly step: 'run'; readonly applied: readonly Pnn[] }
  | { readonly step: 'sync' };

/** One line of `nodes` in a reloadnodes step: the node's private address, left out for a `#` (deleted) line. */
export interface NodesFileLine {
  readonly address?: IpAddress;
}

export interface ReloadRequestMessage {
  readonly kind: 'reload-request';
  /** Chosen by the sender, echoed in the reply. */
  readonly requestId: number;
  /** Names the reload among the sender's: a hold and its release carry the same one. */
  readonly reloadId: number;
  readonly step: ReloadStep;
}

export interface ReloadReplyMessage {
  readonly kind: 'reload-reply';
  readonly requestId: number;
  readonly status: 'ok' | 'refused' | 'failed';
  readonly message: string;
}

export type PeerMessage =
  | HelloMessage | ProofMessage | FeaturesMessage | HeartbeatMessage | HeartbeatBriefMessage | LeavingMessage | FencedMessage | PublicAddressesMessage | PingMessage | PongMessage
  | ReleaseOrder | ReleaseAck | TakeOrder | TakeAck | IpReallocatedOrder | IpReallocatedAck | RunCountedMessage
  | RunRecordMessage | TickleFull | TickleDelta | AdminRequestMessage | AdminReplyMessage | ReloadRequestMessage | ReloadReplyMessage;

export type PeerMessageKind = PeerMessage['kind'];
export type MessageOf<K extends PeerMessageKind> = Extract<PeerMessage, { kind: K }>;
