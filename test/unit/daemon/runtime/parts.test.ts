// The runtime's small pure parts: ban credits, run inputs, address-list changes, history, settings checks.

import { BanCredits } from '../../../../src/daemon/runtime/bans';
import { FailedTakes } from '../../../../src/daemon/runtime/failed-takes';
import { RunCulprits } from '../../../../src/daemon/runtime/run-culprits';
import { buildRunInputs, indexLists, ListIndexCache, runInputSteps } from '../../../../src/daemon/runtime/run-inputs';
import { applyAddressList } from '../../../../src/daemon/runtime/address-list';
import { RunHistory } from '../../../../src/daemon/runtime/history';
import { checkedInit } from '../../../../src/daemon/runtime/settings';
import { createView, updateAll } from '../../../../src/core/membership';
import { DEFAULT_TUNABLES } from '../../../../src/core/ipalloc';
import { ip } from '../../../../src/core/ip';
import { TakeoverRunRecord } from '../../../../src/protocol/control-results';
import { lines, TestCluster } from './harness/cluster';

describe('RunCulprits', () => {
  it('names the node with the most failed actions, the lowest number among those tied, and nobody when none failed', () => {
    const culprits = new RunCulprits();
    expect(culprits.culprit()).toBeUndefined();
    expect(culprits.failed(2, 'node 2 could not take 192.0.2.1')).toBe('node 2 could not take 192.0.2.1');
    culprits.failed(3, 'x');
    expect(culprits.culprit()).toEqual({ pnn: 2, actions: 1 });
    culprits.failed(3, 'y');
    expect(culprits.culprit()).toEqual({ pnn: 3, actions: 2 });
  });
});

describe('BanCredits', () => {
  const settings = { enabled: true, creditsThreshold: 3, periodMs: 300_000, gracePeriodMs: 1000 };

  it.each([
    // [failure times, expected outcome of the last one]
    [[0, 10, 20], { credits: 3, ban: true }],
    [[0, 10], { credits: 2, ban: false }],
    [[0, 999], { credits: 2, ban: false }], // 999 ms after the last: still in grace
    [[0, 10, 1010], { credits: 1, ban: false }], // a whole grace period after the last: forgotten
  ])('failures at %j -> %j', (times, expected) => {
    const credits = new BanCredits(settings);
    let outcome;
    for (const t of times) outcome = credits.charge(2, t);
    expect(outcome).toEqual({ pnn: 2, ...expected });
  });

  it('starts again from zero after a ban, and never bans when bans are off', () => {
    const credits = new BanCredits(settings);
    [0, 1, 2].forEach((t) => credits.charge(1, t));
    expect(credits.creditsOf(1, 3)).toBe(0);
    const off = new BanCredits({ ...settings, enabled: false });
    const outcomes = [0, 1, 2, 3].map((t) => off.charge(1, t));
    expect(outcomes.some((o) => o.ban)).toBe(false);
  });
});

describe('buildRunInputs', () => {
  it('takes the lowest claimant as holder and lists the others as duplicates; unknown lists mean not running', () => {
    let view = createView({ localPnn: 0, nodeCount: 3, deleted: [], deadAfterMs: 1000, now: 0 });
    const beat = (pnn: number, hosted: string[]) => ({
      kind: 'heartbeat' as const, pnn, at: 1, seq: 1, flags: 0, epoch: 1, leader: 0, hosted: hosted.map(ip), links: { eth0: 'up' as const }, heard: [],
    });
    view = updateAll(view, [
      { kind: 'health', pnn: 0, at: 1, healthy: true },
      { kind: 'hosting', pnn: 0, at: 1, addresses: [ip('192.0.2.1')] },
      beat(1, ['192.0.2.1', '192.0.2.2']),
      beat(2, []),
    ]).view;
    const list = lines(['192.0.2.1/24', '192.0.2.2/24']);
    const inputs = buildRunInputs(view, new Map([[0, list], [1, list]]), { algorithm: 'lcp2', tunables: DEFAULT_TUNABLES, members: [0, 1, 2] });
    expect([...inputs.current]).toEqual([['192.0.2.1', 0], ['192.0.2.2', 1]]);
    expect(inputs.duplicates).toEqual([{ pnn: 1, address: '192.0.2.1' }]);
    expect(inputs.alloc.nodes.map((n) => n.running)).toEqual([true, true, false]);
    expect(inputs.alloc.addresses.map((a) => a.known)).toEqual([[0, 1], [0, 1]]);
    expect(inputs.planNodes.map((n) => n.addresses.size)).toEqual([2, 2, 0]);
  });
});

