// One rejoin trial of the bench: make the fault, let the cluster settle without the node(s), undo it, and time how long until they serve again.
//
// Four scenarios on a 4-node lab (bench/rejoin.ts):
// - link:     a follower's private link goes down; once the others host everything, it comes
//             back up; figure = until every node is OK in every node's view, one leader, and
//             every address is held exactly once in a balanced layout (the node hosts its share).
// - restart:  a follower's floatipd is stopped (SIGTERM); once the others host everything, it is
//             started again; figure as for link, from the start command.
// - heal:     the private network splits 2|2; once addresses stop moving, the split ends; figure
//             as for link, from the heal (every address served with the new layout).
// - stop-half: two daemons (alternately the half with the leader and the other) stop at once
//             (SIGTERM); figure = until the other two hold every address; `unserved` = the
//             longest time one address was on no node in that stretch.
// "Ready" is polled every POLL_MS (control-socket status of every node); `hosting` is the
// probes' netlink stamp of the last address change before ready, so it has no poll lag.

import { labFail, labPartition } from '../src/lab';
import { BenchLab } from './failover-lab';
import { monotonicMs } from './failover-messages';

export const SCENARIOS = ['link', 'restart', 'heal', 'stop-half'] as const;
export type Scenario = (typeof SCENARIOS)[number];

const POLL_MS = 50;

export interface RejoinSettings {
  /** Give up waiting for the rejoin after this long (the trial then counts as incomplete). */
  readonly readyTimeoutMs: number;
  /** How long the cluster must be without the node(s) before the fault is undone. */
  readonly apartTimeoutMs: number;
  readonly settleTimeoutMs: number;
  readonly quietMs: number;
}

export interface RejoinResult {
  readonly scenario: Scenario;
  /** The node(s) the fault was made on. */
  readonly nodes: readonly number[];
  /** From the undo (or for stop-half, the stop) until ready; null when it never got there. */
  readonly readyMs: number | null;
  /** Until the last address change before ready (netlink stamps). */
  readonly hostingMs: number | null;
  /** stop-half: the longest stretch one address was on no node. */
  readonly unservedMs: number | null;
  readonly duplicates: readonly string[];
  /** Why the trial did not reach ready, if it did not. */
  readonly incomplete: string | undefined;
  /** What the cluster still lacked at the last poll before ready (for reading slow trials). */
  readonly lastWhy: string | undefined;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}

/** Polls `why` until it answers undefined; returns the monotonic time of that poll, or undefined on timeout, and the last reason. */
async function pollUntil(why: () => Promise<string | undefined>, timeoutMs: number): Promise<{ at: number | undefined; last: string | undefined }> {
  const started = monotonicMs();
  let last: string | undefined;
  while (monotonicMs() - started < timeoutMs) {
    const reason = await why();
    if (reason === undefined) return { at: monotonicMs(), last };
    last = reason;
    await sleep(POLL_MS);
  }
  return { at: undefined, last };
}

/** Undefined once the nodes `hosts` hold every address exactly once between them (the others none). */
function hostedBy(lab: BenchLab, hosts: readonly number[]): string | undefined {
  const holdings = lab.holdings();
  const count = new Map<string, number>();
  holdings.forEach((list, pnn) => { for (const a of list) count.set(a, (count.get(a) ?? 0) + (hosts.includes(pnn) ? 1 : 100)); });
  const wrong = lab.publicAddresses.filter((a) => count.get(a) !== 1);
  return wrong.length === 0 ? undefined : `${wrong.length} addresses not held once by nodes ${hosts.join(',')}`;
}

async function leaderOf(lab: BenchLab): Promise<number> {
  const statuses = await lab.statuses();
  return statuses.find((s) => s !== undefined && s.leader >= 0)?.leader ?? 0;
}

/** The longest time one address spent on no node between `from` and `to`. */
function longestUnserved(lab: BenchLab, from: number, to: number): number {
  let worst = 0;
  for (const address of lab.publicAddresses) {
    const stretches = lab.presences(address).filter((p) => p.to >= from && p.from <= to).sort((a, b) => a.from - b.from);
    let covered = from;
    for (const p of stretches) {
      if (p.from > covered) worst = Math.max(worst, p.from - covered);
      covered = Math.max(covered, p.to);
    }
    if (covered < to) worst = Math.max(worst, to - covered);
  }
  return round(worst);
}

