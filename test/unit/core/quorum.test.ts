// Quorum, leader and fence tables: 1..5 node clusters, deleted nodes, partitions, with and without the cluster lock.

import { NO_NODE, Pnn } from '../../../src/core/flags';
import { ip } from '../../../src/core/ip';
import { createView, MembershipView, Observation, updateAll } from '../../../src/core/membership';
import { disagreeingMembers, evaluateQuorum, fence, partitionAgreed, partitionMembers, QuorumRule } from '../../../src/core/quorum';

const DEAD_AFTER = 1000;
const FENCE_AFTER = 700;
const MAJORITY: QuorumRule = { mode: 'majority' };
const lockHeldBy = (holder: Pnn): QuorumRule => ({ mode: 'lock', holder });

/**
 * One token per node, as seen from the local node: `L` the local node (healthy),
 * `L:ban` / `L:stop` / `L:unh` a local node with that state, `ok` a connected
 * peer, `unh` `dis` `ban` `stop` a connected peer reporting that flag,
 * `dc` a disconnected peer, `del` a deleted node; for the fence, `deaf` a peer we
 * hear that last heard us FENCE_AFTER ago, `lag` one that heard us FENCE_AFTER - 1 ago,
 * `new` one that has not said it hears us. Built through `update`, the same way the
 * daemon builds it, with every peer heard at t=100 and now = 100; `ok` peers heard us at 100.
 */
function viewOf(row: string, hosted: string[] = []): MembershipView {
  const tokens = row.split(/\s+/);
  const localPnn = tokens.findIndex((t) => t.startsWith('L'));
  const deleted = tokens.flatMap((t, pnn) => (t === 'del' ? [pnn] : []));
  const observations: Observation[] = [{ kind: 'health', pnn: localPnn, at: 100, healthy: tokens[localPnn] !== 'L:unh' }];
  if (tokens[localPnn] === 'L:ban') observations.push({ kind: 'admin', pnn: localPnn, at: 100, action: 'ban', until: 60_000 });
  if (tokens[localPnn] === 'L:stop') observations.push({ kind: 'admin', pnn: localPnn, at: 100, action: 'stop' });
  if (hosted.length > 0) observations.push({ kind: 'hosting', pnn: localPnn, at: 100, addresses: hosted.map(ip) });
  const peerFlags: Record<string, number> = { ok: 0, unh: 0x02, dis: 0x04, ban: 0x08, stop: 0x20, deaf: 0, lag: 0, new: 0 };
  const heardUsAgo: Record<string, number | undefined> = { deaf: FENCE_AFTER, lag: FENCE_AFTER - 1, new: undefined };
  tokens.forEach((token, pnn) => {
    if (pnn === localPnn || token === 'dc' || token === 'del') return;
    if (!(token in peerFlags)) throw new Error(`unknown token ${token} in '${row}'`);
    const agoMs = token in heardUsAgo ? heardUsAgo[token] : 0;
    const heard = agoMs === undefined ? [] : [{ pnn: localPnn, agoMs }];
    observations.push({ kind: 'heartbeat', pnn, at: 100, seq: 1, flags: peerFlags[token], epoch: 0, leader: NO_NODE, hosted: [], links: {}, heard });
  });
  const view = createView({ localPnn, nodeCount: tokens.length, deleted, deadAfterMs: DEAD_AFTER, now: 0 });
  return updateAll(view, observations).view;
}