describe('ListIndexCache', () => {
  const options = { algorithm: 'lcp2' as const, tunables: DEFAULT_TUNABLES, members: [0, 1] };
  const twoNodes = () => updateAll(createView({ localPnn: 0, nodeCount: 2, deleted: [], deadAfterMs: 1000, now: 0 }), [
    { kind: 'health', pnn: 0, at: 1, healthy: true },
    { kind: 'heartbeat', pnn: 1, at: 1, seq: 1, flags: 0, epoch: 1, leader: 0, hosted: [], links: { eth0: 'up' }, heard: [] },
  ]).view;

  it('keeps the index while every node\'s list is the same array, in a new map as each run\'s snapshot is', () => {
    const cache = new ListIndexCache();
    const list = lines(['192.0.2.1/24', '192.0.2.2/24']);
    const first = cache.indexOf(new Map([[0, list], [1, list]]));
    expect(cache.indexOf(new Map([[0, list], [1, list]]))).toBe(first);
  });

  it('drops it when a node\'s list changes live, and the run then plans from the new list', () => {
    const cache = new ListIndexCache();
    const list = lines(['192.0.2.1/24', '192.0.2.2/24']);
    const view = twoNodes();
    cache.indexOf(new Map([[0, list], [1, list]]));
    // Node 1 drops 192.0.2.2 and adds 2001:db8::9 (reloadips): a new array, same length.
    const reloaded = new Map([[0, list], [1, lines(['192.0.2.1/24', '2001:db8::9/64'])]]);
    const inputs = buildRunInputs(view, reloaded, options, cache.indexOf(reloaded));
    expect(inputs.alloc.addresses.map((a) => [a.address.address.text, a.known])).toEqual([
      ['192.0.2.1', [0, 1]], ['192.0.2.2', [0]], ['2001:db8::9', [1]],
    ]);
    expect(inputs.lines.get('2001:db8::9')?.address).toEqual(ip('2001:db8::9'));
    expect([...inputs.planNodes[1].addresses.keys()]).toEqual(['192.0.2.1', '2001:db8::9']);
    // A node whose list is gone (it left the cluster) is dropped too.
    const gone = new Map([[0, list]]);
    expect(buildRunInputs(view, gone, options, cache.indexOf(gone)).alloc.addresses.map((a) => a.known)).toEqual([[0], [0]]);
  });

  it('gives the same inputs a chunk at a time, yielding between chunks', () => {
    const view = twoNodes();
    const lists = new Map([[0, lines(['198.51.100.7/24', '192.0.2.1/24', '192.0.2.3/24'])], [1, lines(['192.0.2.1/24 eth1', '2001:db8::1/64'])]]);
    const withFailures = { ...options, avoid: (pnn: number, address: string) => pnn === 1 && address === '192.0.2.1', forceRebalance: [1] };
    const steps = runInputSteps(view, lists, withFailures, indexLists(lists), 2);
    let turns = 0;
    let step = steps.next();
    for (; !step.done; step = steps.next()) turns++;
    expect(turns).toBe(1); // 4 addresses, 2 per chunk
    expect(step.value).toEqual(buildRunInputs(view, lists, withFailures));
  });

  it('gives the same inputs as indexing the lists afresh', () => {
    const cache = new ListIndexCache();
    const view = twoNodes();
    const lists = new Map([[0, lines(['198.51.100.7/24', '192.0.2.1/24'])], [1, lines(['192.0.2.1/24 eth1', '2001:db8::1/64'])]]);
    cache.indexOf(lists);
    expect(buildRunInputs(view, lists, options, cache.indexOf(new Map(lists)))).toEqual(buildRunInputs(view, lists, options));
  });
});

describe('FailedTakes.avoidAt', () => {
  it('leaves out a node that failed lately while another may host; asks nothing once every failure is forgotten', () => {
    const failedTakes = new FailedTakes(1000);
    expect(failedTakes.avoidAt(0)).toBeUndefined();
    failedTakes.record(1, '192.0.2.1', 0);
    failedTakes.record(2, '192.0.2.2', 0);
    failedTakes.record(1, '192.0.2.2', 0);
    const avoid = failedTakes.avoidAt(999);
    expect(avoid?.(1, '192.0.2.1', [1, 2])).toBe(true);
    expect(avoid?.(2, '192.0.2.1', [1, 2])).toBe(false);
    expect(avoid?.(1, '192.0.2.1', [1])).toBe(false); // nobody else may host it
    expect(avoid?.(1, '192.0.2.2', [1, 2])).toBe(false); // every candidate failed: none is left out
    expect(failedTakes.avoidAt(1000)).toBeUndefined();
  });
});

describe('applyAddressList', () => {
  it('names added, removed and changed lines, and releases only held addresses that no longer fit', () => {
    const before = lines(['192.0.2.1/24', '192.0.2.2/24', '192.0.2.3/24']);
    const after = [...lines(['192.0.2.1/24', '192.0.2.4/24']), ...lines(['192.0.2.3/24'], ['eth1'])];
    const held = [
      { address: ip('192.0.2.1'), bits: 24, iface: 'eth0' },
      { address: ip('192.0.2.2'), bits: 24, iface: 'eth0' },
      { address: ip('192.0.2.3'), bits: 24, iface: 'eth0' },
    ];
    const change = applyAddressList(before, after, held);
    expect(change).toMatchObject({ added: ['192.0.2.4'], removed: ['192.0.2.2'], changed: ['192.0.2.3'] });
    expect(change.release.map((h) => h.address.text)).toEqual(['192.0.2.2', '192.0.2.3']);
  });
});

describe('RunHistory', () => {
  const record = (epoch: number, status: TakeoverRunRecord['status']): TakeoverRunRecord => ({
    epoch, leader: 0, startedAt: epoch, reason: 'test', status, error: '', moves: 0,
    phases: { allocate: 0, release: 0, take: 0, ipreallocated: 0, total: 0 }, loopDelayP99Ms: null,
  });

  it('keeps the newest runs first, up to its limit', () => {
    const history = new RunHistory(2);
    [1, 2, 3].forEach((e) => history.add(record(e, e === 3 ? 'superseded' : 'ok')));
    expect(history.list().map((r) => r.epoch)).toEqual([3, 2]);
    expect(history.list(1).map((r) => r.epoch)).toEqual([3]);
    expect(history.lastFinished()?.epoch).toBe(2);
  });
});

describe('checkedInit', () => {
  it('refuses timings where a minority could still hold what the majority takes', () => {
    const init = new TestCluster({ nodes: 1 }).initFor(0);
    expect(() => checkedInit({ ...init, fenceAfterMs: 1000, deadAfterMs: 1000 })).toThrow(/fence_after .* < dead_after/);
    expect(checkedInit(init)).toBe(init);
  });
});
