// ClusterState.heardAgo: mesh events handed over late (the fast path's queue after a main-loop stall) are observed when they happened, not when handled.

import { Pnn } from '../../../../src/core/flags';
import { ManualClock } from '../../../../src/adapters/memory/clock';
import { ClusterState } from '../../../../src/daemon/runtime/cluster-state';
import { TestCluster, TIMING } from './harness/cluster';
import { recordingLogger } from './harness/recording-logger';

function state(): { state: ClusterState; clock: ManualClock } {
  const clock = new ManualClock();
  return { state: new ClusterState(new TestCluster({ nodes: 3 }).initFor(0), clock.forOwner('n'), recordingLogger()), clock };
}

const heartbeatFrom = (pnn: Pnn, seq: number) => ({
  kind: 'heartbeat' as const, pnn, seq, flags: 0, epoch: 1, leader: 0, hosted: [], links: { eth0: 'up' as const }, heard: [{ pnn: 0, agoMs: 0 }],
});

const connected = (s: ClusterState): Pnn[] => s.view.nodes.filter((n) => !n.local && n.connected).map((n) => n.pnn);

test('after a stall longer than dead_after, the queued heartbeats of both peers keep both connected when handled with their age', async () => {
  const { state: s, clock } = state();
  s.observe(heartbeatFrom(1, 1));
  s.observe(heartbeatFrom(2, 1));
  // The main loop stands still for dead_after + 300 ms; both peers' heartbeats arrived 100 ms in and wait in the queue.
  await clock.advance(TIMING.deadAfterMs + 300);
  const age = TIMING.deadAfterMs + 200;
  s.heardAgo(age, () => s.observe(heartbeatFrom(1, 2)));
  expect(connected(s)).toEqual([1, 2]);
  s.heardAgo(age, () => s.observe(heartbeatFrom(2, 2)));
  expect(connected(s)).toEqual([1, 2]);
});

test('stamped when handled (no age), the first heartbeat handled makes the other peer look silent: the window heardAgo closes', async () => {
  const { state: s, clock } = state();
  s.observe(heartbeatFrom(1, 1));
  s.observe(heartbeatFrom(2, 1));
  await clock.advance(TIMING.deadAfterMs + 300);
  s.observe(heartbeatFrom(1, 2));
  expect(connected(s)).toEqual([1]);
});
