// ClusterState and quiet heartbeats: a beat that changes nothing from a peer counted before and after it refreshes the view, and listeners hear such refreshes together.

import { Pnn } from '../../../../src/core/flags';
import { MembershipChange } from '../../../../src/core/membership';
import { ManualClock } from '../../../../src/adapters/memory/clock';
import { ClusterState, quietBeat } from '../../../../src/daemon/runtime/cluster-state';
import { addressRange, TestCluster, TIMING } from './harness/cluster';
import { play } from './harness/scenario';
import { recordingLogger } from './harness/recording-logger';

function setup(): { state: ClusterState; clock: ManualClock; heard: Array<readonly MembershipChange[]> } {
  const clock = new ManualClock();
  const state = new ClusterState(new TestCluster({ nodes: 3 }).initFor(0), clock.forOwner('n'), recordingLogger());
  const heard: Array<readonly MembershipChange[]> = [];
  state.onChange((changes) => heard.push(changes));
  return { state, clock, heard };
}

/** A beat from `pnn` that reports hearing us `agoMs` ago, or not at all (null). */
const beat = (pnn: Pnn, seq: number, agoMs: number | null = 0) => ({
  kind: 'heartbeat' as const, pnn, seq, flags: 0, epoch: 1, leader: 0, hosted: [], links: { eth0: 'up' as const },
  heard: agoMs === null ? [] : [{ pnn: 0, agoMs }], partition: [0, 1, 2],
});

/**
 * Both peers beat once (changes: they connect) and once more (each first beat after a change is
 * heard at once), and the listeners have heard it all. Later beats here start at seq 10.
 */
async function joined(): Promise<ReturnType<typeof setup>> {
  const s = setup();
  s.state.observe(beat(1, 1));
  s.state.observe(beat(2, 1));
  await s.clock.advance(10);
  s.state.observe(beat(1, 2));
  s.state.observe(beat(2, 2));
  await s.clock.advance(TIMING.heartbeatIntervalMs);
  s.heard.length = 0;
  return s;
}

test('a beat that changes nothing from a counted peer is applied to the view but not heard at once', async () => {
  const { state, clock, heard } = await joined();
  await clock.advance(10);
  state.observe(beat(1, 12));
  expect(state.view.nodes[1].lastSeq).toBe(12);
  expect(state.view.nodes[1].lastHeardAt).toBe(clock.now());
  expect(heard).toEqual([]);
  expect(state.quietBeats).toBe(1);
});

test('quiet beats are heard together, once, a heartbeat_interval after the first', async () => {
  const { state, clock, heard } = await joined();
  state.observe(beat(1, 12));
  await clock.advance(TIMING.heartbeatIntervalMs / 2);
  state.observe(beat(2, 12));
  state.observe(beat(1, 13));
  expect(heard).toEqual([]);
  await clock.advance(TIMING.heartbeatIntervalMs / 2);
  expect(heard).toEqual([[]]);
  // Nothing more is owed.
  await clock.advance(5 * TIMING.heartbeatIntervalMs);
  expect(heard).toEqual([[]]);
});

test('a notification for a change includes the quiet refreshes before it, and nothing more is owed for them', async () => {
  const { state, clock, heard } = await joined();
  state.observe(beat(1, 12));
  // Node 2 turns UNHEALTHY: a change, heard at once.
  state.observe({ ...beat(2, 12), flags: 2 });
  expect(heard).toHaveLength(1);
  expect(heard[0].map((c) => c.kind)).toContain('flags');
  await clock.advance(TIMING.heartbeatIntervalMs);
  expect(heard).toHaveLength(1);
});

test('a beat from a peer whose last word is older than fence_after is heard at once: it counts again for the fence', async () => {
  const { state, clock, heard } = await joined();
  // Keep node 2 fresh, let node 1 go stale for the fence (but not DISCONNECTED: dead_after is longer).
  for (let t = 0; t < TIMING.fenceAfterMs + 50; t += 50) {
    await clock.advance(50);
    state.observe(beat(2, 100 + t));
  }
  heard.length = 0;
  expect(state.fenceDecision().mayHold).toBe(true); // node 2 still makes a majority with us
  state.observe(beat(1, 12));
  expect(heard).toEqual([[]]);
});

