// Address failover time: from the failed owner's stream close or last heartbeat to added and announced on the new owner, on the leader.

import { parseIp } from '../../../../src/core/ip';
import { FailoverTimer } from '../../../../src/daemon/runtime/failover-timer';
import { TakeAck, TakeResult } from '../../../../src/protocol/frame-messages';
import { addressRange, TestCluster, TIMING } from './harness/cluster';

function result(text: string, status: TakeResult['status'], tickleUs: number, eventUs: number): TakeResult {
  const parsed = parseIp(text);
  if (!parsed.ok) throw new Error(parsed.error);
  return { address: parsed.value, status, error: '', timings: { addressUs: 100, announceUs: 200, tickleUs, eventUs } };
}

function ack(...results: TakeResult[]): TakeAck {
  return { kind: 'take-ack', epoch: 3, results };
}

describe('FailoverTimer', () => {
  it('ends each failover when the new owner had announced: the ack\'s arrival minus its tickles and every takeip of the order', () => {
    const timer = new FailoverTimer();
    const samples: number[] = [];
    timer.subscribe((ms) => samples.push(ms));
    timer.ownerFailed(['203.0.113.1', '203.0.113.2'], 1000);
    timer.takeAcked(ack(
      result('203.0.113.1', 'taken', 2000, 3000), result('203.0.113.2', 'taken', 2000, 1000), result('203.0.113.9', 'taken', 2000, 0),
    ), 1500);
    // 1500 - (2 ms of tickles + 3 + 1 ms of takeip) = 1494: 494 ms after the failure for both; .9 was not lost.
    expect(samples).toEqual([494, 494]);
    expect(timer.pending).toBe(0);
  });

  it('a failed take ends nothing; the earliest basis of one failure stays; a forgotten address is no failover', () => {
    const timer = new FailoverTimer();
    const samples: number[] = [];
    timer.subscribe((ms) => samples.push(ms));
    timer.ownerFailed(['203.0.113.1', '203.0.113.2'], 1000);
    timer.ownerFailed(['203.0.113.1'], 1300);
    timer.takeAcked(ack(result('203.0.113.1', 'failed', 0, 0)), 1400);
    timer.forget(['203.0.113.2']);
    timer.takeAcked(ack(result('203.0.113.1', 'taken', 0, 0), result('203.0.113.2', 'taken', 0, 0)), 1600);
    expect(samples).toEqual([600]);
  });
});

describe('failover time in a cluster', () => {
  const SIX = { nodes: 3, addresses: addressRange(6) };

  function record(cluster: TestCluster): number[][] {
    const samples: number[][] = [[], [], []];
    for (const pnn of [0, 1, 2]) cluster.node(pnn).runtime.onFailover((ms) => samples[pnn].push(ms));
    return samples;
  }

  it('a crash: from the stream close, observed once per moved address, by the leader only', async () => {
    const cluster = await TestCluster.start({ ...SIX, init: { crashGraceMs: 40 } });
    const samples = record(cluster);
    await cluster.kill(1);
    await cluster.clock.advance(200);
    expect(samples[0]).toHaveLength(2);
    expect(samples[2]).toEqual([]);
    // The crash grace (40 ms) and the run on the manual clock: no more than a few ms of it.
    for (const ms of samples[0]) expect(ms).toBeGreaterThanOrEqual(40);
    for (const ms of samples[0]) expect(ms).toBeLessThan(100);
  });

  it('silence: from the last heartbeat, so dead_after is part of it', async () => {
    const cluster = await TestCluster.start(SIX);
    const samples = record(cluster);
    cluster.network.partition([[0, 2], [1]]);
    await cluster.clock.advance(TIMING.deadAfterMs + 1000);
    expect(samples[0]).toHaveLength(2);
    for (const ms of samples[0]) expect(ms).toBeGreaterThanOrEqual(TIMING.deadAfterMs - TIMING.heartbeatIntervalMs);
    for (const ms of samples[0]) expect(ms).toBeLessThan(TIMING.deadAfterMs + TIMING.fenceAfterMs + 200);
  });

  it('no failover when a node stops on purpose (it leaves and releases first)', async () => {
    const cluster = await TestCluster.start(SIX);
    const samples = record(cluster);
    await cluster.node(1).runtime.stop();
    await cluster.clock.advance(500);
    expect(samples.flat()).toEqual([]);
  });
});
