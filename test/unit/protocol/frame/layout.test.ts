// Byte-exact layouts of docs/protocol.md, field checks that name the field, and the heartbeat -> membership edge.

import { ip } from '../../../../src/core/ip';
import { createView, update } from '../../../../src/core/membership';
import { NO_NODE, NodeFlag } from '../../../../src/core/flags';
import {
  constantTimeEqual, decodeBody, encodeBody, encodeFrame, FRAME_MAGIC, HEADER_BYTES, MAC_BYTES,
} from '../../../../src/protocol/frame';
import { FrameBuildError, PayloadFieldError } from '../../../../src/protocol/frame-errors';
import { heartbeatObservation } from '../../../../src/protocol/frame-heartbeat';
import { HeartbeatMessage, MessageOf, PeerMessageKind } from '../../../../src/protocol/frame-messages';
import { clusterFingerprint } from '../../../../src/protocol/frame-session';
import { CLUSTER_KEY, hmacSha256, OTHER_KEY } from './helpers';

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex').replace(/(.{2})(?!$)/g, '$1 ');

const heartbeat: HeartbeatMessage = {
  kind: 'heartbeat', pnn: 2, beat: 5, flags: NodeFlag.BANNED, banRemainingMs: 30000, monitor: 'healthy',
  epoch: 0x100000001, leader: 0, links: [{ iface: 'eth0', state: 'up' }], hosted: [ip('198.51.100.7'), ip('2001:db8::7')],
  partition: [0, 2], heard: [{ pnn: 0, agoMs: 250 }], voters: [0, 2],
};

function rejects<K extends PeerMessageKind>(kind: K, body: Uint8Array): PayloadFieldError {
  try {
    decodeBody(kind, body);
  } catch (err) {
    if (err instanceof PayloadFieldError) return err;
    throw err;
  }
  throw new Error(`${kind} accepted ${hex(body)}`);
}