describe('evaluateQuorum', () => {
  it.each<[string, string, QuorumRule, { quorate: boolean; members: Pnn[]; leader: Pnn; candidate: Pnn; majority: number }]>([
    // Cluster sizes 1..5, everyone connected.
    ['1 node', 'L', MAJORITY, { quorate: true, members: [0], leader: 0, candidate: 0, majority: 1 }],
    ['2 nodes', 'L ok', MAJORITY, { quorate: true, members: [0, 1], leader: 0, candidate: 0, majority: 2 }],
    ['3 nodes, local is node 2', 'ok ok L', MAJORITY, { quorate: true, members: [0, 1, 2], leader: 0, candidate: 0, majority: 2 }],
    ['4 nodes', 'ok L ok ok', MAJORITY, { quorate: true, members: [0, 1, 2, 3], leader: 0, candidate: 0, majority: 3 }],
    ['5 nodes', 'ok ok ok ok L', MAJORITY, { quorate: true, members: [0, 1, 2, 3, 4], leader: 0, candidate: 0, majority: 3 }],
    // Two-node cluster without a lock: majority of 2 is 2, so one death loses quorum on both sides.
    ['2 nodes, peer dead, no lock', 'L dc', MAJORITY, { quorate: false, members: [0], leader: NO_NODE, candidate: 0, majority: 2 }],
    ['2 nodes, peer dead, we hold the lock', 'L dc', lockHeldBy(0), { quorate: true, members: [0], leader: 0, candidate: 0, majority: 2 }],
    ['2 nodes, peer dead, it holds the lock', 'L dc', lockHeldBy(1), { quorate: false, members: [0], leader: NO_NODE, candidate: 0, majority: 2 }],
    // Partitions 2|1 seen from each side.
    ['3 nodes 2|1, majority side', 'L ok dc', MAJORITY, { quorate: true, members: [0, 1], leader: 0, candidate: 0, majority: 2 }],
    ['3 nodes 2|1, minority side', 'dc dc L', MAJORITY, { quorate: false, members: [2], leader: NO_NODE, candidate: 2, majority: 2 }],
    // 2|2: no majority on either side.
    ['4 nodes 2|2, side of 0', 'L ok dc dc', MAJORITY, { quorate: false, members: [0, 1], leader: NO_NODE, candidate: 0, majority: 3 }],
    ['4 nodes 2|2, side of 3', 'dc dc ok L', MAJORITY, { quorate: false, members: [2, 3], leader: NO_NODE, candidate: 2, majority: 3 }],
    ['4 nodes 2|2, lock on the side of 3', 'dc dc L ok', lockHeldBy(3), { quorate: true, members: [2, 3], leader: 3, candidate: 2, majority: 3 }],
    ['5 nodes 3|2, majority side', 'dc L dc ok ok', MAJORITY, { quorate: true, members: [1, 3, 4], leader: 1, candidate: 1, majority: 3 }],
    ['5 nodes 3|2, minority side', 'L dc ok dc dc', MAJORITY, { quorate: false, members: [0, 2], leader: NO_NODE, candidate: 0, majority: 3 }],
    // Deleted nodes are in neither numerator nor denominator.
    ['4 lines, 1 deleted: 2 of 3 is a majority', 'L ok dc del', MAJORITY, { quorate: true, members: [0, 1], leader: 0, candidate: 0, majority: 2 }],
    ['5 lines, 2 deleted: 2 of 3', 'del L del dc ok', MAJORITY, { quorate: true, members: [1, 4], leader: 1, candidate: 1, majority: 2 }],
    ['5 lines, 2 deleted: 1 of 3', 'del L del dc dc', MAJORITY, { quorate: false, members: [1], leader: NO_NODE, candidate: 1, majority: 2 }],
    ['3 lines, 2 deleted: a one-node cluster', 'L del del', MAJORITY, { quorate: true, members: [0], leader: 0, candidate: 0, majority: 1 }],
    // With a lock configured, only the holder's side is quorate, even against a majority.
    ['3 nodes 2|1, lock on the minority: majority side', 'L ok dc', lockHeldBy(2), { quorate: false, members: [0, 1], leader: NO_NODE, candidate: 0, majority: 2 }],
    ['3 nodes 2|1, lock on the minority: minority side', 'dc dc L', lockHeldBy(2), { quorate: true, members: [2], leader: 2, candidate: 2, majority: 2 }],
    ['3 nodes all connected, lock on node 2: node 2 leads', 'L ok ok', lockHeldBy(2), { quorate: true, members: [0, 1, 2], leader: 2, candidate: 0, majority: 2 }],
    ['lock configured, nobody holds it', 'L ok ok', lockHeldBy(NO_NODE), { quorate: false, members: [0, 1, 2], leader: NO_NODE, candidate: 0, majority: 2 }],
    // Flags: UNHEALTHY/DISABLED are active (may lead); BANNED/STOPPED count for quorum but never lead.
    ['unhealthy node 0 still leads', 'unh L ok', MAJORITY, { quorate: true, members: [0, 1, 2], leader: 0, candidate: 0, majority: 2 }],
    ['disabled node 0 still leads', 'dis L dc', MAJORITY, { quorate: true, members: [0, 1], leader: 0, candidate: 0, majority: 2 }],
    ['banned node 0 counts for quorum, node 1 leads', 'ban L dc', MAJORITY, { quorate: true, members: [0, 1], leader: 1, candidate: 1, majority: 2 }],
    ['stopped node 0 counts for quorum, node 2 leads', 'stop dc L', MAJORITY, { quorate: true, members: [0, 2], leader: 2, candidate: 2, majority: 2 }],
    ['every member inactive: quorate, no leader', 'L:ban stop dc', MAJORITY, { quorate: true, members: [0, 1], leader: NO_NODE, candidate: NO_NODE, majority: 2 }],
    ['banned lock holder keeps its side quorate but cannot lead', 'ban L dc', lockHeldBy(0), { quorate: true, members: [0, 1], leader: NO_NODE, candidate: 1, majority: 2 }],
  ])('%s: %s', (_name, row, rule, expected) => {
    const state = evaluateQuorum(viewOf(row), rule);
    expect({ quorate: state.quorate, members: state.members, leader: state.leader, candidate: state.candidate, majority: state.majority })
      .toEqual(expected);
    expect(state.configured).toBe(row.split(/\s+/).filter((t) => t !== 'del').length);
  });

  it('never lets both sides of a split be quorate (majority: 1..5 nodes, every 2-way split)', () => {
    for (let size = 1; size <= 5; size++) {
      for (let mask = 0; mask < 1 << size; mask++) {
        const sideOf = (pnn: number): boolean => (mask & (1 << pnn)) !== 0;
        const quorateSides = [true, false].filter((side) => {
          const members = [...Array(size).keys()].filter((p) => sideOf(p) === side);
          if (members.length === 0) return false;
          const row = [...Array(size).keys()].map((p) => (p === members[0] ? 'L' : sideOf(p) === side ? 'ok' : 'dc')).join(' ');
          return evaluateQuorum(viewOf(row), MAJORITY).quorate;
        });
        expect({ size, mask, quorateSides: quorateSides.length <= 1 }).toEqual({ size, mask, quorateSides: true });
      }
    }
  });
});