test('a beat that no longer says it hears us is heard at once: the peer stops counting for the fence', async () => {
  const { state, heard } = await joined();
  state.observe(beat(1, 12, null));
  expect(heard).toEqual([[]]);
});

test('the rule, case by case', () => {
  const { state } = setup();
  state.observe(beat(1, 11));
  const before = state.view;
  const at = (view: typeof before, now: number) => ({ ...view, now });
  const counted = state.view;
  // Fresh before and after, no change: quiet.
  expect(quietBeat(before, at(counted, before.now + 10), [], 1, TIMING.fenceAfterMs)).toBe(true);
  // A change: never quiet.
  expect(quietBeat(before, counted, [{ kind: 'flags', pnn: 1 } as unknown as MembershipChange], 1, TIMING.fenceAfterMs)).toBe(false);
  // Stale before at the new reading: the beat makes it count again.
  expect(quietBeat(before, at(counted, before.now + TIMING.fenceAfterMs), [], 1, TIMING.fenceAfterMs)).toBe(false);
  // Never heard before (node 2): not quiet.
  expect(quietBeat(before, counted, [], 2, TIMING.fenceAfterMs)).toBe(false);
  // Our own node is never a quiet beat.
  expect(quietBeat(before, counted, [], 0, TIMING.fenceAfterMs)).toBe(false);
});

test('stop() ends the timer: no refresh is heard after it', async () => {
  const { state, clock, heard } = await joined();
  state.observe(beat(1, 12));
  state.stop();
  await clock.advance(TIMING.heartbeatIntervalMs * 2);
  expect(heard.filter((changes) => changes.length === 0)).toHaveLength(0);
});

test('after a change, the next beat of every peer is heard at once (the takeover gate waits for each peer heard since quorum came), then beats are quiet again', async () => {
  const { state, clock, heard } = await joined();
  await clock.advance(10);
  state.observe({ ...beat(2, 12), flags: 2 }); // a change
  heard.length = 0;
  await clock.advance(10);
  state.observe(beat(1, 12));
  expect(heard).toEqual([[]]);
  state.observe({ ...beat(2, 13), flags: 2 }); // no change: still UNHEALTHY, but its first beat since the change
  expect(heard).toHaveLength(2);
  await clock.advance(10);
  state.observe(beat(1, 13));
  expect(heard).toHaveLength(2);
});

test('hearNextBeats: the next beat of every peer is heard at once (the fence bar lifts on each peer heard after its order)', async () => {
  const { state, clock, heard } = await joined();
  await clock.advance(10);
  state.hearNextBeats();
  state.observe(beat(1, 12));
  expect(heard).toEqual([[]]);
  await clock.advance(10);
  state.observe(beat(1, 13));
  expect(heard).toEqual([[]]);
  state.observe(beat(2, 12));
  expect(heard).toEqual([[], []]);
});

test('in a settled cluster at rest, peers\' beats are quiet and listeners hear them about once per heartbeat_interval', async () => {
  const cluster = await TestCluster.start({ nodes: 3, addresses: addressRange(6) });
  await play(cluster, ['expect counts 2 2 2', 'advance 2000']);
  const node = cluster.node(0);
  let heard = 0;
  node.runtime.state.onChange(() => { heard++; });
  const quietBefore = node.runtime.stats().quietBeats;
  await cluster.clock.advance(10 * TIMING.heartbeatIntervalMs);
  // Two peers beat 10 times each: all quiet.
  expect(node.runtime.stats().quietBeats - quietBefore).toBeGreaterThanOrEqual(18);
  // 20 beats came; heard one by one they would be 20 hearings and the runtime's ticks on top.
  // Coalesced, at most one per interval plus the ticks (7 here).
  expect(heard).toBeLessThan(20);
  expect(heard).toBeGreaterThan(0);
});