export async function runRejoinTrial(lab: BenchLab, scenario: Scenario, trial: number, settings: RejoinSettings): Promise<RejoinResult> {
  const leader = await leaderOf(lab);
  const followers = Array.from({ length: lab.nodes }, (_, pnn) => pnn).filter((pnn) => pnn !== leader);
  const victim = followers[trial % followers.length];
  const others = (gone: readonly number[]): number[] => Array.from({ length: lab.nodes }, (_, pnn) => pnn).filter((pnn) => !gone.includes(pnn));
  const apart = async (hosts: readonly number[], what: string): Promise<void> => {
    const { at, last } = await pollUntil(async () => hostedBy(lab, hosts), settings.apartTimeoutMs);
    if (at === undefined) throw new Error(`${what}: nodes ${hosts.join(',')} did not host every address within ${settings.apartTimeoutMs} ms (${last})`);
  };
  let nodes: number[];
  let t0: number;
  if (scenario === 'link') {
    nodes = [victim];
    await lab.fail(victim, 'link', 'private');
    await apart(others(nodes), 'private link down');
    t0 = monotonicMs();
    await lab.healAll();
  } else if (scenario === 'restart') {
    nodes = [victim];
    await labFail(lab.target, victim, 'stop');
    await apart(others(nodes), 'floatipd stopped');
    for (let waited = 0; (await lab.pid(victim)) !== undefined; waited += 20) {
      if (waited > settings.apartTimeoutMs) throw new Error(`node ${victim}'s floatipd did not exit after SIGTERM`);
      await sleep(20);
    }
    t0 = monotonicMs();
    await lab.healAll();
  } else if (scenario === 'heal') {
    nodes = [0, 1, 2, 3].slice(0, lab.nodes);
    await labPartition(lab.target, [[0, 1], [2, 3]]);
    // Either side may keep addresses (a tie-breaker) or drop them all: wait until nothing moves.
    const { at } = await pollUntil(async () => (monotonicMs() - lab.lastAddressChange < 2000 ? 'addresses still moving' : undefined), settings.apartTimeoutMs);
    if (at === undefined) throw new Error(`2|2 split: addresses kept moving for ${settings.apartTimeoutMs} ms`);
    t0 = monotonicMs();
    await lab.healAll();
  } else {
    const leaderHalf = trial % 2 === 0;
    nodes = leaderHalf ? [leader, followers[0]] : followers.slice(1, 3);
    const pids = await Promise.all(nodes.map((pnn) => lab.pid(pnn)));
    t0 = monotonicMs();
    for (const pid of pids) if (pid !== undefined) process.kill(pid, 'SIGTERM');
  }
  const ready = scenario === 'stop-half'
    ? await pollUntil(async () => hostedBy(lab, others(nodes)), settings.readyTimeoutMs)
    : await pollUntil(() => lab.unsettled(0), settings.readyTimeoutMs);
  const end = ready.at ?? monotonicMs();
  const duplicates = lab.overlaps(t0, end).map((o) => `${o.address} on nodes ${o.nodes.join('+')} at +${round(o.from - t0)} ms`);
  const lastChange = lab.lastAddressChange;
  const result: RejoinResult = {
    scenario, nodes,
    readyMs: ready.at === undefined ? null : round(ready.at - t0),
    hostingMs: ready.at === undefined ? null : round(Math.max(0, lastChange - t0)),
    unservedMs: scenario === 'stop-half' ? longestUnserved(lab, t0, end) : null,
    duplicates,
    incomplete: ready.at === undefined ? `not ready after ${settings.readyTimeoutMs} ms: ${ready.last}` : undefined,
    lastWhy: ready.last,
  };
  if (scenario === 'stop-half') await lab.healAll();
  else if (ready.at === undefined) await lab.healAll();
  await lab.settle(settings.settleTimeoutMs, settings.quietMs);
  lab.forgetBefore(monotonicMs());
  return result;
}
