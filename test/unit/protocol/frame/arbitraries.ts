// fast-check generators of valid values for every peer message kind (one entry per kind, enforced by the type).

import fc from 'fast-check';
import { IpAddress, ipFromBytes } from '../../../../src/core/ip';
import { NO_NODE, NodeFlag, SELF_REPORTED_FLAGS } from '../../../../src/core/flags';
import {
  AdminRequest, MessageOf, PeerMessage, PeerMessageKind, ReloadStep, TcpConnection,
} from '../../../../src/protocol/frame-messages';

export const ipArb: fc.Arbitrary<IpAddress> = fc.oneof(
  fc.uint8Array({ minLength: 4, maxLength: 4 }),
  fc.uint8Array({ minLength: 16, maxLength: 16 }),
).map((bytes) => ipFromBytes(bytes));

export const pnnArb = fc.integer({ min: 0, max: 0xfffffffe });
export const smallPnnArb = fc.integer({ min: 0, max: 63 });
const counter = fc.maxSafeNat();
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const port = fc.integer({ min: 1, max: 0xffff });
// Bytes 0x21..0x7e except '/' and ':', as Linux allows in interface names.
export const ifaceArb = fc.stringMatching(/^[!-.0-9;-~]{1,15}$/).filter((s) => s !== '.' && s !== '..');
const textArb = fc.string({ unit: 'binary', maxLength: 60 });
const bytes = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });

const connectionArb: fc.Arbitrary<TcpConnection> = fc.record({ client: ipArb, clientPort: port, serverPort: port });

const selfFlagsArb = fc.integer({ min: 0, max: 0x3f }).map((bits) => bits & SELF_REPORTED_FLAGS);

const adminArb: fc.Arbitrary<AdminRequest> = fc.oneof(
  fc.record({ action: fc.constantFrom('disable', 'enable', 'stop', 'continue', 'unban' as const), pnn: pnnArb }),
  fc.record({ action: fc.constant('ban' as const), pnn: pnnArb, seconds: fc.integer({ min: 1, max: 0xffffffff }) }),
  fc.record({ action: fc.constant('moveip' as const), address: ipArb, pnn: pnnArb }),
  fc.constant({ action: 'ipreallocate' as const }),
  fc.record({ action: fc.constant('rebalance' as const), nodes: fc.uniqueArray(pnnArb, { minLength: 1, maxLength: 8 }).map((p) => [...p].sort((a, b) => a - b)) }),
);

const reloadStepArb: fc.Arbitrary<ReloadStep> = fc.oneof(
  fc.record({ step: fc.constant('hold' as const), holdMs: fc.integer({ min: 1, max: 0xffffffff }) }),
  fc.constant({ step: 'apply' as const }),
  fc.constant({ step: 'release' as const }),
  fc.record({ step: fc.constant('run' as const), applied: fc.uniqueArray(smallPnnArb, { maxLength: 8 }).map((p) => [...p].sort((a, b) => a - b)) }),
  fc.constant({ step: 'sync' as const }),
);

const HEARTBEAT_ARB: fc.Arbitrary<MessageOf<'heartbeat'>> = fc.record({
  kind: fc.constant('heartbeat' as const),
  pnn: pnnArb,
  beat: counter,
  flags: selfFlagsArb,
  monitor: fc.constantFrom('pending' as const, 'healthy' as const, 'unhealthy' as const),
  epoch: counter,
  leader: fc.oneof(fc.constant(NO_NODE), pnnArb),
  links: fc.array(fc.record({ iface: ifaceArb, state: fc.constantFrom('up' as const, 'down' as const) }), { maxLength: 6 }),
  hosted: fc.array(ipArb, { maxLength: 20 }),
  others: fc.uniqueArray(pnnArb, { maxLength: 8 }),
  heardAgo: fc.array(fc.record({ pnn: pnnArb, agoMs: fc.integer({ min: 0, max: 0xffffffff }) }), { maxLength: 8 }),
  voters: fc.uniqueArray(pnnArb, { maxLength: 8 }).map((pnns) => pnns.sort((a, b) => a - b)),
}).map(({ others, heardAgo, ...beat }) => ({
  ...beat,
  partition: [...new Set([beat.pnn, ...others])].sort((a, b) => a - b),
  // The wire allows one entry per peer, ascending, never the sender.
  heard: [...new Map(heardAgo.filter((entry) => entry.pnn !== beat.pnn).map((entry) => [entry.pnn, entry])).values()]
    .sort((a, b) => a.pnn - b.pnn),
}))
  .chain((beat) => ((beat.flags & NodeFlag.BANNED) === 0
    ? fc.constant(beat)
    : fc.option(fc.integer({ min: 1, max: 0xffffffff }), { nil: undefined })
      .map((banRemainingMs) => (banRemainingMs === undefined ? beat : { ...beat, banRemainingMs }))));

