// Takeover run phases alone, over in-memory ports on a manual clock: who gets which order, what counts as released or placed, who is charged.

import { NO_NODE, NodeFlag, Pnn } from '../../../../src/core/flags';
import { createView, updateAll } from '../../../../src/core/membership';
import { ReleaseAction, TakeAction } from '../../../../src/core/plan';
import { allocate, AllocState, DEFAULT_TUNABLES, sameAllocState } from '../../../../src/core/ipalloc';
import { PhaseAck, RunDeadline } from '../../../../src/daemon/runtime/acks';
import { Allocator, inlineAllocator } from '../../../../src/daemon/runtime/allocator';
import { FailedTakes } from '../../../../src/daemon/runtime/failed-takes';
import { SessionMessageOf } from '../../../../src/daemon/runtime/messages';
import { buildRunInputs, ListIndexCache } from '../../../../src/daemon/runtime/run-inputs';
import {
  allocateAhead, PhaseContext, releasePhase, RunAborted, RunPorts, RunSnapshot, takePhase, TakeoverRun,
} from '../../../../src/daemon/runtime/takeover-run';
import { lines } from './harness/cluster';
import { ManualClock } from '../../../../src/adapters/memory/clock';
import { recordingLogger } from './harness/recording-logger';

type Order = SessionMessageOf<'release' | 'take' | 'ipreallocated' | 'run-counted'>;
/** How a node answers an order: an ack (sent 1 ms later), or never. RUN-COUNTED is not answered: it is not asked. */
type Answer = (order: Exclude<Order, { kind: 'run-counted' }>) => PhaseAck | 'silent';

const EPOCH = 7;
const DEADLINE_MS = 3000;
const TIMINGS = { addressUs: 0, announceUs: 0, tickleUs: 0, eventUs: 0 };

/** A phase context over fake nodes: `answers` per connected node; any other node is not connected. */
function phaseOver(answers: Record<Pnn, Answer>, options: { undeliverable?: Pnn[]; snapshot?: () => RunSnapshot } = {}) {
  const clock = new ManualClock();
  const own = clock.forOwner('leader');
  const sent: Array<{ to: Pnn; order: Order }> = [];
  const charged: Array<{ pnn: Pnn; message: string }> = [];
  const failedTakes = new FailedTakes(120_000);
  let standing: ReturnType<RunPorts['standing']> = 'leading';
  const notUsed = (): never => { throw new Error('not used by the phase under test'); };
  const ports: RunPorts = {
    init: { localPnn: 0, takeoverDeadlineMs: DEADLINE_MS, algorithm: 'lcp2', tunables: DEFAULT_TUNABLES },
    clock: own, log: recordingLogger(), allocator: inlineAllocator(), loopDelay: { start: () => ({ stop: () => null }) }, failedTakes,
    snapshot: options.snapshot ?? notUsed, adoptEpoch: () => undefined, newerRequest: () => undefined, confirmed: () => undefined,
    takePins: () => new Map(), rebalanceTargets: () => [], listIndex: new ListIndexCache(),
    connected: (pnn) => answers[pnn] !== undefined,
    send: (to, order) => {
      if (options.undeliverable?.includes(to)) return false;
      sent.push({ to, order });
      if (order.kind === 'run-counted') return true;
      const ack = answers[to](order);
      if (ack !== 'silent') own.schedule(1, () => { ctx.deadline.offer(to, ack); });
      return true;
    },
    charge: (pnn, message) => {
      charged.push({ pnn, message });
      return message;
    },
    standing: () => standing,
  };
  // A whole run is a PhaseContext too; phases alone get a bare one.
  let ctx: PhaseContext = { ports, epoch: EPOCH, deadline: new RunDeadline(own, DEADLINE_MS) };
  ctx.deadline.start();
  const wholeRun = (confirmSince?: number): TakeoverRun => {
    const run = new TakeoverRun(ports, { reason: 'test', epoch: EPOCH, confirmSince });
    ctx = run;
    return run;
  };
  return { clock, ctx, sent, charged, failedTakes, wholeRun, replaceLeader: () => { standing = 'replaced'; } };
}

const release = (pnn: Pnn, address: string): ReleaseAction => ({ kind: 'release', pnn, address, bits: 24, iface: 'eth0' });
const take = (pnn: Pnn, address: string): TakeAction => ({ kind: 'take', pnn, address, bits: 24, iface: 'eth0' });

