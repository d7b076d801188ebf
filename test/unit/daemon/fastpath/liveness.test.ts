// The fast-path worker's rules (daemon/fastpath/liveness.ts) on a hand-driven clock: when it sends again, when it stops vouching, and that it follows reloadnodes and the main thread's quorum.

import { NO_NODE } from '../../../../src/core/flags';
import { ip } from '../../../../src/core/ip';
import { MeshEvent, PeerMesh } from '../../../../src/adapters/peer/port';
import { TcpMeshInit } from '../../../../src/adapters/peer/options';
import { HeartbeatMessage } from '../../../../src/protocol/frame-messages';
import { SessionMessage } from '../../../../src/protocol/frame-session';
import { Liveness } from '../../../../src/daemon/fastpath/liveness';
import { DETAIL_BYTES, FastPathSettings, FromWorker, SLOT, SLOT_COUNT, VERDICT } from '../../../../src/daemon/fastpath/messages';

const HEARTBEAT_MS = 50;
const FENCE_AFTER_MS = 175;
const DEAD_AFTER_MS = 250;
/** (dead_after - fence_after) / 2: how long the main loop may stand still once the worker sees no quorum with a few addresses, with no guardian to order. */
const GRACE_MS = 37.5;

interface Rig {
  readonly liveness: Liveness;
  readonly slots: Float64Array;
  readonly sent: SessionMessage[];
  /** The peer each `send` (not broadcast) went to, in order. */
  readonly sentTo: number[];
  readonly posted: FromWorker[];
  readonly abandoned: () => number;
  /** Fences ordered from the guardian (GuardianLink.fence). */
  readonly fencesOrdered: () => number;
  /** What fenceGuardian and confirmGuardian answer: false = no guardian pipe to write to. */
  guardianTakesOrders: boolean;
  /** The guardian's answers to confirmGuardian still owed, oldest first: call one with true (it answered) or false (it ended). */
  readonly confirmations: Array<(answered: boolean) => void>;
  readonly detail: () => string;
  at: number;
  /** One watch at `at`, then the check phase it schedules. */
  watch(): Promise<void>;
  /** The main loop turns (its pulse) now. */
  mainTurns(): void;
  /** A heartbeat from `pnn` that says it heard us `agoMs` ago. */
  hear(pnn: number, agoMs?: number): void;
}

function heartbeat(pnn: number, beat: number, hosted: string[], heard: { pnn: number; agoMs: number }[]): HeartbeatMessage {
  return {
    kind: 'heartbeat', pnn, beat, flags: 0, monitor: 'healthy', epoch: 1, leader: 0, links: [],
    hosted: hosted.map((a) => ip(a)), partition: [0, 1, 2], heard, voters: [],
  };
}

function rig(deadAfterMs = DEAD_AFTER_MS): Rig {
  const shared = new SharedArrayBuffer(SLOT_COUNT * Float64Array.BYTES_PER_ELEMENT);
  const detail = new SharedArrayBuffer(DETAIL_BYTES);
  const settings: FastPathSettings = {
    mesh: { localPnn: 0, nodes: [0, 1, 2].map((pnn) => ({ pnn, address: ip(`192.0.2.${pnn + 1}`) })) } as unknown as TcpMeshInit,
    heartbeatIntervalMs: HEARTBEAT_MS, fenceAfterMs: FENCE_AFTER_MS, deadAfterMs,
    mainStallLimitMs: 4 * deadAfterMs, pulseMs: 10, tickEveryMs: 10, frozenAfterMs: 160, shared, detail,
  };
  const sent: SessionMessage[] = [];
  const sentTo: number[] = [];
  const posted: FromWorker[] = [];
  let abandoned = 0;
  let fencesOrdered = 0;
  const mesh: PeerMesh = {
    start: () => Promise.resolve(), stop: () => Promise.resolve(),
    send: (to, message) => { sent.push(message); sentTo.push(to); return true; },
    broadcast: (message) => { sent.push(message); return [1, 2]; },
    connected: () => [1, 2], reset: () => undefined, setNodes: () => undefined, subscribe: () => () => undefined,
  };
  const beats = new Map<number, number>();
  const r: Rig = {
    at: 1000,
    liveness: undefined as unknown as Liveness,
    slots: new Float64Array(shared),
    sent,
    sentTo,
    posted,
    abandoned: () => abandoned,
    fencesOrdered: () => fencesOrdered,
    guardianTakesOrders: true,
    confirmations: [],
    detail: () => new TextDecoder().decode(new Uint8Array(detail)).replace(/\0+$/, ''),
    async watch() {
      r.liveness.watch();
      await new Promise((resolve) => setImmediate(resolve));
    },
    mainTurns() {
      r.slots[SLOT.mainPulseAt] = r.at;
    },
    hear(pnn, agoMs = 5) {
      const beat = (beats.get(pnn) ?? 0) + 1;
      beats.set(pnn, beat);
      const event: MeshEvent = { kind: 'message', from: pnn, message: heartbeat(pnn, beat, [], [{ pnn: 0, agoMs }]) };
      r.liveness.meshEvent(event);
    },
  };
  r.slots[SLOT.mainPulseAt] = r.at;
  (r as { liveness: Liveness }).liveness = new Liveness(settings, {
    mesh, now: () => r.at, post: (message) => posted.push(message), abandonGuardian: () => { abandoned++; },
    fenceGuardian: () => {
      if (!r.guardianTakesOrders) return false;
      fencesOrdered++;
      return true;
    },
    confirmGuardian: (done) => {
      if (!r.guardianTakesOrders) return false;
      r.confirmations.push(done);
      return true;
    },
  });
  r.slots[SLOT.confirmSince] = Number.NaN;
  return r;
}

