// One sample of every peer message kind (a new kind does not compile until it has one), plus variants worth a second look.

import { ip } from '../../../../src/core/ip';
import { NO_NODE, NodeFlag } from '../../../../src/core/flags';
import { MessageOf, PeerMessage, PeerMessageKind } from '../../../../src/protocol/frame-messages';

const v4 = ip('198.51.100.7');
const v6 = ip('2001:db8::7');
const client4 = ip('203.0.113.9');
const client6 = ip('2001:db8:1::9');

/** Every kind once; HELLO and PROOF are made by the conversation itself, with real nonces and keys. */
export const SESSION_SAMPLES: { readonly [K in Exclude<PeerMessageKind, 'hello' | 'proof'>]: MessageOf<K> } = {
  heartbeat: {
    kind: 'heartbeat', pnn: 2, beat: 5, flags: NodeFlag.BANNED | NodeFlag.UNHEALTHY, banRemainingMs: 30_000, monitor: 'healthy',
    epoch: 2 ** 32 + 1, leader: 0, links: [{ iface: 'eth0', state: 'up' }, { iface: 'bond0.12', state: 'down' }],
    hosted: [v4, v6], partition: [0, 2], heard: [{ pnn: 0, agoMs: 250 }], voters: [0, 2],
  },
  'heartbeat-brief': {
    kind: 'heartbeat-brief', pnn: 2, beat: 6, flags: 0, monitor: 'healthy', epoch: 2 ** 32 + 1, leader: 0,
    links: [{ iface: 'eth0', state: 'up' }], partition: [0, 2], heard: [{ pnn: 0, agoMs: 199 }], voters: [0, 2],
  },
  features: { kind: 'features', bits: 0x80000001 },
  leaving: { kind: 'leaving', pnn: 2, reason: 'restart' },
  'public-addresses': {
    kind: 'public-addresses', pnn: 2,
    addresses: [{ address: v4, bits: 24, interfaces: ['eth0', 'eth1'] }, { address: v6, bits: 64, interfaces: ['eth1'] }],
  },
  ping: { kind: 'ping', seq: 7, sentUs: 1_500_000 },
  pong: { kind: 'pong', seq: 0xffffffff, sentUs: Number.MAX_SAFE_INTEGER },
  fenced: { kind: 'fenced', pnn: 2, cause: 'no-ticks', removed: 333 },
  release: { kind: 'release', epoch: 9, leader: 1, addresses: [v4, v6] },
  'release-ack': { kind: 'release-ack', epoch: 9, released: [v6], failed: [{ address: v4, reason: 'netlink: Opération non permise ✗' }] },
  take: { kind: 'take', epoch: 10, leader: 1, takes: [{ address: v4, bits: 24, iface: 'eth0' }, { address: v6, bits: 128, iface: 'eth1' }] },
  'take-ack': {
    kind: 'take-ack', epoch: 10,
    results: [
      { address: v4, status: 'taken', error: '', timings: { addressUs: 120, announceUs: 45, tickleUs: 0, eventUs: 30_000 } },
      { address: v6, status: 'failed', error: 'no link on eth1', timings: { addressUs: 0, announceUs: 0, tickleUs: 0, eventUs: 0 } },
    ],
  },
  ipreallocated: { kind: 'ipreallocated', epoch: 10, leader: 1 },
  'ipreallocated-ack': { kind: 'ipreallocated-ack', epoch: 10, status: 'failed', error: 'event timed out' },
  'run-counted': { kind: 'run-counted', epoch: 10, leader: 1, counted: true },
  'run-record': {
    kind: 'run-record', epoch: 12, leader: 1, startedAtMs: 1_735_786_706_678, reason: 'node 2 flags changed', status: 'failed',
    error: 'node 2 did not release 198.51.100.7', moves: 3,
    phasesUs: { allocate: 412, release: 1_000_000, take: 5_300, ipreallocated: 2_000, total: 1_007_950 }, loopDelayP99Us: 1_200,
  },
  'tickle-full': {
    kind: 'tickle-full', address: v4,
    connections: [{ client: client4, clientPort: 50000, serverPort: 445 }, { client: client6, clientPort: 1, serverPort: 65535 }],
  },
  'tickle-delta': { kind: 'tickle-delta', address: v6, added: [{ client: client6, clientPort: 40000, serverPort: 2049 }], removed: [] },
  'admin-request': { kind: 'admin-request', requestId: 9, request: { action: 'ban', pnn: 1, seconds: 60 } },
  'admin-reply': { kind: 'admin-reply', requestId: 9, status: 'refused', message: 'node 1 is the leader' },
  'reload-request': { kind: 'reload-request', requestId: 21, reloadId: 4, step: { step: 'run', applied: [0, 2] } },
  'reload-reply': { kind: 'reload-reply', requestId: 21, status: 'failed', message: '/etc/floatip/public_addresses:3: bad prefix' },
};

/** Second looks: no ban and no leader, the other admin request shapes, empty lists. */
export const EXTRA_SAMPLES: readonly PeerMessage[] = [
  {
    kind: 'heartbeat', pnn: 2, beat: 0, flags: 0, monitor: 'pending', epoch: 0, leader: NO_NODE,
    links: [], hosted: [], partition: [2], heard: [], voters: [],
  },
  { kind: 'admin-request', requestId: 10, request: { action: 'moveip', address: v6, pnn: 0 } },
  { kind: 'admin-request', requestId: 11, request: { action: 'ipreallocate' } },
  { kind: 'admin-request', requestId: 13, request: { action: 'rebalance', nodes: [0, 2] } },
  { kind: 'admin-request', requestId: 12, request: { action: 'disable', pnn: 3 } },
  {
    kind: 'run-record', epoch: 13, leader: 0, startedAtMs: 1_735_786_707_001, reason: 'became leader', status: 'superseded', error: '', moves: 0,
    phasesUs: { allocate: 0, release: 0, take: 0, ipreallocated: 0, total: 17 },
  },
  { kind: 'reload-request', requestId: 22, reloadId: 4, step: { step: 'hold', holdMs: 40_000 } },
  { kind: 'reload-request', requestId: 23, reloadId: 4, step: { step: 'apply' } },
  { kind: 'reload-request', requestId: 24, reloadId: 4, step: { step: 'release' } },
  { kind: 'reload-request', requestId: 25, reloadId: 4, step: { step: 'sync' } },
  { kind: 'reload-request', requestId: 26, reloadId: 5, step: { step: 'check-nodes', nodes: [{ address: v4 }, {}, { address: v6 }] } },
  { kind: 'reload-request', requestId: 27, reloadId: 5, step: { step: 'apply-nodes', nodes: [{ address: v4 }, {}, { address: v6 }] } },
];