/** Releases every address asked, except `failing` (with a reason). */
const releasing = (...failing: string[]): Answer => (order) => {
  if (order.kind !== 'release') throw new Error(`unexpected ${order.kind}`);
  return {
    kind: 'release-ack', epoch: order.epoch,
    released: order.addresses.filter((a) => !failing.includes(a.text)),
    failed: order.addresses.filter((a) => failing.includes(a.text)).map((address) => ({ address, reason: 'releaseip failed' })),
  };
};

/** Takes every address asked, except `failing`. */
const taking = (...failing: string[]): Answer => (order) => {
  if (order.kind !== 'take') throw new Error(`unexpected ${order.kind}`);
  return {
    kind: 'take-ack', epoch: order.epoch,
    results: order.takes.map((t) => (failing.includes(t.address.text)
      ? { address: t.address, status: 'failed' as const, error: 'takeip failed', timings: TIMINGS }
      : { address: t.address, status: 'taken' as const, error: '', timings: TIMINGS })),
  };
};

const silent: Answer = () => 'silent';

describe('the release phase alone', () => {
  it('orders each node once with its addresses; a failed release or a silent node keeps the address held, a departed node counts as released', async () => {
    // Node 1 answers (one release fails), node 2 never answers, node 3 is not connected.
    const { clock, ctx, sent, charged } = phaseOver({ 1: releasing('192.0.2.2'), 2: silent });
    const done = releasePhase(ctx, [
      release(1, '192.0.2.1'), release(1, '192.0.2.2'), release(2, '192.0.2.3'), release(3, '192.0.2.4'),
    ]);
    await clock.advance(DEADLINE_MS);
    const { notReleased, failures } = await done;

    expect(sent.map((s) => [s.to, s.order.kind, s.order.epoch, s.order.kind === 'release' ? s.order.addresses.map((a) => a.text) : []])).toEqual([
      [1, 'release', EPOCH, ['192.0.2.1', '192.0.2.2']],
      [2, 'release', EPOCH, ['192.0.2.3']],
    ]);
    expect([...notReleased].sort()).toEqual(['192.0.2.2', '192.0.2.3']);
    expect(charged.map((c) => c.pnn)).toEqual([1, 2]);
    expect(failures).toEqual([
      'node 1 could not release 192.0.2.2: releaseip failed',
      'node 2 did not acknowledge RELEASE of 1 address(es) in time',
    ]);
  });

  it('ends as soon as every node answered, long before the deadline', async () => {
    const { clock, ctx } = phaseOver({ 1: releasing(), 2: releasing() });
    let result: Awaited<ReturnType<typeof releasePhase>> | undefined;
    void releasePhase(ctx, [release(1, '192.0.2.1'), release(2, '192.0.2.2')]).then((r) => { result = r; });
    await clock.advance(1);
    expect(result).toEqual({ notReleased: new Set(), failures: [] });
  });

  it('an order that cannot be delivered counts as released, as a node that went away', async () => {
    const { clock, ctx, charged } = phaseOver({ 1: releasing() }, { undeliverable: [1] });
    const done = releasePhase(ctx, [release(1, '192.0.2.1')]);
    await clock.advance(0);
    expect(await done).toEqual({ notReleased: new Set(), failures: [] });
    expect(charged).toEqual([]);
  });

  it('nothing to release: no order at all', async () => {
    const { ctx, sent } = phaseOver({ 1: releasing() });
    expect(await releasePhase(ctx, [])).toEqual({ notReleased: new Set(), failures: [] });
    expect(sent).toEqual([]);
  });

  it('the leader replaced while nodes are silent: superseded, nobody charged', async () => {
    const { clock, ctx, charged, replaceLeader } = phaseOver({ 1: silent });
    const done = releasePhase(ctx, [release(1, '192.0.2.1')]);
    const outcome = expect(done).rejects.toEqual(new RunAborted('superseded', 'this node is no longer the leader'));
    await clock.advance(10);
    replaceLeader();
    ctx.deadline.expire(); // what the leader does when the view says another node leads
    await outcome;
    expect(charged).toEqual([]);
  });
});

