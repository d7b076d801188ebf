// The main thread's reading of the fast path's slots (fast-path.ts stalled()): a freeze ends the process only while the node holds an address.

import { join } from 'node:path';
import { TcpMeshInit } from '../../../../src/adapters/peer/options';
import { FastPath, fastPathSettings } from '../../../../src/daemon/fastpath/fast-path';
import { pulseInterval } from '../../../../src/daemon/fastpath/messages';
import { ip } from '../../../../src/core/ip';
import { PLAIN_MAJORITY } from '../../../../src/core/quorum';
import { HeartbeatMessage } from '../../../../src/protocol/frame-messages';
import { SessionMessage } from '../../../../src/protocol/frame-session';

/** Never marks the worker's pulse: every check after frozenAfter sees the process as frozen. */
const SILENT_WORKER = join(__dirname, 'fixtures', 'silent-worker.mjs');
/** Answers every batch posted to it with the ops in it (onPriority). */
const ECHO_WORKER = join(__dirname, 'fixtures', 'echo-worker.mjs');
/** Allocates like a busy worker, then reports its young generation's size (onPriority). */
const HEAP_WORKER = join(__dirname, 'fixtures', 'heap-worker.mjs');
const FENCE_AFTER_MS = 175;

let now = 1_000;
let clock: jest.SpyInstance;
let fastPath: FastPath | undefined;

beforeEach(() => { clock = jest.spyOn(performance, 'now').mockImplementation(() => now); });
afterEach(async () => {
  await fastPath?.close();
  fastPath = undefined;
  clock.mockRestore();
});

async function guardedFastPath(holding: { count: number }): Promise<FastPath> {
  const started = FastPath.start({
    mesh: {} as TcpMeshInit, heartbeatIntervalMs: 50, fenceAfterMs: FENCE_AFTER_MS, deadAfterMs: 250, script: SILENT_WORKER,
  }, () => undefined);
  fastPath = started;
  await started.spawnGuardian({ fenceAfterMs: FENCE_AFTER_MS }, { ended: () => undefined });
  started.trackHolding(() => holding.count);
  return started;
}

test('a freeze of a node that holds nothing is reported once as idle, with its length, and is no verdict', async () => {
  const fp = await guardedFastPath({ count: 0 });
  expect(fp.stalled()).toBeUndefined();
  const lastPulse = performance.timeOrigin + now;
  now += 400; // SIGSTOP of the whole process, SIGCONT: the main thread runs before the worker marked a pulse
  // From the worker's last pulse: the keeper tells a stall under its guardian from an older one by it.
  expect(fp.stalled()).toEqual({ kind: 'idle', stalledMs: 400, from: lastPulse });
  expect(fp.stalled()).toBeUndefined();
});

test('the same freeze while the node holds an address, or once an add began, ends the process', async () => {
  const holding = { count: 0 };
  const fp = await guardedFastPath(holding);
  fp.adding(); // countTakes: an add starts; the slot is raised at once, before any pulse
  now += 400;
  expect(fp.stalled()).toEqual({ kind: 'fatal', why: expect.stringMatching(/stood still for 400 ms \(frozen\)/) });
});

test('a freeze with addresses held, short of the peers\' dead_after: no verdict here, the worker asks the guardian first; adds wait', async () => {
  const holding = { count: 2 };
  const fp = await guardedFastPath(holding);
  expect(fp.confirmPending()).toBe(false);
  now += 200; // past frozenAfter (152.5), short of dead_after less two pulses (230); the worker has not run since
  expect(fp.stalled()).toBeUndefined();
  expect(fp.confirmPending()).toBe(true);
  now += 30; // 230: the peers may count this node dead before the worker could ask
  expect(fp.stalled()).toEqual({ kind: 'fatal', why: expect.stringMatching(/stood still for 230 ms \(frozen\)/) });
});

test('each thread pulses every twentieth of fence_after, 10-50 ms: 35 ms in the default profile, 10 ms in fast and ultra', () => {
  expect([700, 175, 45, 5000].map(pulseInterval)).toEqual([35, 10, 10, 50]);
  const s = fastPathSettings({ mesh: {} as TcpMeshInit, heartbeatIntervalMs: 200, fenceAfterMs: 700, deadAfterMs: 1000 }, pulseInterval(700), new SharedArrayBuffer(8));
  // The default profile's guardian is still ticked every 50 ms, and a freeze still counts from 645 ms.
  expect([s.pulseMs, s.tickEveryMs, s.frozenAfterMs]).toEqual([35, 50, 645]);
});

test('the guardian is ticked every tenth of fence_after (10-50 ms), and a freeze counts from fence_after less one tick', () => {
  const timings = (fenceAfterMs: number, deadAfterMs: number) => {
    const s = fastPathSettings({ mesh: {} as TcpMeshInit, heartbeatIntervalMs: 50, fenceAfterMs, deadAfterMs }, 10, new SharedArrayBuffer(8));
    return [s.tickEveryMs, s.frozenAfterMs];
  };
  // default: 20 guardian wake-ups a second instead of 100; fast; ultra (never more often than the 10 ms pulse).
  expect([timings(700, 1000), timings(175, 250), timings(45, 80)]).toEqual([[50, 645], [17.5, 152.5], [10, 30]]);
});