describe('wire layout (docs/protocol.md)', () => {
  it('writes the frame header: length, magic, version, type, 64-bit sequence', () => {
    const frame = encodeFrame({ kind: 'leaving', pnn: 3, reason: 'restart' }, 0x0102030405, CLUSTER_KEY, hmacSha256, 4096);
    expect(hex(frame.subarray(0, HEADER_BYTES))).toBe('00 00 00 35 46 50 01 11 00 00 00 01 02 03 04 05');
    expect(frame.length).toBe(HEADER_BYTES + 5 + MAC_BYTES);
    expect(FRAME_MAGIC).toBe(0x4650);
    expect(hex(frame.subarray(HEADER_BYTES, HEADER_BYTES + 5))).toBe('00 00 00 03 01');
    expect(Buffer.from(frame.subarray(-MAC_BYTES)).equals(hmacSha256(CLUSTER_KEY, frame.subarray(0, -MAC_BYTES)))).toBe(true);
  });

  it('writes a heartbeat field by field', () => {
    expect(hex(encodeBody(heartbeat))).toBe([
      '00 00 00 02', // pnn
      '00 00 00 00 00 00 00 05', // beat
      '00 00 00 08', // flags: BANNED
      '01 00 00 75 30', // banRemainingMs present, 30000
      '01', // monitor: healthy
      '00 00 00 01 00 00 00 01', // epoch 2^32 + 1
      '00 00 00 00', // leader 0
      '00 01 04 65 74 68 30 01', // links: 1, "eth0" up
      '00 00 00 02 04 c6 33 64 07 06 20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 07', // hosted: 2 addresses
      '00 02 00 00 00 00 00 00 00 02', // partition: 2 nodes, 0 and 2
      '00 01 00 00 00 00 00 00 00 fa', // heard: 1 peer, node 0 heard 250 ms ago
      '00 02 00 00 00 00 00 00 00 02', // voters: nodes 0 and 2
    ].join(' '));
  });

  it('writes "no leader" as 0xffffffff and reads it back as NO_NODE', () => {
    const body = encodeBody({ ...heartbeat, leader: NO_NODE });
    expect(hex(body.subarray(30, 34))).toBe('ff ff ff ff');
    expect(decodeBody('heartbeat', body).leader).toBe(NO_NODE);
  });

  it('writes an admin request as its action tag followed by that action\'s fields', () => {
    expect(hex(encodeBody({ kind: 'admin-request', requestId: 9, request: { action: 'ban', pnn: 1, seconds: 60 } })))
      .toBe('00 00 00 09 05 00 00 00 01 00 00 00 3c');
    expect(hex(encodeBody({ kind: 'admin-request', requestId: 9, request: { action: 'ipreallocate' } }))).toBe('00 00 00 09 07');
    expect(hex(encodeBody({ kind: 'admin-request', requestId: 9, request: { action: 'rebalance', nodes: [0, 2] } })))
      .toBe('00 00 00 09 08 00 02 00 00 00 00 00 00 00 02');
  });

  it('refuses a rebalance request whose nodes are empty or not ascending', () => {
    for (const nodes of [[], [2, 0], [1, 1]]) {
      expect(() => encodeBody({ kind: 'admin-request', requestId: 9, request: { action: 'rebalance', nodes } })).toThrow(/request\.nodes/);
    }
  });

  it('writes a reload request as requestId, reloadId, then its step tag and that step\'s fields', () => {
    expect(hex(encodeBody({ kind: 'reload-request', requestId: 9, reloadId: 2, step: { step: 'hold', holdMs: 30_000 } })))
      .toBe('00 00 00 09 00 00 00 02 00 00 00 75 30');
    expect(hex(encodeBody({ kind: 'reload-request', requestId: 9, reloadId: 2, step: { step: 'apply' } }))).toBe('00 00 00 09 00 00 00 02 01');
    expect(hex(encodeBody({ kind: 'reload-request', requestId: 9, reloadId: 2, step: { step: 'release' } }))).toBe('00 00 00 09 00 00 00 02 02');
    expect(hex(encodeBody({ kind: 'reload-request', requestId: 9, reloadId: 2, step: { step: 'run', applied: [0, 2] } })))
      .toBe('00 00 00 09 00 00 00 02 03 00 02 00 00 00 00 00 00 00 02');
    expect(hex(encodeBody({ kind: 'reload-request', requestId: 9, reloadId: 2, step: { step: 'sync' } }))).toBe('00 00 00 09 00 00 00 02 04');
    // reloadnodes' steps: a u16 count of lines, each a presence byte (0 = a `#` line) then the address.
    expect(hex(encodeBody({ kind: 'reload-request', requestId: 9, reloadId: 2, step: { step: 'check-nodes', nodes: [{ address: ip('192.0.2.1') }, {}] } })))
      .toBe('00 00 00 09 00 00 00 02 05 00 02 01 04 c0 00 02 01 00');
    expect(hex(encodeBody({ kind: 'reload-request', requestId: 9, reloadId: 2, step: { step: 'apply-nodes', nodes: [] } }))).toBe('00 00 00 09 00 00 00 02 06 00 00');
    expect(hex(encodeBody({ kind: 'reload-reply', requestId: 9, status: 'failed', message: 'ab' }))).toBe('00 00 00 09 02 00 02 61 62');
    expect(encodeFrame({ kind: 'reload-request', requestId: 1, reloadId: 1, step: { step: 'apply' } }, 0, CLUSTER_KEY, hmacSha256, 4096)[7]).toBe(0x42);
    expect(encodeFrame({ kind: 'reload-reply', requestId: 1, status: 'ok', message: '' }, 0, CLUSTER_KEY, hmacSha256, 4096)[7]).toBe(0x43);
  });

  it('writes RUN-RECORD as epoch, leader, start, reason, status, error, moves, five phases in µs, then the optional loop p99, type 0x26', () => {
    const record = {
      kind: 'run-record', epoch: 12, leader: 0, startedAtMs: 1_735_787_106_678, reason: 'ab', status: 'ok', error: '', moves: 3,
      phasesUs: { allocate: 420, release: 12_060, take: 5310, ipreallocated: 2000, total: 20_040 }, loopDelayP99Us: 1230,
    } as const;
    expect(hex(encodeBody(record))).toBe([
      '00 00 00 00 00 00 00 0c', '00 00 00 00', '00 00 01 94 24 f9 51 76', '00 02 61 62', '00', '00 00', '00 00 00 03',
      '00 00 00 00 00 00 01 a4', '00 00 00 00 00 00 2f 1c', '00 00 00 00 00 00 14 be', '00 00 00 00 00 00 07 d0', '00 00 00 00 00 00 4e 48',
      '01 00 00 00 00 00 00 04 ce',
    ].join(' '));
    expect(encodeFrame(record, 0, CLUSTER_KEY, hmacSha256, 4096)[7]).toBe(0x26);
  });

  it('writes RUN-COUNTED as epoch u64, leader, then counted as one byte 0 or 1, type 0x27', () => {
    expect(hex(encodeBody({ kind: 'run-counted', epoch: 12, leader: 2, counted: true }))).toBe('00 00 00 00 00 00 00 0c 00 00 00 02 01');
    expect(hex(encodeBody({ kind: 'run-counted', epoch: 12, leader: 2, counted: false }))).toBe('00 00 00 00 00 00 00 0c 00 00 00 02 00');
    expect(encodeFrame({ kind: 'run-counted', epoch: 1, leader: 0, counted: false }, 0, CLUSTER_KEY, hmacSha256, 4096)[7]).toBe(0x27);
  });

  it('writes PING and PONG as seq u32 then sentUs u64, with their own type codes', () => {
    expect(hex(encodeBody({ kind: 'ping', seq: 7, sentUs: 1_500_000 }))).toBe('00 00 00 07 00 00 00 00 00 16 e3 60');
    expect(hex(encodeBody({ kind: 'pong', seq: 7, sentUs: 1_500_000 }))).toBe('00 00 00 07 00 00 00 00 00 16 e3 60');
    expect(encodeFrame({ kind: 'ping', seq: 1, sentUs: 0 }, 0, CLUSTER_KEY, hmacSha256, 4096)[7]).toBe(0x13);
    expect(encodeFrame({ kind: 'pong', seq: 1, sentUs: 0 }, 0, CLUSTER_KEY, hmacSha256, 4096)[7]).toBe(0x14);
  });

  it('writes FENCED as pnn u32, cause u8 (0 pipe-closed, 1 no-ticks), removed u32, type 0x15', () => {
    expect(hex(encodeBody({ kind: 'fenced', pnn: 1, cause: 'no-ticks', removed: 333 }))).toBe('00 00 00 01 01 00 00 01 4d');
    expect(encodeFrame({ kind: 'fenced', pnn: 1, cause: 'pipe-closed', removed: 0 }, 0, CLUSTER_KEY, hmacSha256, 4096)[7]).toBe(0x15);
  });
});

