// The cluster-wide run history: its order and bound, its peer message, and a cluster that keeps it through a leader change and a restart.

import { addressRange, TestCluster } from './harness/cluster';
import { play } from './harness/scenario';
import { RunHistory, runRecordMessage, runRecordOf } from '../../../../src/daemon/runtime/history';
import { TakeoverRunRecord } from '../../../../src/protocol/control-results';
import { decodeBody, encodeBody } from '../../../../src/protocol/frame';
import { MAX_TEXT_BYTES } from '../../../../src/protocol/frame-messages';

function run(epoch: number, leader: number, extra: Partial<TakeoverRunRecord> = {}): TakeoverRunRecord {
  return {
    epoch, leader, startedAt: 1_000 + epoch, reason: 'became leader', status: 'ok', error: '', moves: 1,
    phases: { allocate: 0.125, release: 1, take: 2.5, ipreallocated: 3, total: 6.625 }, loopDelayP99Ms: null, ...extra,
  };
}

const epochs = (history: RunHistory): string => history.list().map((r) => `${r.epoch}@${r.leader}`).join(' ');

describe('RunHistory', () => {
  it.each<[string, Array<[number, number]>, number, string]>([
    // [case, runs added as [epoch, leader] in arrival order, limit, kept newest first]
    ['the leader\'s own runs, newest first', [[1, 0], [2, 0], [3, 0]], 10, '3@0 2@0 1@0'],
    ['runs of two leaders, heard out of order, by epoch', [[5, 1], [2, 0], [4, 1], [3, 0]], 10, '5@1 4@1 3@0 2@0'],
    ['a run heard twice is kept once', [[2, 0], [3, 1], [2, 0]], 10, '3@1 2@0'],
    ['bounded: the oldest fall out', [[1, 0], [2, 0], [3, 0], [4, 1]], 3, '4@1 3@0 2@0'],
    ['bounded: a run older than all it keeps is not taken in', [[3, 0], [4, 0], [1, 0]], 2, '4@0 3@0'],
  ])('%s', (_case, added, limit, kept) => {
    const history = new RunHistory(limit);
    for (const [epoch, leader] of added) history.add(run(epoch, leader));
    expect(epochs(history)).toBe(kept);
  });

  it('says whether a run was new', () => {
    const history = new RunHistory(5);
    expect(history.add(run(1, 0))).toBe(true);
    expect(history.add(run(1, 0))).toBe(false);
  });
});

describe('the RUN-RECORD message', () => {
  it('carries a run unchanged through its wire bytes (ms to three decimals)', () => {
    for (const record of [run(7, 2, { status: 'failed', error: 'node 1 did not release 192.0.2.1', loopDelayP99Ms: 1.234 }), run(8, 0)]) {
      const message = runRecordMessage(record);
      expect(runRecordOf(decodeBody('run-record', encodeBody(message)))).toEqual(record);
    }
  });

  it('cuts a reason or error longer than the protocol allows at a whole character, and says so', () => {
    const long = `${'é'.repeat(MAX_TEXT_BYTES)}`;
    const message = runRecordMessage(run(1, 0, { status: 'failed', error: long, reason: long }));
    expect(new TextEncoder().encode(message.error).length).toBeLessThanOrEqual(MAX_TEXT_BYTES);
    expect(message.error.endsWith('é...')).toBe(true);
    expect(() => encodeBody(message)).not.toThrow();
  });
});

describe('floatip history on every node', () => {
  const SIX = { nodes: 3, addresses: addressRange(6) };
  const leaders = (cluster: TestCluster, pnn: number): number[] => [...new Set(cluster.node(pnn).runtime.api.history(undefined).map((r) => r.leader))].sort();

  it('shows the runs of every leader on every node, and keeps them through a leader change and a restart', async () => {
    const cluster = await TestCluster.start(SIX);
    const formed = cluster.node(0).runtime.api.history(undefined);
    expect(formed.length).toBeGreaterThan(0);
    expect(formed.every((r) => r.leader === 0)).toBe(true);
    // Every node holds what node 0 led, though it led none of it.
    for (const pnn of [1, 2]) expect(cluster.node(pnn).runtime.api.history(undefined)).toEqual(formed);

    await play(cluster, ['kill 0', 'advance 50', 'expect leader 1', 'expect counts 0 3 3']);
    const afterChange = cluster.node(1).runtime.api.history(undefined);
    expect(afterChange[0]).toMatchObject({ leader: 1, status: 'ok', moves: 2 });
    // The new leader goes on from what it had: the runs of node 0 are still there, below its own.
    expect(afterChange.slice(-formed.length)).toEqual(formed);
    expect(afterChange.map((r) => r.epoch)).toEqual([...afterChange.map((r) => r.epoch)].sort((a, b) => b - a));
    expect(cluster.node(2).runtime.api.history(undefined)).toEqual(afterChange);

    // Node 0 comes back with nothing, learns every run from its peers, and leads again.
    await play(cluster, ['restart 0', 'advance 1000', 'expect leader 0', 'expect exclusive']);
    const everywhere = cluster.node(0).runtime.api.history(undefined);
    expect(everywhere.slice(-afterChange.length)).toEqual(afterChange);
    expect(everywhere[0].leader).toBe(0);
    for (const pnn of [0, 1, 2]) expect(leaders(cluster, pnn)).toEqual([0, 1]);
    for (const pnn of [1, 2]) expect(cluster.node(pnn).runtime.api.history(undefined)).toEqual(everywhere);
  });
});