describe('partitionMembers', () => {
  it('with heardWithinMs, leaves out peers not heard from recently', () => {
    const view = updateAll(viewOf('L ok ok'), [
      { kind: 'heartbeat', pnn: 2, at: 500, seq: 2, flags: 0, epoch: 0, leader: NO_NODE, hosted: [], links: {}, heard: [] },
      { kind: 'tick', at: 800 },
    ]).view;
    expect(partitionMembers(view)).toEqual([0, 1, 2]);
    expect(partitionMembers(view, { heardWithinMs: FENCE_AFTER })).toEqual([0, 2]); // node 1: 700 ms of silence
    expect(partitionMembers(view, { heardWithinMs: 701 })).toEqual([0, 1, 2]);
  });
});

/**
 * One token per node, as seen from the local node `L`: `0,1,2` a connected peer whose
 * last heartbeat reported that partition, `?` a connected peer that has not reported
 * one, `dc` a disconnected peer, `del` a deleted node. Every peer heard at t=100.
 */
function reportingView(row: string): MembershipView {
  const tokens = row.split(/\s+/);
  const localPnn = tokens.indexOf('L');
  const deleted = tokens.flatMap((t, pnn) => (t === 'del' ? [pnn] : []));
  const observations: Observation[] = [];
  tokens.forEach((token, pnn) => {
    if (pnn === localPnn || token === 'dc' || token === 'del') return;
    const partition = token === '?' ? {} : { partition: token.split(',').map(Number) };
    observations.push({ kind: 'heartbeat', pnn, at: 100, seq: 1, flags: 0, epoch: 0, leader: NO_NODE, hosted: [], links: {}, heard: [], ...partition });
  });
  return updateAll(createView({ localPnn, nodeCount: tokens.length, deleted, deadAfterMs: DEAD_AFTER, now: 0 }), observations).view;
}