describe('the take phase alone', () => {
  it('a failed or unanswered take leaves the address unplaced and remembered against its node; a departed node is charged nothing', async () => {
    // Node 1 takes two (one fails), node 2 never answers, node 3 is not connected.
    const { clock, ctx, sent, charged, failedTakes } = phaseOver({ 1: taking('192.0.2.2'), 2: silent });
    const done = takePhase(ctx, [take(1, '192.0.2.1'), take(1, '192.0.2.2'), take(2, '192.0.2.3'), take(3, '192.0.2.4')]);
    await clock.advance(DEADLINE_MS);
    const { unplaced, failures } = await done;

    expect(sent.map((s) => [s.to, s.order.kind === 'take' ? s.order.takes.map((t) => `${t.address.text}/${t.bits} ${t.iface}`) : []])).toEqual([
      [1, ['192.0.2.1/24 eth0', '192.0.2.2/24 eth0']],
      [2, ['192.0.2.3/24 eth0']],
    ]);
    expect([...unplaced].sort()).toEqual(['192.0.2.2', '192.0.2.3', '192.0.2.4']);
    expect(failures).toEqual([
      'node 1 could not take 192.0.2.2: takeip failed',
      'node 2 did not acknowledge TAKE of 1 address(es) in time',
    ]);
    expect(charged.map((c) => c.pnn)).toEqual([1, 2]);
    const now = clock.now();
    expect([
      failedTakes.failed(1, '192.0.2.1', now), failedTakes.failed(1, '192.0.2.2', now),
      failedTakes.failed(2, '192.0.2.3', now), failedTakes.failed(3, '192.0.2.4', now),
    ]).toEqual([false, true, true, false]);
  });

  it('every take acked: all placed, nothing charged', async () => {
    const { clock, ctx, charged } = phaseOver({ 1: taking(), 2: taking() });
    const done = takePhase(ctx, [take(1, '192.0.2.1'), take(2, '192.0.2.2')]);
    await clock.advance(1);
    expect(await done).toEqual({ unplaced: new Set(), failures: [] });
    expect(charged).toEqual([]);
  });

  it('an ack of another epoch is not this phase\'s answer', async () => {
    const stale: Answer = (order) => ({ ...(taking()(order) as PhaseAck), epoch: EPOCH - 1 } as PhaseAck);
    const { clock, ctx } = phaseOver({ 1: stale });
    const done = takePhase(ctx, [take(1, '192.0.2.1')]);
    await clock.advance(DEADLINE_MS);
    expect((await done).unplaced).toEqual(new Set(['192.0.2.1']));
  });
});

/** Does what it is told: releases and takes everything, runs ipreallocated. */
const obeying: Answer = (order) => {
  if (order.kind === 'release') return releasing()(order);
  if (order.kind === 'take') return taking()(order);
  return { kind: 'ipreallocated-ack', epoch: order.epoch, status: 'ok', error: '' };
};