/** Node 0 holds `hosted` (the main thread's holding slot and its heartbeat say so), a guardian is ticked, both peers are heard and hear us. */
function guarded(hosted: string[], deadAfterMs = DEAD_AFTER_MS): Rig {
  const r = rig(deadAfterMs);
  r.slots[SLOT.holding] = hosted.length;
  r.liveness.setGuarded(true);
  r.hear(1);
  r.hear(2);
  r.liveness.broadcast(heartbeat(0, 1, hosted, []));
  return r;
}

const holding = (): Rig => guarded(['198.51.100.1', '198.51.100.2']);
const idle = (): Rig => guarded([]);

const LOCK_HELD_BY_US = [{ mode: 'lock', holder: 0 }, { memory: { left: [], dropped: [], joined: true }, tieBreaker: 'none' }] as const;

/** The whole process stands still `ms` (SIGSTOP, SIGCONT): one watch after it, the main loop turned just before. */
async function freeze(r: Rig, ms: number): Promise<void> {
  r.at += ms;
  r.mainTurns();
  await r.watch();
}

/** Advances the clock in pulses of 10 ms to `until` or a verdict, the main loop turning only if `mainRuns`, peers heard only if `peersHeard`. */
async function run(r: Rig, until: number, mainRuns: boolean, peersHeard: boolean): Promise<void> {
  while (r.at < until && r.liveness.decided === VERDICT.none) {
    r.at += 10;
    if (mainRuns) r.mainTurns();
    if (peersHeard && r.at % HEARTBEAT_MS === 0) {
      r.hear(1);
      r.hear(2);
    }
    await r.watch();
  }
}

test('a main loop that stands still, peers heard: the worker sends our latest heartbeat again every interval and vouches on', async () => {
  const r = holding();
  const before = r.sent.length;
  await run(r, r.at + 500, false, true);
  const again = r.sent.slice(before).filter((m): m is HeartbeatMessage => m.kind === 'heartbeat');
  expect(again.length).toBeGreaterThanOrEqual(9);
  expect(again.every((m) => m.hosted.length === 2)).toBe(true);
  // Each carries this side's hearing of the peers, and a beat number that grows.
  expect(again.every((m) => m.heard.map((h) => h.pnn).join() === '1,2')).toBe(true);
  expect(new Set(again.map((m) => m.beat)).size).toBe(again.length);
  expect(r.liveness.decided).toBe(VERDICT.none);
  expect(r.abandoned()).toBe(0);
});

test('a peer\'s PING is answered by the worker with its two fields, and does not wake the main thread', () => {
  const r = rig();
  const before = r.posted.length;
  r.liveness.meshEvent({ kind: 'message', from: 2, message: { kind: 'ping', seq: 41, sentUs: 1_500_000 } });
  expect(r.sent).toEqual([{ kind: 'pong', seq: 41, sentUs: 1_500_000 }]);
  expect(r.sentTo).toEqual([2]);
  expect(r.posted.length).toBe(before);
});