describe('payload checks name the field at fault', () => {
  const body = encodeBody(heartbeat);

  it.each<[string, (b: Uint8Array) => void, string, RegExp]>([
    ['a flag nobody may report about itself', (b) => { b[15] = NodeFlag.DISCONNECTED; }, 'heartbeat.flags', /other than UNHEALTHY/],
    ['an unknown monitor state', (b) => { b[21] = 7; }, 'heartbeat.monitor', /known values are 0\.\.2/],
    ['an interface name with a slash', (b) => { b[37] = 0x2f; }, 'heartbeat.links[0].iface', /not an interface name/],
    ['an address family 5', (b) => { b[46] = 5; }, 'heartbeat.hosted[0]', /family 5/],
    ['a presence byte of 2', (b) => { b[16] = 2; }, 'heartbeat.banRemainingMs', /not 0 or 1/],
    ['a partition listing a node twice', (b) => { b[77] = 0; }, 'heartbeat.partition', /\[0,0\] is not strictly ascending/],
    ['a partition out of order', (b) => { b.set([0, 0, 0, 2, 0, 0, 0, 0], 70); }, 'heartbeat.partition', /\[2,0\] is not strictly ascending/],
    ['a partition without its sender', (b) => { b[77] = 1; }, 'heartbeat', /partition \[0,1\] without the sender 2/],
    ['a heard entry for the sender itself', (b) => { b[83] = 2; }, 'heartbeat', /a heard entry for the sender 2/],
  ])('%s', (_name, mutate, field, message) => {
    const copy = body.slice();
    mutate(copy);
    const error = rejects('heartbeat', copy);
    expect(error.field).toBe(field);
    expect(error.message).toMatch(message);
  });

  it('a heard list out of order or naming a peer twice', () => {
    const two = encodeBody({ ...heartbeat, heard: [{ pnn: 0, agoMs: 250 }, { pnn: 1, agoMs: 3 }] });
    two[91] = 0; // the second entry's pnn (bytes 88..91) becomes 0 again
    const error = rejects('heartbeat', two);
    expect(error.field).toBe('heartbeat.heard');
    expect(error.message).toMatch(/pnns \[0,0\] are not strictly ascending/);
  });

  it('a list count larger than the bytes left, before allocating anything', () => {
    const copy = body.slice();
    copy.set([0xff, 0xff, 0xff, 0xff], 42);
    expect(rejects('heartbeat', copy).message).toMatch(/claims 4294967295 items, but only 52 bytes remain/);
  });

  it('bytes after the last field', () => {
    expect(rejects('heartbeat', Uint8Array.from([...body, 0])).message).toMatch(/1 byte\(s\) after its last field/);
  });

  it('a ban time without the BANNED flag', () => {
    const copy = body.slice();
    copy[15] = NodeFlag.DISABLED;
    expect(rejects('heartbeat', copy).message).toMatch(/banRemainingMs without the BANNED flag/);
  });

  it('a counter above 2^53-1', () => {
    const copy = body.slice();
    copy.set([0x00, 0x20, 0, 0, 0, 0, 0, 0], 4);
    expect(rejects('heartbeat', copy).field).toBe('heartbeat.beat');
  });

  it('a prefix length too long for the family', () => {
    const take: MessageOf<'take'> = { kind: 'take', epoch: 1, leader: 0, takes: [{ address: ip('192.0.2.1'), bits: 24, iface: 'eth0' }] };
    const copy = encodeBody(take);
    copy[8 + 4 + 4 + 5] = 33;
    expect(rejects('take', copy).message).toMatch(/bits 33 is more than 32 for 192\.0\.2\.1/);
    expect(() => encodeBody({ ...take, takes: [{ ...take.takes[0], bits: 33 }] })).toThrow(FrameBuildError);
  });

  it('a reload hold of 0 ms, a run naming its applied nodes out of order, an unknown step', () => {
    const hold = encodeBody({ kind: 'reload-request', requestId: 1, reloadId: 1, step: { step: 'hold', holdMs: 5 } });
    hold.set([0, 0, 0, 0], 9);
    expect(rejects('reload-request', hold).message).toMatch(/is 0: a hold lasts at least 1 ms/);
    const run = encodeBody({ kind: 'reload-request', requestId: 1, reloadId: 1, step: { step: 'run', applied: [0, 2] } });
    run.set([0, 0, 0, 3], 11);
    expect(rejects('reload-request', run).message).toMatch(/\[3,2\] is not strictly ascending/);
    const step = encodeBody({ kind: 'reload-request', requestId: 1, reloadId: 1, step: { step: 'sync' } });
    step[8] = 7;
    expect(rejects('reload-request', step).field).toBe('reload-request.step.step');
  });

  it('text that is not UTF-8', () => {
    const reply = encodeBody({ kind: 'admin-reply', requestId: 1, status: 'ok', message: 'ab' });
    reply[reply.length - 1] = 0xff;
    expect(rejects('admin-reply', reply).field).toBe('admin-reply.message');
  });
});

