// The peer messages: their typed values, wire type codes and payload layouts (docs/protocol.md has the tables).

import { IpAddress } from '../core/ip';
import { LinkState } from '../core/address';
import { NodeFlag, NodeFlags, Pnn } from '../core/flags';
import { HeardReport } from '../core/membership';
import {
  bytes, checked, enumeration, FieldCodec, interfaceName, ipAddress, linkState, list, optional, pnn,
  pnnOrNone, struct, tagged, text, u16, u32, u64, u8,
} from './frame-fields';

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
 */
export type ReloadStep =
  | { readonly step: 'hold'; readonly holdMs: number }
  | { readonly step: 'apply' }
  | { readonly step: 'release' }
  | { readonly step: 'run'; readonly applied: readonly Pnn[] }
  | { readonly step: 'sync' };

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
  | HelloMessage | ProofMessage | HeartbeatMessage | LeavingMessage | FencedMessage | PublicAddressesMessage | PingMessage | PongMessage
  | ReleaseOrder | ReleaseAck | TakeOrder | TakeAck | IpReallocatedOrder | IpReallocatedAck
  | TickleFull | TickleDelta | AdminRequestMessage | AdminReplyMessage | ReloadRequestMessage | ReloadReplyMessage;

export type PeerMessageKind = PeerMessage['kind'];
export type MessageOf<K extends PeerMessageKind> = Extract<PeerMessage, { kind: K }>;
type Body<K extends PeerMessageKind> = Omit<MessageOf<K>, 'kind'>;

/** The wire type code of each message. Gaps leave room for related messages. */
export const MESSAGE_TYPES: Readonly<Record<PeerMessageKind, number>> = {
  hello: 0x01,
  proof: 0x02,
  heartbeat: 0x10,
  leaving: 0x11,
  'public-addresses': 0x12,
  ping: 0x13,
  pong: 0x14,
  fenced: 0x15,
  release: 0x20,
  'release-ack': 0x21,
  take: 0x22,
  'take-ack': 0x23,
  ipreallocated: 0x24,
  'ipreallocated-ack': 0x25,
  'tickle-full': 0x30,
  'tickle-delta': 0x31,
  'admin-request': 0x40,
  'admin-reply': 0x41,
  'reload-request': 0x42,
  'reload-reply': 0x43,
};

const KIND_BY_TYPE: ReadonlyMap<number, PeerMessageKind> = new Map(
  (Object.entries(MESSAGE_TYPES) as Array<[PeerMessageKind, number]>).map(([kind, type]) => [type, kind]),
);

export function messageKindOf(type: number): PeerMessageKind | undefined {
  return KIND_BY_TYPE.get(type);
}

const reason = text(MAX_TEXT_BYTES);
/** The flags a node decides about itself; DISCONNECTED and DELETED are only ever concluded by others. */
export const SELF_REPORTED_FLAGS: NodeFlags = NodeFlag.UNHEALTHY | NodeFlag.DISABLED | NodeFlag.STOPPED | NodeFlag.BANNED;
const selfFlags = checked(u32, (v) => ((v & ~SELF_REPORTED_FLAGS) === 0 ? undefined
  : `0x${v.toString(16)} has bits other than UNHEALTHY, DISABLED, STOPPED and BANNED (the flags a node reports about itself)`));
const port = checked(u16, (v) => (v === 0 ? 'is port 0' : undefined));
const connection = struct({ client: ipAddress, clientPort: port, serverPort: port });
const maxFrameBytes = checked(u32, (v) => (v < MIN_MAX_FRAME_BYTES ? `${v} is below ${MIN_MAX_FRAME_BYTES}, the smallest allowed frame limit` : undefined));

/** Node numbers as a set: strictly ascending, so equal sets have equal bytes. */
const ascendingPnns = checked(list(pnn), (v) => (v.some((p, i) => i > 0 && p <= v[i - 1])
  ? `[${v.join(',')}] is not strictly ascending` : undefined));

/** One entry per peer, strictly ascending by pnn, so a node cannot report two different times for one peer. */
const heardPeers = checked(list(struct({ pnn, agoMs: u32 })), (v) => (v.some((entry, i) => i > 0 && entry.pnn <= v[i - 1].pnn)
  ? `pnns [${v.map((entry) => entry.pnn).join(',')}] are not strictly ascending` : undefined));

const takeItem = checked(struct({ address: ipAddress, bits: u8, iface: interfaceName }), (v) => {
  const max = v.address.family === 4 ? 32 : 128;
  return v.bits <= max ? undefined : `bits ${v.bits} is more than ${max} for ${v.address.text}`;
});

const publicAddressLine = checked(struct({ address: ipAddress, bits: u8, interfaces: list(interfaceName) }), (v) => {
  const max = v.address.family === 4 ? 32 : 128;
  if (v.bits > max) return `bits ${v.bits} is more than ${max} for ${v.address.text}`;
  return v.interfaces.length > 0 ? undefined : `${v.address.text} has no interface`;
});