test('no quorum with addresses held: the guardian is ordered to fence at fence_after, once, and the process lives on', async () => {
  const r = holding();
  const lastHeard = r.at;
  // The peers' last heartbeats said they heard us 5 ms before: fence_after counts from then.
  await run(r, lastHeard + FENCE_AFTER_MS - 20, true, false);
  expect(r.fencesOrdered()).toBe(0);
  await run(r, lastHeard + FENCE_AFTER_MS + 10, true, false);
  expect(r.fencesOrdered()).toBe(1);
  const order = r.posted.find((m) => m.op === 'fence-ordered');
  expect(order?.op === 'fence-ordered' && order.at - lastHeard).toBeGreaterThanOrEqual(FENCE_AFTER_MS - 10);
  expect(order).toMatchObject({ op: 'fence-ordered', held: 2 });
  expect(order?.op === 'fence-ordered' && order.detail).toMatch(/^no quorum \(node 1: connected, heard \d+ ms ago.*with 2 address\(es\) held$/);
  // The main thread reads the order's time before any add (FastPath.fencePending).
  expect(r.slots[SLOT.fenceOrderedAt]).toBe(order?.op === 'fence-ordered' ? order.at : Number.NaN);
  // Whether the main loop turns or not, the spell brings no second order and no verdict.
  await run(r, r.at + 200, true, false);
  await run(r, r.at + 2 * DEAD_AFTER_MS, false, false);
  expect(r.fencesOrdered()).toBe(1);
  expect(r.liveness.decided).toBe(VERDICT.none);
  expect(r.abandoned()).toBe(0);
});

test('no quorum with 334 addresses and a main loop standing still: the order goes at fence_after all the same, no verdict', async () => {
  const many = Array.from({ length: 334 }, (_, i) => (i < 250 ? `198.51.100.${i + 1}` : `203.0.113.${i - 249}`));
  const r = guarded(many);
  const lastHeard = r.at;
  await run(r, lastHeard + FENCE_AFTER_MS + 10, false, false);
  expect(r.fencesOrdered()).toBe(1);
  expect(r.posted.find((m) => m.op === 'fence-ordered')).toMatchObject({ held: 334 });
  await run(r, lastHeard + FENCE_AFTER_MS + 400, false, false);
  expect(r.liveness.decided).toBe(VERDICT.none);
});

test('quorum back, then lost again: each spell orders its own fence', async () => {
  const r = holding();
  const lastHeard = r.at;
  await run(r, lastHeard + FENCE_AFTER_MS + 10, true, false);
  expect(r.fencesOrdered()).toBe(1);
  await run(r, r.at + 100, true, true);
  expect(r.fencesOrdered()).toBe(1);
  await run(r, r.at + FENCE_AFTER_MS + 60, true, false);
  expect(r.fencesOrdered()).toBe(2);
});

test('an add under way counts as held: its address may be in the kernel before our heartbeat lists it', async () => {
  const r = idle();
  r.slots[SLOT.holding] = 1;
  await run(r, r.at + FENCE_AFTER_MS + 10, true, false);
  expect(r.fencesOrdered()).toBe(1);
  expect(r.posted.find((m) => m.op === 'fence-ordered')).toMatchObject({ held: 1 });
});

test('no quorum with nothing held: nothing to order', async () => {
  const r = idle();
  r.slots[SLOT.holding] = 0;
  await run(r, r.at + 2 * DEAD_AFTER_MS, false, false);
  expect(r.fencesOrdered()).toBe(0);
  expect(r.liveness.decided).toBe(VERDICT.none);
});

test('no guardian takes the order (its pipe is closed): the main loop fences by itself, and the process ends if it stood still past the grace', async () => {
  const r = holding();
  r.guardianTakesOrders = false;
  const lastHeard = r.at;
  await run(r, r.at + 400, true, false);
  expect(r.liveness.decided).toBe(VERDICT.none);
  expect(r.posted.some((m) => m.op === 'fence-ordered')).toBe(false);

  const stuck = holding();
  stuck.guardianTakesOrders = false;
  const silentFrom = stuck.at;
  await run(stuck, stuck.at + FENCE_AFTER_MS - 10, true, false);
  await run(stuck, silentFrom + DEAD_AFTER_MS, false, false);
  expect(stuck.liveness.decided).toBe(VERDICT.noQuorum);
  expect(stuck.abandoned()).toBe(1);
  expect(stuck.slots[SLOT.verdict]).toBe(VERDICT.noQuorum);
  expect(stuck.detail()).toMatch(/^no quorum \(node 1: connected, heard \d+ ms ago/);
  // Decided in time: no later than fence_after + grace + one pulse after the peers went silent, short of dead_after.
  expect(stuck.at - silentFrom).toBeLessThanOrEqual(FENCE_AFTER_MS + GRACE_MS + 10);
  expect(lastHeard).toBeLessThan(r.at);
});

test('a frozen process is judged only while a guardian is ticked: before, the guarded start holds nothing', async () => {
  const unguarded = rig();
  unguarded.at += 400;
  await unguarded.watch();
  expect(unguarded.liveness.decided).toBe(VERDICT.none);
  expect(unguarded.confirmations).toHaveLength(0);
});

test('a freeze the guardian may have fenced, short of the peers\' dead_after: the guardian is asked, and what is sent meanwhile waits', async () => {
  const r = holding();
  const before = r.sent.length;
  await freeze(r, 170); // past frozenAfter (160); our last heartbeat went 170 ms ago, dead_after is 250
  expect(r.liveness.decided).toBe(VERDICT.none);
  expect(r.confirmations).toHaveLength(1);
  expect(Number.isNaN(r.slots[SLOT.confirmSince])).toBe(false); // the main thread adds nothing meanwhile
  // The main thread's heartbeat and an order's ack wait; no refill goes out either.
  r.liveness.broadcast(heartbeat(0, 2, ['198.51.100.1', '198.51.100.2'], []));
  r.liveness.send(1, { kind: 'release-ack', epoch: 3, released: [], failed: [] });
  r.at += 10;
  await r.watch();
  expect(r.sent.length).toBe(before);

  r.confirmations[0](true);
  expect(r.sent.slice(before).map((m) => m.kind)).toEqual(['heartbeat', 'release-ack']);
  expect(Number.isNaN(r.slots[SLOT.confirmSince])).toBe(true);
  expect(r.posted.find((m) => m.op === 'stall-confirmed')).toMatchObject({ op: 'stall-confirmed', gapMs: 170 });
  expect(r.liveness.confirmedStalls).toBe(1);
  await run(r, r.at + 200, true, true);
  expect(r.liveness.decided).toBe(VERDICT.none);
  expect(r.abandoned()).toBe(0);
});

test('the guardian ended instead of answering (it fenced): frozen, and what waited is dropped', async () => {
  const r = holding();
  const before = r.sent.length;
  await freeze(r, 170);
  r.liveness.send(1, { kind: 'release-ack', epoch: 3, released: [], failed: [] });
  r.confirmations[0](false);
  expect(r.liveness.decided).toBe(VERDICT.frozen);
  expect(r.detail()).toBe('the whole process stood still for 170 ms (frozen): the guardian fenced');
  expect(r.sent.length).toBe(before);
});

test('no answer before the peers would count us dead: frozen', async () => {
  const r = holding();
  await freeze(r, 170);
  await run(r, r.at + 40, true, false);
  expect(r.liveness.decided).toBe(VERDICT.none);
  // 250 - 2 pulses after our last heartbeat, the peers may judge us dead before the guardian's answer could matter.
  await run(r, r.at + 30, true, false);
  expect(r.liveness.decided).toBe(VERDICT.frozen);
  expect(r.detail()).toMatch(/^the whole process stood still for 170 ms \(frozen\), and the guardian did not answer within \d+ ms/);
  r.confirmations[0](true); // too late: changes nothing
  expect(r.liveness.decided).toBe(VERDICT.frozen);
});

test('a freeze the peers count dead already, or one no guardian can answer for: frozen at once, as before', async () => {
  const long = holding();
  await freeze(long, 240); // 250 - 2 pulses: no time left to ask
  expect(long.liveness.decided).toBe(VERDICT.frozen);
  expect(long.confirmations).toHaveLength(0);
  expect(long.abandoned()).toBe(1);

  const orphan = holding();
  orphan.guardianTakesOrders = false;
  await freeze(orphan, 170);
  expect(orphan.liveness.decided).toBe(VERDICT.frozen);
});

test('a second freeze while the first is asked about (a dead_after long enough for both): still one question, nothing that waited is lost', async () => {
  const r = guarded(['198.51.100.1'], 1000);
  const before = r.sent.length;
  await freeze(r, 170);
  r.liveness.send(1, { kind: 'release-ack', epoch: 3, released: [], failed: [] });
  await freeze(r, 165);
  expect(r.confirmations).toHaveLength(1);
  r.confirmations[0](true);
  expect(r.sent.slice(before).map((m) => m.kind)).toEqual(['release-ack']);
});

test('the main thread\'s messages after a freeze the worker has not judged yet: judged first, then they wait for the answer', async () => {
  const r = holding();
  const before = r.sent.length;
  r.at += 170; // resumed; the main thread's messages reach this thread before its timer
  r.liveness.send(1, { kind: 'release-ack', epoch: 3, released: [], failed: [] });
  expect(r.confirmations).toHaveLength(1);
  expect(r.sent.length).toBe(before);
  r.confirmations[0](true);
  expect(r.sent.slice(before).map((m) => m.kind)).toEqual(['release-ack']);
});

test('beat-again: the last heartbeat handed over goes out once more, with a new beat number and this side\'s hearing', () => {
  const r = holding();
  const before = r.sent.length;
  r.at += 50;
  r.liveness.beatAgain();
  r.at += 50;
  r.liveness.beatAgain();
  const again = r.sent.slice(before) as HeartbeatMessage[];
  expect(again.map((m) => [m.kind, m.hosted.map((a) => a.text).join()])).toEqual([
    ['heartbeat', '198.51.100.1,198.51.100.2'], ['heartbeat', '198.51.100.1,198.51.100.2'],
  ]);
  expect(again[1].beat).toBe(again[0].beat + 1);
  expect(again.map((m) => m.heard.map((h) => `${h.pnn}:${h.agoMs}`).join())).toEqual(['1:50,2:50', '1:100,2:100']);
});

test('beat-again after a freeze not judged yet is judged first and waits for the guardian\'s answer; after LEAVING it sends nothing', async () => {
  const r = holding();
  const before = r.sent.length;
  r.at += 170; // resumed: the main thread's beat-again reaches this thread before its timer
  r.liveness.beatAgain();
  expect(r.confirmations).toHaveLength(1);
  expect(r.sent.length).toBe(before);
  r.confirmations[0](true);
  expect(r.sent.slice(before).map((m) => m.kind)).toEqual(['heartbeat']);
  r.liveness.broadcast({ kind: 'leaving', pnn: 0, reason: 'shutdown' });
  const left = r.sent.length;
  r.liveness.beatAgain();
  expect(r.sent.length).toBe(left);
});

test('reloadnodes: with the silent peers commented out, this node is the whole cluster and keeps its addresses', async () => {
  const r = holding();
  r.liveness.setNodes([{ pnn: 0, address: ip('192.0.2.1') }, { pnn: 1, address: null }, { pnn: 2, address: null }]);
  await run(r, r.at + 400, false, false);
  expect(r.liveness.decided).toBe(VERDICT.none);
});

test('the main thread\'s quorum: under the lock rule, with no holder known, the node fences even with every peer heard', async () => {
  const r = holding();
  r.liveness.setQuorum({ mode: 'lock', holder: NO_NODE }, { memory: { left: [], dropped: [], joined: true }, tieBreaker: 'none' });
  await run(r, r.at + 200, true, true);
  expect(r.fencesOrdered()).toBe(1);
});

test('after LEAVING the worker sends no heartbeat again: the peers would count the node back with the addresses it released', async () => {
  const r = holding();
  r.liveness.broadcast({ kind: 'leaving', pnn: 0, reason: 'shutdown' });
  const before = r.sent.length;
  await run(r, r.at + 300, false, true);
  expect(r.sent.slice(before).filter((m) => m.kind === 'heartbeat')).toEqual([]);
  expect(r.liveness.decided).toBe(VERDICT.none);
});

describe('a node that holds nothing (issue 17: 32 lab daemons exited on stalls while joining, holding nothing)', () => {
  test('a freeze of the whole process is no verdict: it is recorded for the main thread\'s idle path, and the worker vouches on', async () => {
    const r = idle();
    const from = r.at;
    await freeze(r, 400); // past fence_after: the guardian may have fenced, but there is nothing to fence
    expect(r.liveness.decided).toBe(VERDICT.none);
    expect(r.abandoned()).toBe(0);
    expect(r.slots[SLOT.verdict]).toBe(VERDICT.none);
    expect(r.liveness.idleStalls).toBe(1);
    // The main thread reports it once (FastPath.stalled) and replaces the guardian if it may have fenced (GuardianKeeper.idleStall).
    expect(r.slots[SLOT.idleStallFrom]).toBe(from);
    expect(r.slots[SLOT.idleStallMs]).toBe(400);
    expect(r.slots[SLOT.workerPulseAt]).toBe(r.at);
    const before = r.sent.length;
    await run(r, r.at + 200, true, true);
    expect(r.sent.slice(before).some((m) => m.kind === 'heartbeat')).toBe(true);
    expect(r.liveness.decided).toBe(VERDICT.none);
  });

  test('the same freeze once the main thread raised the slot (an add under way) ends it', async () => {
    const r = idle();
    r.slots[SLOT.holding] = 1;
    await freeze(r, 400);
    expect(r.liveness.decided).toBe(VERDICT.frozen);
    expect(r.abandoned()).toBe(1);
  });

  test('a main loop that stands still past its limit is no verdict: the worker stops sending its heartbeats, so the peers count it dead as before the worker', async () => {
    const r = idle();
    await run(r, r.at + 4 * DEAD_AFTER_MS + 200, false, true);
    expect(r.liveness.decided).toBe(VERDICT.none);
    expect(r.abandoned()).toBe(0);
    const before = r.sent.length;
    await run(r, r.at + 300, false, true);
    expect(r.sent.slice(before).filter((m) => m.kind === 'heartbeat')).toEqual([]);
    // The main loop turns again: its heartbeats go out, and the worker sends them again as before.
    r.mainTurns();
    r.liveness.broadcast(heartbeat(0, 2, [], []));
    await run(r, r.at + 200, true, true);
    expect(r.sent.slice(before).filter((m) => m.kind === 'heartbeat').length).toBeGreaterThanOrEqual(4);
  });

  test('holding addresses, the same main-loop stall past its limit still ends it', async () => {
    const r = holding();
    await run(r, r.at + 4 * DEAD_AFTER_MS + 200, false, true);
    expect(r.liveness.decided).toBe(VERDICT.mainStalled);
  });
});

describe('quorum = "lock": only the main loop sees the lock move (its renewals, its holder)', () => {
  test('holding, the worker vouches for a main loop that stands still less than fence_after, every peer heard', async () => {
    const r = holding();
    r.liveness.setQuorum(...LOCK_HELD_BY_US);
    r.mainTurns();
    await run(r, r.at + FENCE_AFTER_MS - 20, false, true);
    expect(r.liveness.decided).toBe(VERDICT.none);
  });

  test('holding, a main loop that stood still fence_after ends it: the lock may have gone to a side that takes the addresses', async () => {
    const r = holding();
    r.liveness.setQuorum(...LOCK_HELD_BY_US);
    r.mainTurns();
    const lastTurn = r.at;
    await run(r, r.at + 1000, false, true);
    expect(r.liveness.decided).toBe(VERDICT.mainStalled);
    expect(r.abandoned()).toBe(1);
    expect(r.detail()).toMatch(/under quorum = "lock"/);
    // As soon as the guardian ticked from the main loop would have fenced (before the worker), within one pulse.
    expect(r.at - lastTurn).toBeGreaterThanOrEqual(FENCE_AFTER_MS);
    expect(r.at - lastTurn).toBeLessThanOrEqual(FENCE_AFTER_MS + 10);
  });

  test('holding nothing, the same stall is no verdict', async () => {
    const r = idle();
    r.liveness.setQuorum(...LOCK_HELD_BY_US);
    await run(r, r.at + 1000, false, true);
    expect(r.liveness.decided).toBe(VERDICT.none);
  });

  test('under the majority rule the same stall is vouched for (the 150 ms stalls of issue 17)', async () => {
    const r = holding();
    await run(r, r.at + 2 * DEAD_AFTER_MS, false, true);
    expect(r.liveness.decided).toBe(VERDICT.none);
  });
});