describe('encoding refuses values out of range, naming the field', () => {
  it.each<[string, MessageOf<'heartbeat'>, string]>([
    ['a negative node number', { ...heartbeat, pnn: -2, partition: [-2, 0] }, 'heartbeat.pnn'],
    ['a fractional epoch', { ...heartbeat, epoch: 1.5 }, 'heartbeat.epoch'],
    ['an interface name too long', { ...heartbeat, links: [{ iface: 'a-very-long-name0', state: 'up' }] }, 'heartbeat.links[0].iface'],
  ])('%s', (_name, message, field) => {
    expect(() => encodeBody(message)).toThrow(expect.objectContaining({ code: 'E_BAD_MESSAGE', field }));
  });
});

describe('MAC helpers', () => {
  it('compares equal and unequal MACs, including different lengths', () => {
    const a = hmacSha256(CLUSTER_KEY, new Uint8Array(3));
    expect(constantTimeEqual(a, Uint8Array.from(a))).toBe(true);
    const b = Uint8Array.from(a);
    b[31] ^= 0x80;
    expect(constantTimeEqual(a, b)).toBe(false);
    expect(constantTimeEqual(a, a.subarray(1))).toBe(false);
  });

  it('gives the same fingerprint for the same key and another for another key', () => {
    expect(clusterFingerprint(hmacSha256, CLUSTER_KEY)).toEqual(clusterFingerprint(hmacSha256, Uint8Array.from(CLUSTER_KEY)));
    expect(clusterFingerprint(hmacSha256, CLUSTER_KEY)).not.toEqual(clusterFingerprint(hmacSha256, OTHER_KEY));
    expect(clusterFingerprint(hmacSha256, CLUSTER_KEY)).toHaveLength(8);
  });

  it('refuses an injected MAC function of the wrong size', () => {
    const short = () => new Uint8Array(20);
    expect(() => encodeFrame(heartbeat, 0, CLUSTER_KEY, short, 4096)).toThrow(/returned 20 bytes, not 32/);
  });
});