const adminRequest = tagged<AdminRequest>('action', {
  disable: struct({ pnn }),
  enable: struct({ pnn }),
  stop: struct({ pnn }),
  continue: struct({ pnn }),
  unban: struct({ pnn }),
  ban: struct({ pnn, seconds: checked(u32, (v) => (v === 0 ? 'is 0: a ban lasts at least one second' : undefined)) }),
  moveip: struct({ address: ipAddress, pnn }),
  ipreallocate: struct({}),
  rebalance: struct({ nodes: checked(ascendingPnns, (v) => (v.length === 0 ? 'is empty: name at least one node' : undefined)) }),
});

const reloadStep = tagged<ReloadStep>('step', {
  hold: struct({ holdMs: checked(u32, (v) => (v === 0 ? 'is 0: a hold lasts at least 1 ms' : undefined)) }),
  apply: struct({}),
  release: struct({}),
  run: struct({ applied: ascendingPnns }),
  sync: struct({}),
});

/** Payload codec of each message, fields in wire order. */
export const MESSAGE_BODIES: { readonly [K in PeerMessageKind]: FieldCodec<Body<K>> } = {
  hello: struct({
    role: enumeration<PeerRole>(['initiator', 'responder', 'notifier']),
    pnn,
    clusterFingerprint: bytes(FINGERPRINT_BYTES),
    nonce: bytes(NONCE_BYTES),
    maxFrameBytes,
  }),
  proof: struct({ peerNonce: bytes(NONCE_BYTES) }),
  heartbeat: checked(struct({
    pnn,
    beat: u64,
    flags: selfFlags,
    banRemainingMs: optional(u32),
    monitor: enumeration<MonitorState>(['pending', 'healthy', 'unhealthy']),
    epoch: u64,
    leader: pnnOrNone,
    links: list(struct({ iface: interfaceName, state: linkState })),
    hosted: list(ipAddress, 4),
    partition: ascendingPnns,
    heard: heardPeers,
  }), (v) => {
    if (!v.partition.includes(v.pnn)) return `has partition [${v.partition.join(',')}] without the sender ${v.pnn}: a node is always in its own partition`;
    if (v.heard.some((entry) => entry.pnn === v.pnn)) return `has a heard entry for the sender ${v.pnn}: a node lists only how long ago it heard its peers`;
    if (v.banRemainingMs === undefined) return undefined;
    if ((v.flags & NodeFlag.BANNED) === 0) return 'has banRemainingMs without the BANNED flag';
    return v.banRemainingMs > 0 ? undefined : 'has banRemainingMs 0: a running ban has time left';
  }),
  leaving: struct({ pnn, reason: enumeration<LeavingReason>(['shutdown', 'restart']) }),
  fenced: struct({ pnn, cause: enumeration<FenceCause>(['pipe-closed', 'no-ticks']), removed: u32 }),
  'public-addresses': struct({ pnn, addresses: list(publicAddressLine, 4) }),
  ping: struct({ seq: u32, sentUs: u64 }),
  pong: struct({ seq: u32, sentUs: u64 }),
  release: struct({ epoch: u64, leader: pnn, addresses: list(ipAddress, 4) }),
  'release-ack': struct({
    epoch: u64,
    released: list(ipAddress, 4),
    failed: list(struct({ address: ipAddress, reason }), 4),
  }),
  take: struct({ epoch: u64, leader: pnn, takes: list(takeItem, 4) }),
  'take-ack': struct({
    epoch: u64,
    results: list(struct({
      address: ipAddress,
      status: enumeration<TakeResult['status']>(['taken', 'failed']),
      error: reason,
      timings: struct({ addressUs: u32, announceUs: u32, tickleUs: u32, eventUs: u32 }),
    }), 4),
  }),
  ipreallocated: struct({ epoch: u64, leader: pnn }),
  'ipreallocated-ack': struct({
    epoch: u64,
    status: enumeration<IpReallocatedAck['status']>(['ok', 'failed']),
    error: reason,
  }),
  'tickle-full': struct({ address: ipAddress, connections: list(connection, 4) }),
  'tickle-delta': struct({ address: ipAddress, added: list(connection, 4), removed: list(connection, 4) }),
  'admin-request': struct({ requestId: u32, request: adminRequest }),
  'admin-reply': struct({
    requestId: u32,
    status: enumeration<AdminReplyMessage['status']>(['ok', 'refused', 'failed']),
    message: text(4 * MAX_TEXT_BYTES),
  }),
  'reload-request': struct({ requestId: u32, reloadId: u32, step: reloadStep }),
  'reload-reply': struct({
    requestId: u32,
    status: enumeration<ReloadReplyMessage['status']>(['ok', 'refused', 'failed']),
    message: text(4 * MAX_TEXT_BYTES),
  }),
};
