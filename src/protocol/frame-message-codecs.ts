// The peer messages on the wire: each one's type code and payload codec, fields in wire order (docs/protocol.md has the tables).

import { isSelfReported, NodeFlag, SELF_REPORTED_FLAG_NAMES } from '../core/flags';
import {
  bool, bytes, enumeration, FieldCodec, interfaceName, ipAddress, linkState, pnn, pnnOrNone, text, u16, u32, u64, u8,
} from './frame-fields';
import { checked, list, optional, struct, tagged } from './frame-field-combinators';
import {
  AdminReplyMessage, AdminRequest, FenceCause, FINGERPRINT_BYTES, IpReallocatedAck, LeavingReason, MAX_TEXT_BYTES, MessageOf,
  MIN_MAX_FRAME_BYTES, MonitorState, NONCE_BYTES, PeerMessageKind, PeerRole, ReloadReplyMessage, ReloadStep, RunRecordMessage, TakeResult,
} from './frame-messages';

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
  features: 0x16,
  'heartbeat-brief': 0x17,
  release: 0x20,
  'release-ack': 0x21,
  take: 0x22,
  'take-ack': 0x23,
  ipreallocated: 0x24,
  'ipreallocated-ack': 0x25,
  'run-record': 0x26,
  'run-counted': 0x27,
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
const selfFlags = checked(u32, (v) => (isSelfReported(v) ? undefined
  : `0x${v.toString(16)} has bits other than ${SELF_REPORTED_FLAG_NAMES} (the flags a node reports about itself)`));
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

/** The lines of `nodes`: an address, or none for a `#` line. */
const nodesFileLines = list(struct({ address: optional(ipAddress) }));

const reloadStep = tagged<ReloadStep>('step', {
  hold: struct({ holdMs: checked(u32, (v) => (v === 0 ? 'is 0: a hold lasts at least 1 ms' : undefined)) }),
  apply: struct({}),
  release: struct({}),
  run: struct({ applied: ascendingPnns }),
  sync: struct({}),
  // Tags are the order of this table: new steps go at its end, so the older ones keep their bytes.
  'check-nodes': struct({ nodes: nodesFileLines }),
  'apply-nodes': struct({ nodes: nodesFileLines }),
});

/** A HEARTBEAT's fields in wire order; HEARTBEAT-BRIEF has the same without `hosted`. */
const HEARTBEAT_FIELDS = {
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
  voters: ascendingPnns,
};
const { hosted: _hosted, ...BRIEF_HEARTBEAT_FIELDS } = HEARTBEAT_FIELDS;

/** What both heartbeat kinds must satisfy beyond their fields' own checks. */
function heartbeatProblem(v: Omit<Body<'heartbeat'>, 'hosted'>): string | undefined {
  if (!v.partition.includes(v.pnn)) return `has partition [${v.partition.join(',')}] without the sender ${v.pnn}: a node is always in its own partition`;
  if (v.heard.some((entry) => entry.pnn === v.pnn)) return `has a heard entry for the sender ${v.pnn}: a node lists only how long ago it heard its peers`;
  if (v.banRemainingMs === undefined) return undefined;
  if ((v.flags & NodeFlag.BANNED) === 0) return 'has banRemainingMs without the BANNED flag';
  return v.banRemainingMs > 0 ? undefined : 'has banRemainingMs 0: a running ban has time left';
}

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
  features: struct({ bits: u32 }),
  heartbeat: checked(struct(HEARTBEAT_FIELDS), heartbeatProblem),
  'heartbeat-brief': checked(struct(BRIEF_HEARTBEAT_FIELDS), heartbeatProblem),
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
  'run-counted': struct({ epoch: u64, leader: pnn, counted: bool }),
  'run-record': struct({
    epoch: u64,
    leader: pnn,
    startedAtMs: u64,
    reason,
    status: enumeration<RunRecordMessage['status']>(['ok', 'failed', 'superseded']),
    error: reason,
    moves: u32,
    phasesUs: struct({ allocate: u64, release: u64, take: u64, ipreallocated: u64, total: u64 }),
    loopDelayP99Us: optional(u64),
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