describe('heartbeatObservation', () => {
  it('gives the membership view an observation it accepts', () => {
    const view = createView({ localPnn: 0, nodeCount: 3, deleted: [], deadAfterMs: 1000, now: 0 });
    const beat = { ...heartbeat, epoch: 4 };
    const observation = heartbeatObservation(beat, 1000);
    expect(observation).toEqual({
      kind: 'heartbeat', pnn: 2, at: 1000, seq: 5, flags: NodeFlag.BANNED, banRemainingMs: 30000, epoch: 4, leader: 0,
      hosted: [ip('198.51.100.7'), ip('2001:db8::7')], links: { eth0: 'up' }, partition: [0, 2],
      heard: [{ pnn: 0, agoMs: 250 }],
    });
    const { view: after } = update(view, observation);
    expect(after.nodes[2]).toMatchObject({
      connected: true, banned: true, bannedUntil: 31000, hosted: ['198.51.100.7', '2001:db8::7'], reportedPartition: [0, 2],
      heardUsAt: 750, // node 2 last heard us (node 0) 250 ms before its beat arrived at 1000
    });
  });

  it('refuses the same flag bits as the membership view: one rule of what a node reports about itself', () => {
    const view = createView({ localPnn: 0, nodeCount: 3, deleted: [], deadAfterMs: 1000, now: 0 });
    for (let bit = 0; bit < 8; bit++) {
      const beat = { ...heartbeat, flags: 1 << bit, banRemainingMs: undefined };
      const bytes = encodeBody({ ...beat, flags: 0 });
      bytes[15] = 1 << bit; // the low byte of the u32 flags
      const wire = (): unknown => decodeBody('heartbeat', bytes);
      const membership = (): unknown => update(view, heartbeatObservation(beat, 1000));
      const refusedOnWire = (() => { try { wire(); return false; } catch { return true; } })();
      const refusedByView = (() => { try { membership(); return false; } catch { return true; } })();
      expect({ bit, refusedOnWire }).toEqual({ bit, refusedOnWire: refusedByView });
    }
    expect(() => encodeBody({ ...heartbeat, flags: NodeFlag.DELETED, banRemainingMs: undefined })).toThrow(/other than UNHEALTHY, DISABLED, STOPPED and BANNED/);
  });

  it('leaves banRemainingMs out when the heartbeat has none', () => {
    expect(heartbeatObservation({ ...heartbeat, flags: 0, banRemainingMs: undefined }, 0)).not.toHaveProperty('banRemainingMs');
  });
});