describe('partitionAgreed', () => {
  it.each<[string, string, boolean, Pnn[]]>([
    ['everyone connected, everyone reports all', 'L 0,1,2 0,1,2', true, []],
    ['a lone node agrees with itself', 'L dc dc', true, []],
    ['a deleted node is nobody\'s member', 'L 0,1 del', true, []],
    ['the reported list is a set: a report in any order counts', 'L 0,1,2 2,1,0', true, []],
    // Node 1 restarted; node 0 is still in reconnect backoff towards it, node 1 reached node 2.
    ['restart race, seen from node 0 (quorate via {0,2})', 'L dc 0,1,2', false, [2]],
    ['restart race, seen from node 1 (quorate via {1,2})', 'dc L 0,1,2', false, [2]],
    ['restart race, seen from node 2', '0,2 1,2 L', false, [0, 1]],
    ['a one-way cut: node 1 no longer hears node 0, node 0 still hears node 1', 'L 1,2 0,1,2', false, [1]],
    ['a peer that has not reported a partition yet', 'L ? 0,1,2', false, [1]],
    ['a peer whose report is from before the third node joined', 'L 0,1 0,1,2', false, [1]],
    ['5 nodes, one member sees a node we do not', 'L 0,1,2,3,4 0,1,2,3 0,1,2,3 dc', false, [1]],
  ])('%s: %s', (_name, row, agreed, disagreeing) => {
    const view = reportingView(row);
    expect({ agreed: partitionAgreed(view), disagreeing: disagreeingMembers(view) }).toEqual({ agreed, disagreeing });
  });

  it('a real 2|1 split: the majority side agrees once node 1 reports that node 2 is gone', () => {
    // Heartbeats at t=100 from everyone, then the network cuts node 2 off; node 0 looks.
    let view = reportingView('L 0,1,2 0,1,2');
    expect(partitionAgreed(view)).toBe(true);
    view = updateAll(view, [
      { kind: 'heartbeat', pnn: 1, at: 900, seq: 2, flags: 0, epoch: 0, leader: NO_NODE, hosted: [], links: {}, heard: [], partition: [0, 1, 2] },
      { kind: 'tick', at: 100 + DEAD_AFTER },
    ]).view;
    // Node 0 declared node 2 dead; node 1's report, sent before it did the same, still names it.
    expect(partitionMembers(view)).toEqual([0, 1]);
    expect(partitionAgreed(view)).toBe(false);
    view = updateAll(view, [
      { kind: 'heartbeat', pnn: 1, at: 100 + DEAD_AFTER, seq: 3, flags: 0, epoch: 0, leader: NO_NODE, hosted: [], links: {}, heard: [], partition: [0, 1] },
    ]).view;
    expect(partitionAgreed(view)).toBe(true);
  });

  it('a crash seen through a closed stream: agreed once the other survivor reports it too', () => {
    let view = reportingView('L 0,1,2 0,1,2');
    view = updateAll(view, [{ kind: 'stream-closed', pnn: 2, at: 150 }]).view;
    expect(partitionAgreed(view)).toBe(false);
    view = updateAll(view, [
      { kind: 'heartbeat', pnn: 1, at: 151, seq: 2, flags: 0, epoch: 0, leader: NO_NODE, hosted: [], links: {}, heard: [], partition: [0, 1] },
    ]).view;
    expect(partitionAgreed(view)).toBe(true);
  });
});