describe('a whole run', () => {
  /** Nodes 0 (this one) and 1, both listing two addresses nobody holds yet, links up. */
  const snapshotOfTwo = (): RunSnapshot => ({
    view: updateAll(createView({ localPnn: 0, nodeCount: 2, deleted: [], deadAfterMs: 1000, now: 0 }), [
      { kind: 'health', pnn: 0, at: 0, healthy: true },
      { kind: 'link', pnn: 0, at: 0, iface: 'eth0', state: 'up' },
      { kind: 'heartbeat', pnn: 1, at: 0, seq: 1, flags: 0, epoch: 0, leader: NO_NODE, hosted: [], links: { eth0: 'up' }, heard: [], partition: [0, 1] },
    ]).view,
    lists: new Map([[0, lines(['192.0.2.1/24', '192.0.2.2/24'], ['eth0'])], [1, lines(['192.0.2.1/24', '192.0.2.2/24'], ['eth0'])]]),
    members: [0, 1],
  });

  it.each<[string, number | undefined, string[]]>([
    ['plans from the view read when it starts', undefined, ['take', 'take', 'run-counted', 'ipreallocated', 'run-counted', 'ipreallocated']],
    ['with the confirm round trip, reads it again once every peer confirmed', 100, ['release', 'take', 'take', 'run-counted', 'ipreallocated', 'run-counted', 'ipreallocated']],
  ])('%s', async (_name, confirmSince, orders) => {
    let reads = 0;
    const { clock, sent, wholeRun } = phaseOver({ 0: obeying, 1: obeying }, { snapshot: () => { reads++; return snapshotOfTwo(); } });
    const done = wholeRun(confirmSince).execute();
    await clock.advance(10);
    const outcome = await done;
    expect(outcome.record).toMatchObject({ status: 'ok', error: '', moves: 2, epoch: EPOCH });
    expect(reads).toBe(confirmSince === undefined ? 1 : 2);
    expect(sent.map((s) => s.order.kind)).toEqual(orders);
    expect([...outcome.target!.values()].sort()).toEqual([0, 1]);
  });

  it.each<[string, (snapshot: RunSnapshot) => RunSnapshot, boolean]>([
    ['counted: no flag, its list known', (snapshot) => snapshot, true],
    ['not counted: UNHEALTHY in the snapshot', (snapshot) => ({
      ...snapshot, view: updateAll(snapshot.view, [{ kind: 'heartbeat', pnn: 1, at: 0, seq: 2, flags: NodeFlag.UNHEALTHY, epoch: 0, leader: NO_NODE, hosted: [], links: { eth0: 'up' }, heard: [], partition: [0, 1] }]).view,
    }), false],
    ['not counted: its list not heard yet', (snapshot) => ({ ...snapshot, lists: new Map([[0, snapshot.lists.get(0)!]]) }), false],
  ])('tells each node, just before its IPREALLOCATED, whether the allocation counted it as able to host (%s)', async (_name, change, counted) => {
    const { clock, sent, wholeRun } = phaseOver({ 0: obeying, 1: obeying }, { snapshot: () => change(snapshotOfTwo()) });
    const done = wholeRun().execute();
    await clock.advance(10);
    expect((await done).record.status).toBe('ok');
    const last = sent.slice(-4).map((s) => [s.to, s.order.kind, s.order.epoch, s.order.kind === 'run-counted' ? s.order.counted : undefined]);
    expect(last).toEqual([
      [0, 'run-counted', EPOCH, true], [0, 'ipreallocated', EPOCH, undefined],
      [1, 'run-counted', EPOCH, counted], [1, 'ipreallocated', EPOCH, undefined],
    ]);
  });

  it('builds the inputs of a big cluster a chunk per turn of the event loop, ahead as in the run, to the same state', async () => {
    // 600 addresses: three chunks of RUN_INPUT_CHUNK, so two turns before the allocator is asked.
    const many = lines(Array.from({ length: 600 }, (_, k) => `198.18.${Math.floor(k / 250)}.${(k % 250) + 1}/15`), ['eth0']);
    const big = (): RunSnapshot => ({ ...snapshotOfTwo(), lists: new Map([[0, many], [1, many]]) });
    const { clock, wholeRun, ctx } = phaseOver({ 0: obeying, 1: obeying }, { snapshot: big });
    const asked: AllocState[] = [];
    const counting: Allocator = { allocate: async (state) => { asked.push(state); return allocate(state); }, close: async () => undefined };
    const ports = { ...ctx.ports, allocator: counting };
    allocateAhead(ports);
    expect(asked).toHaveLength(0);
    await clock.advance(0);
    expect(asked).toHaveLength(1);
    expect(sameAllocState(asked[0], buildRunInputs(big().view, big().lists, { algorithm: 'lcp2', tunables: DEFAULT_TUNABLES, members: [0, 1] }).alloc)).toBe(true);
    expect(asked[0].addresses).toHaveLength(600);
    // The whole run (its own ports) gets there too and places every address.
    const done = wholeRun().execute();
    await clock.advance(10);
    const outcome = await done;
    expect(outcome.record).toMatchObject({ status: 'ok', moves: 600 });
  });

  it('a peer that does not confirm by the deadline fails the run, named, before anything is planned; nobody is charged', async () => {
    let reads = 0;
    const { clock, sent, charged, wholeRun } = phaseOver({ 0: obeying, 1: silent }, { snapshot: () => { reads++; return snapshotOfTwo(); } });
    const done = wholeRun(100).execute();
    await clock.advance(DEADLINE_MS + 10);
    const outcome = await done;
    expect(outcome.record.status).toBe('failed');
    expect(outcome.record.error).toBe(`node(s) 1 did not confirm their address lists (an empty RELEASE) within the run's deadline of ${DEADLINE_MS} ms`);
    expect([reads, sent.map((s) => s.order.kind), charged]).toEqual([1, ['release'], []]);
    expect(outcome.placed).toBeUndefined();
  });
});