test('a fence the worker ordered: adds are refused from the moment its slot is set until this thread has heard the order', async () => {
  let slotSet: () => void = () => undefined;
  const started = FastPath.start({
    mesh: {} as TcpMeshInit, heartbeatIntervalMs: 50, fenceAfterMs: FENCE_AFTER_MS, deadAfterMs: 250,
    script: join(__dirname, 'fixtures', 'fencing-worker.mjs'), onPriority: () => slotSet(),
  }, () => undefined);
  fastPath = started;
  const guardian = await started.spawnGuardian({ fenceAfterMs: FENCE_AFTER_MS }, { ended: () => undefined });
  const news: unknown[] = [];
  let heard: () => void = () => undefined;
  started.onFence((item) => {
    // The listener runs before the slot is marked seen: it bars this node's adds first.
    news.push({ ...item, pendingWhileHeard: started.fencePending() });
    if (item.kind === 'done') heard();
  });
  expect(started.fencePending()).toBe(false);

  await new Promise<void>((resolve) => { slotSet = resolve; guardian.setPeers([]); });
  // The worker set the slot; its message has not come: the stall gate refuses every add now.
  expect(started.fencePending()).toBe(true);

  await new Promise<void>((resolve) => { heard = resolve; guardian.setPeers([{ pnn: 1, address: '192.0.2.2' } as never]); });
  expect(news).toEqual([
    { kind: 'ordered', held: 3, detail: 'no quorum (test)', pendingWhileHeard: true },
    { kind: 'done', ms: 2.5, pendingWhileHeard: false },
  ]);
  expect(started.fencePending()).toBe(false);
});

test('the worker runs with a young generation of at most 2 MB (messages.ts, WORKER_YOUNG_GENERATION_MB)', async () => {
  const reported = new Promise<string>((resolve) => {
    fastPath = FastPath.start({
      mesh: {} as TcpMeshInit, heartbeatIntervalMs: 50, fenceAfterMs: FENCE_AFTER_MS, deadAfterMs: 250, script: HEAP_WORKER,
      onPriority: (_of, outcome) => { if (outcome.kind === 'ordinary') resolve(outcome.why); },
    }, () => undefined);
  });
  const size = Number(/^new_space (\d+)$/.exec(await reported)?.[1]);
  expect(size).toBeGreaterThan(0);
  expect(size).toBeLessThanOrEqual(2 * 1024 * 1024);
});

test('a heartbeat that says what the last one handed over said goes as beat-again; a change or a goodbye sends it whole', async () => {
  const batches: string[] = [];
  let heard: (() => void) | undefined;
  const fp = FastPath.start({
    mesh: {} as TcpMeshInit, heartbeatIntervalMs: 50, fenceAfterMs: FENCE_AFTER_MS, deadAfterMs: 250, script: ECHO_WORKER,
    onPriority: (_of, outcome) => { if (outcome.kind === 'ordinary') { batches.push(outcome.why); heard?.(); } },
  }, () => undefined);
  fastPath = fp;
  /** Broadcasts `message` in a turn of its own and waits for the worker's echo of the batch. */
  const hand = (message: SessionMessage): Promise<void> => new Promise((resolve) => { heard = resolve; fp.broadcast(message); });
  // Fresh arrays each time, as the runtime builds them; beat and heard differ.
  const beat = (beatNo: number, epoch = 3): HeartbeatMessage => ({
    kind: 'heartbeat', pnn: 0, beat: beatNo, flags: 0, monitor: 'healthy', epoch, leader: 0, links: [],
    hosted: [ip('198.51.100.1'), ip('198.51.100.2')], partition: [0, 1, 2], heard: [{ pnn: 1, agoMs: beatNo }], voters: [0, 1, 2],
  });
  await hand(beat(1));
  await hand(beat(2));
  await hand(beat(3));
  await hand(beat(4, 4));
  await hand(beat(5, 4));
  await hand({ kind: 'leaving', pnn: 0, reason: 'shutdown' });
  await hand(beat(6, 4));
  expect(batches).toEqual(['broadcast', 'beat-again', 'beat-again', 'broadcast', 'beat-again', 'broadcast', 'broadcast']);
});

test('every batch goes to the worker inside aheadOfOrdinary (the worker waits for the port\'s mutex while it is posted)', async () => {
  const log: string[] = [];
  let heard: (() => void) | undefined;
  const fp = FastPath.start({
    mesh: {} as TcpMeshInit, heartbeatIntervalMs: 50, fenceAfterMs: FENCE_AFTER_MS, deadAfterMs: 250, script: ECHO_WORKER,
    onPriority: (_of, outcome) => { if (outcome.kind === 'ordinary') { log.push(`echo ${outcome.why}`); heard?.(); } },
    aheadOfOrdinary: (work) => {
      log.push('ahead');
      try {
        return work();
      } finally {
        log.push('ordinary');
      }
    },
  }, () => undefined);
  fastPath = fp;
  await new Promise<void>((resolve) => { heard = resolve; fp.broadcast({ kind: 'leaving', pnn: 0, reason: 'shutdown' }); });
  await new Promise<void>((resolve) => { heard = resolve; fp.setQuorum({ mode: 'majority' }, PLAIN_MAJORITY); });
  expect(log).toEqual(['ahead', 'ordinary', 'echo broadcast', 'ahead', 'ordinary', 'echo set-quorum']);
});