describe('fence', () => {
  const hosted = ['192.0.2.10', '192.0.2.11'];

  it.each<[string, string, QuorumRule, { mayHold: boolean; reason: string; release: string[] }]>([
    ['quorate: keep everything', 'L ok dc', MAJORITY, { mayHold: true, reason: 'quorate', release: [] }],
    ['minority: release everything', 'dc dc L', MAJORITY, { mayHold: false, reason: 'no-quorum', release: hosted }],
    ['2|2: both sides release', 'L ok dc dc', MAJORITY, { mayHold: false, reason: 'no-quorum', release: hosted }],
    ['lone node of 2 holding the lock keeps its addresses', 'dc L', lockHeldBy(1), { mayHold: true, reason: 'quorate', release: [] }],
    ['majority side without the lock releases', 'L ok dc', lockHeldBy(2), { mayHold: false, reason: 'no-quorum', release: hosted }],
    ['banned local node releases even when quorate', 'L:ban ok ok', MAJORITY, { mayHold: false, reason: 'banned', release: hosted }],
    ['stopped local node releases even when quorate', 'L:stop ok ok', MAJORITY, { mayHold: false, reason: 'stopped', release: hosted }],
    ['unhealthy local node keeps its addresses until the leader moves them', 'L:unh ok ok', MAJORITY, { mayHold: true, reason: 'quorate', release: [] }],
    // Hearing a peer is not enough: it must hear us, or it declares us dead and takes over.
    ['peers heard by us recently but not hearing us do not count', 'L deaf deaf', MAJORITY, { mayHold: false, reason: 'no-quorum', release: hosted }],
    ['peers that never said they hear us do not count', 'L new new', MAJORITY, { mayHold: false, reason: 'no-quorum', release: hosted }],
    ['one peer hearing us is enough for 2 of 3', 'L ok deaf', MAJORITY, { mayHold: true, reason: 'quorate', release: [] }],
    ['a peer that heard us just within fence_after counts', 'L lag dc', MAJORITY, { mayHold: true, reason: 'quorate', release: [] }],
    ['a lock holder that does not hear us does not make us quorate', 'L deaf', lockHeldBy(1), { mayHold: false, reason: 'no-quorum', release: hosted }],
  ])('%s', (_name, row, rule, expected) => {
    expect(fence(viewOf(row, hosted), rule, FENCE_AFTER)).toEqual(expected);
  });

  it('a minority that hears nothing releases at fence_after, before the majority declares it dead at dead_after', () => {
    // 3 nodes; the network cuts node 2 off right after everyone's heartbeat at t=100.
    const minority = (now: number): MembershipView =>
      updateAll(viewOf('ok ok L', ['192.0.2.12']), [{ kind: 'tick', at: now }]).view;
    const majority = (now: number): MembershipView => updateAll(viewOf('L ok ok'), [
      { kind: 'heartbeat', pnn: 1, at: now, seq: 2, flags: 0, epoch: 0, leader: 0, hosted: [], links: {}, heard: [{ pnn: 0, agoMs: 0 }] },
      { kind: 'tick', at: now },
    ]).view;

    expect(fence(minority(100 + FENCE_AFTER - 1), MAJORITY, FENCE_AFTER).mayHold).toBe(true);
    const fenced = fence(minority(100 + FENCE_AFTER), MAJORITY, FENCE_AFTER);
    expect(fenced).toEqual({ mayHold: false, reason: 'no-quorum', release: ['192.0.2.12'] });

    // At that moment the majority still counts node 2 as a member: it cannot have taken 192.0.2.12 yet.
    expect(evaluateQuorum(majority(100 + FENCE_AFTER), MAJORITY).members).toEqual([0, 1, 2]);
    expect(evaluateQuorum(majority(100 + DEAD_AFTER - 1), MAJORITY).members).toEqual([0, 1, 2]);
    expect(evaluateQuorum(majority(100 + DEAD_AFTER), MAJORITY).members).toEqual([0, 1]);
  });

  it('after a link flap: we hear our peers again at once, they still do not hear us; we release at fence_after after they last did', () => {
    // Node 0 was last heard by its peers at t=100; their heartbeats reach it at once, each saying so.
    const flapped = (now: number): MembershipView => updateAll(viewOf('L ok ok', hosted), [1, 2].map((pnn): Observation => (
      { kind: 'heartbeat', pnn, at: now, seq: 2, flags: 0, epoch: 0, leader: 0, hosted: [], links: {}, heard: [{ pnn: 0, agoMs: now - 100 }] }
    ))).view;
    expect(partitionMembers(flapped(100 + FENCE_AFTER), { heardWithinMs: FENCE_AFTER })).toEqual([0, 1, 2]);
    expect(fence(flapped(100 + FENCE_AFTER - 1), MAJORITY, FENCE_AFTER).mayHold).toBe(true);
    expect(fence(flapped(100 + FENCE_AFTER), MAJORITY, FENCE_AFTER)).toEqual({ mayHold: false, reason: 'no-quorum', release: hosted });
    // Leader choice and partition membership do not look at it.
    expect(evaluateQuorum(flapped(100 + FENCE_AFTER), MAJORITY)).toMatchObject({ quorate: true, leader: 0, members: [0, 1, 2] });
  });

  it('with a lock, a holder not heard within fence_after no longer makes us quorate', () => {
    const stale = updateAll(viewOf('L ok', hosted), [{ kind: 'tick', at: 100 + FENCE_AFTER }]).view;
    expect(fence(viewOf('L ok', hosted), lockHeldBy(1), FENCE_AFTER).mayHold).toBe(true);
    expect(fence(stale, lockHeldBy(1), FENCE_AFTER)).toEqual({ mayHold: false, reason: 'no-quorum', release: hosted });
  });
});
