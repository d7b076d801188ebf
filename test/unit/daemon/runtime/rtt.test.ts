// Peers in status over the memory mesh (2 ms one way): PING/PONG timed per peer, unmatched PONGs ignored, no stale figure, PARTIALLYONLINE.

import { Pnn } from '../../../../src/core/flags';
import { PingMessage } from '../../../../src/protocol/frame-messages';
import { PING_EVERY_HEARTBEATS } from '../../../../src/daemon/runtime/rtt';
import { addressRange, TestCluster, TIMING } from './harness/cluster';

const ONE_WAY_MS = 2;
const PING_MS = TIMING.heartbeatIntervalMs * PING_EVERY_HEARTBEATS;

function start(): Promise<TestCluster> {
  return TestCluster.start({ nodes: 3, addresses: addressRange(3), networkDelayMs: ONE_WAY_MS });
}

function rtts(cluster: TestCluster, pnn: Pnn): Array<[Pnn, number | null | undefined]> {
  return cluster.node(pnn).runtime.api.status().nodes.map((n) => [n.pnn, n.rttMs]);
}

describe('heartbeat round trip', () => {
  it('times each peer with PING/PONG on the sender\'s clock and shows the latest in status, none for this node', async () => {
    const cluster = await start();
    expect(rtts(cluster, 0)).toEqual([[0, undefined], [1, 2 * ONE_WAY_MS], [2, 2 * ONE_WAY_MS]]);
    expect(rtts(cluster, 2)).toEqual([[0, 2 * ONE_WAY_MS], [1, 2 * ONE_WAY_MS], [2, undefined]]);

    const samples: Array<[Pnn, number]> = [];
    const stop = cluster.node(0).runtime.onRoundTrip((peer, ms) => samples.push([peer, ms]));
    const before = cluster.node(0).runtime.stats();
    await cluster.clock.advance(3 * PING_MS);
    stop();
    await cluster.clock.advance(PING_MS);
    // One PING per peer per period; the listener saw each answer once, until removed.
    expect(samples.sort((a, b) => a[0] - b[0])).toEqual([
      [1, 4], [1, 4], [1, 4], [2, 4], [2, 4], [2, 4],
    ]);
    const after = cluster.node(0).runtime.stats();
    expect(after.pingsSent - before.pingsSent).toBe(2 * 4);
    expect(after.roundTripSamples - before.roundTripSamples).toBe(2 * 4);
    expect(after.unmatchedPongs).toBe(0);
  });

  it('forgets a peer\'s figure when its connection drops, and measures again on the new one at once', async () => {
    const cluster = await start();
    await cluster.kill(2);
    await cluster.clock.advance(50);
    expect(rtts(cluster, 0)).toEqual([[0, undefined], [1, 4], [2, null]]);
    await cluster.restart(2);
    // The new session is pinged on connect: no wait for the next period.
    await cluster.clock.advance(20);
    expect(rtts(cluster, 0)).toEqual([[0, undefined], [1, 4], [2, 4]]);
  });

  it('shows no figure for a peer DISCONNECTED by silence, whose stream is still open (rtt:-, not the last value)', async () => {
    const cluster = await start();
    cluster.network.cut(0, 2);
    await cluster.clock.advance(TIMING.deadAfterMs + TIMING.heartbeatIntervalMs);
    const peer2 = cluster.node(0).runtime.api.status().nodes[2];
    expect(peer2.flags).toContain('DISCONNECTED');
    expect(peer2.rttMs).toBeNull();
    expect(rtts(cluster, 0)[1]).toEqual([1, 4]);
  });

  it('marks a node with no flag but a public interface without link PARTIALLYONLINE, on every node', async () => {
    const cluster = await start();
    cluster.node(1).netlink.setLinkState('eth1', 'down');
    await cluster.clock.advance(2 * TIMING.heartbeatIntervalMs);
    const partially = (pnn: Pnn): boolean[] => cluster.node(pnn).runtime.api.status().nodes.map((n) => n.partiallyOnline === true);
    expect(partially(0)).toEqual([false, true, false]);
    expect(partially(1)).toEqual([false, true, false]);
    cluster.node(1).netlink.setLinkState('eth1', 'up');
    await cluster.clock.advance(2 * TIMING.heartbeatIntervalMs);
    expect(partially(0)).toEqual([false, false, false]);
  });

  it('ignores a PONG that answers no outstanding PING of ours: wrong sentUs, a repeat, an unknown seq', async () => {
    const cluster = await start();
    const pings: PingMessage[] = [];
    // Node 1's PONGs to node 0 are lost; node 0's PINGs to node 1 are recorded.
    const undo = cluster.network.drop((from, to, message) => {
      if (from === 0 && to === 1 && message.kind === 'ping') pings.push(message);
      return from === 1 && to === 0 && message.kind === 'pong';
    });
    await cluster.clock.advance(PING_MS + 10);
    undo();
    expect(pings).toHaveLength(1);
    const node0 = cluster.node(0).runtime;
    const { seq, sentUs } = pings[0];
    // Still the figure from before the loss.
    expect(rtts(cluster, 0)[1]).toEqual([1, 4]);

    node0.receive(1, { kind: 'pong', seq, sentUs: sentUs + 1 });
    node0.receive(1, { kind: 'pong', seq: seq + 1000, sentUs });
    expect(node0.stats().unmatchedPongs).toBe(2);
    expect(rtts(cluster, 0)[1]).toEqual([1, 4]);

    // The late answer to the lost PONG's PING: timed from when that PING left, 10 ms ago.
    node0.receive(1, { kind: 'pong', seq, sentUs });
    expect(rtts(cluster, 0)[1]).toEqual([1, 10]);
    node0.receive(1, { kind: 'pong', seq, sentUs });
    expect(node0.stats().unmatchedPongs).toBe(3);
    expect(rtts(cluster, 0)[1]).toEqual([1, 10]);
  });

  it('answers a peer\'s PING with a PONG echoing it, and nothing to a PING from itself', async () => {
    const cluster = await start();
    const node1 = cluster.node(1).runtime;
    const unmatched = node1.stats().unmatchedPongs;
    const mesh0 = cluster.network.endpoint(0);
    const framesOut = mesh0?.stats().framesOut ?? 0;
    cluster.node(0).runtime.receive(0, { kind: 'ping', seq: 77, sentUs: 5 });
    expect(mesh0?.stats().framesOut).toBe(framesOut);
    // A PING node 1 never sent: node 0 answers, and node 1 ignores the PONG.
    cluster.node(0).runtime.receive(1, { kind: 'ping', seq: 77, sentUs: 5 });
    expect(mesh0?.stats().framesOut).toBe(framesOut + 1);
    await cluster.clock.advance(10);
    expect(node1.stats().unmatchedPongs).toBe(unmatched + 1);
    expect(rtts(cluster, 1)[0]).toEqual([0, 4]);
  });
});