export const MESSAGE_ARBITRARIES: { readonly [K in PeerMessageKind]: fc.Arbitrary<MessageOf<K>> } = {
  hello: fc.record({
    kind: fc.constant('hello' as const),
    role: fc.constantFrom('initiator' as const, 'responder' as const, 'notifier' as const),
    pnn: pnnArb,
    clusterFingerprint: bytes(8),
    nonce: bytes(32),
    maxFrameBytes: fc.integer({ min: 4096, max: 0xffffffff }),
  }),
  proof: fc.record({ kind: fc.constant('proof' as const), peerNonce: bytes(32) }),
  heartbeat: HEARTBEAT_ARB,
  'heartbeat-brief': HEARTBEAT_ARB.map(({ hosted: _hosted, ...rest }) => ({ ...rest, kind: 'heartbeat-brief' as const })),
  features: fc.record({ kind: fc.constant('features' as const), bits: u32 }),
  leaving: fc.record({ kind: fc.constant('leaving' as const), pnn: pnnArb, reason: fc.constantFrom('shutdown' as const, 'restart' as const) }),
  fenced: fc.record({
    kind: fc.constant('fenced' as const), pnn: pnnArb, cause: fc.constantFrom('pipe-closed' as const, 'no-ticks' as const),
    removed: fc.integer({ min: 0, max: 0xffffffff }),
  }),
  'public-addresses': fc.record({
    kind: fc.constant('public-addresses' as const),
    pnn: pnnArb,
    addresses: fc.array(ipArb.chain((address) => fc.record({
      address: fc.constant(address),
      bits: fc.integer({ min: 0, max: address.family === 4 ? 32 : 128 }),
      interfaces: fc.array(ifaceArb, { minLength: 1, maxLength: 4 }),
    })), { maxLength: 10 }),
  }),
  ping: fc.record({ kind: fc.constant('ping' as const), seq: u32, sentUs: counter }),
  pong: fc.record({ kind: fc.constant('pong' as const), seq: u32, sentUs: counter }),
  release: fc.record({ kind: fc.constant('release' as const), epoch: counter, leader: pnnArb, addresses: fc.array(ipArb, { maxLength: 20 }) }),
  'release-ack': fc.record({
    kind: fc.constant('release-ack' as const),
    epoch: counter,
    released: fc.array(ipArb, { maxLength: 20 }),
    failed: fc.array(fc.record({ address: ipArb, reason: textArb }), { maxLength: 5 }),
  }),
  take: fc.record({
    kind: fc.constant('take' as const),
    epoch: counter,
    leader: pnnArb,
    takes: fc.array(ipArb.chain((address) => fc.record({
      address: fc.constant(address),
      bits: fc.integer({ min: 0, max: address.family === 4 ? 32 : 128 }),
      iface: ifaceArb,
    })), { maxLength: 10 }),
  }),
  'take-ack': fc.record({
    kind: fc.constant('take-ack' as const),
    epoch: counter,
    results: fc.array(fc.record({
      address: ipArb,
      status: fc.constantFrom('taken' as const, 'failed' as const),
      error: textArb,
      timings: fc.record({ addressUs: u32, announceUs: u32, tickleUs: u32, eventUs: u32 }),
    }), { maxLength: 10 }),
  }),
  ipreallocated: fc.record({ kind: fc.constant('ipreallocated' as const), epoch: counter, leader: pnnArb }),
  'ipreallocated-ack': fc.record({
    kind: fc.constant('ipreallocated-ack' as const),
    epoch: counter,
    status: fc.constantFrom('ok' as const, 'failed' as const),
    error: textArb,
  }),
  'run-counted': fc.record({ kind: fc.constant('run-counted' as const), epoch: counter, leader: pnnArb, counted: fc.boolean() }),
  'run-record': fc.record({
    kind: fc.constant('run-record' as const),
    epoch: counter,
    leader: pnnArb,
    startedAtMs: counter,
    reason: textArb,
    status: fc.constantFrom('ok' as const, 'failed' as const, 'superseded' as const),
    error: textArb,
    moves: u32,
    phasesUs: fc.record({ allocate: counter, release: counter, take: counter, ipreallocated: counter, total: counter }),
    loopDelayP99Us: counter,
  }, { requiredKeys: ['kind', 'epoch', 'leader', 'startedAtMs', 'reason', 'status', 'error', 'moves', 'phasesUs'] }),
  'tickle-full': fc.record({ kind: fc.constant('tickle-full' as const), address: ipArb, connections: fc.array(connectionArb, { maxLength: 30 }) }),
  'tickle-delta': fc.record({
    kind: fc.constant('tickle-delta' as const),
    address: ipArb,
    added: fc.array(connectionArb, { maxLength: 10 }),
    removed: fc.array(connectionArb, { maxLength: 10 }),
  }),
  'admin-request': fc.record({ kind: fc.constant('admin-request' as const), requestId: u32, request: adminArb }),
  'admin-reply': fc.record({
    kind: fc.constant('admin-reply' as const),
    requestId: u32,
    status: fc.constantFrom('ok' as const, 'refused' as const, 'failed' as const),
    message: textArb,
  }),
  'reload-request': fc.record({ kind: fc.constant('reload-request' as const), requestId: u32, reloadId: u32, step: reloadStepArb }),
  'reload-reply': fc.record({
    kind: fc.constant('reload-reply' as const),
    requestId: u32,
    status: fc.constantFrom('ok' as const, 'refused' as const, 'failed' as const),
    message: textArb,
  }),
};

export const anyMessageArb: fc.Arbitrary<PeerMessage> = fc.oneof(
  ...(Object.values(MESSAGE_ARBITRARIES) as Array<fc.Arbitrary<PeerMessage>>),
);
