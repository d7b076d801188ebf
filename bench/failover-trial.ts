// One failover trial of the bench: pick the victim, prime the client, make the fault, time the move, heal, settle.
//
// Times are measured from the fault: for kill and freeze the instant the signal is sent,
// for link the instant the victim's namespace saw its carrier go (the first of its two
// links; the lab's `fail --mode link` takes the switch ports down). For each address the
// victim held: `present` = first netlink notification of it on a survivor, `garp` = first
// announcement of it from a survivor's MAC captured in the client namespace, `reach` =
// first TCP connection to it that a survivor's listener accepted (the client kernel's stamp
// of the SYN-ACK; `reachApp` is when the probe's callback ran), `gone` = its removal
// from the victim. A trial's figure is the slowest of its addresses (all moved, all
// reachable). Duplicates are counted from arming the client to the end of the trial, and
// separately during the heal and failback.

import { NodeLoopDelay, ProbedLab } from './probed-lab';
import { ClientProbeLine, monotonicMs } from './failover-messages';

export const FAULT_MODES = ['kill', 'link', 'freeze'] as const;
export type FaultMode = (typeof FAULT_MODES)[number];
export const VICTIM_ROLES = ['leader', 'follower'] as const;
export type VictimRole = (typeof VICTIM_ROLES)[number];

export interface TrialSettings {
  /** Give up on a move after this long (the trial then counts as incomplete). */
  readonly moveTimeoutMs: number;
  /** Keep watching for duplicates this long after the last address became reachable. */
  readonly tailMs: number;
  readonly arpIntervalMs: number;
  readonly settleTimeoutMs: number;
  readonly quietMs: number;
}

export interface TrialResult {
  readonly mode: FaultMode;
  readonly role: VictimRole;
  readonly victim: number;
  readonly moved: number;
  readonly presentMs: number | null;
  readonly garpMs: number | null;
  readonly reachMs: number | null;
  /** As reachMs, but when the client probe's connect callback ran: the probe's own lag shows as the difference. */
  readonly reachAppMs: number | null;
  readonly goneMs: number | null;
  /** Frames the client's capture dropped (full receive buffer) during the trial. */
  readonly captureDrops: number;
  /** Overlaps of one address on two nodes plus ARP rounds answered by two MACs, fault window. */
  readonly duplicates: readonly string[];
  readonly healDuplicates: readonly string[];
  /** Overlaps by the node probes' stamps alone (fault and heal): only for comparison, never a duplicate by itself. */
  readonly stampOverlaps: number;
  /** What was missing when the move timed out. */
  readonly incomplete: string | undefined;
  /** From the heal's start until every daemon answered again. */
  readonly healMs: number;
  readonly settleMs: number;
  /** Each node daemon's event-loop delay from the fault until settled after the heal (runCases adds it). */
  readonly loopDelay?: readonly NodeLoopDelay[];
}

type Report = Extract<ClientProbeLine, { e: 'report' }>;

/** The slowest address's time after `t0`, or null when one of them never got there. */
function slowest(addresses: readonly string[], times: ReadonlyMap<string, number>, t0: number): number | null {
  let worst = -Infinity;
  for (const address of addresses) {
    const t = times.get(address);
    if (t === undefined) return null;
    worst = Math.max(worst, t - t0);
  }
  return round(worst);
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function describeOverlaps(lab: ProbedLab, from: number, to: number, t0: number): string[] {
  return lab.overlaps(from, to).map((o) => `${o.address} on nodes ${o.nodes.join('+')} at +${round(o.from - t0)} ms for ${o.to === Infinity ? 'ever' : `${round(o.to - o.from)} ms`}`);
}

export async function runTrial(lab: ProbedLab, mode: FaultMode, role: VictimRole, settings: TrialSettings): Promise<TrialResult> {
  const leader = await lab.leader();
  const victim = role === 'leader' ? leader : Math.max(...lab.plan.nodes.map((n) => n.pnn).filter((pnn) => pnn !== leader));
  const addresses = lab.holdings()[victim];
  const watched = new Set(addresses);

  // A client that just talked to every address, so its neighbour table points at the victim as a busy client's would.
  lab.sendClient({ cmd: 'prime', addresses });
  const primed = await lab.waitClient('primed', 60_000);
  const wrong = addresses.filter((a) => primed.holders[a] !== victim);
  if (wrong.length > 0) throw new Error(`before the fault, ${wrong.length} of node ${victim}'s addresses did not answer from it (e.g. ${wrong[0]}: ${primed.holders[wrong[0]]})`);

  const present = new Map<string, number>();
  const gone = new Map<string, number>();
  const announced = new Map<string, number>();
  const reached = new Map<string, number>();
  const reachedApp = new Map<string, number>();
  let carrierLost: number | undefined;
  let finished: (() => void) | undefined;
  const allDone = (): boolean => [present, announced, reached].every((m) => m.size === addresses.length);
  lab.onNodeEvent = (event) => {
    if (event.e === 'add' && event.node !== victim && watched.has(event.address) && !present.has(event.address)) {
      present.set(event.address, event.t);
      lab.sendClient({ cmd: 'present', address: event.address });
    } else if (event.e === 'del' && event.node === victim && watched.has(event.address)) {
      gone.set(event.address, event.t);
    } else if (event.e === 'link' && event.node === victim && event.state === 'down') {
      carrierLost ??= event.t;
    }
    if (allDone()) finished?.();
  };
  lab.onClientLine = (line) => {
    if (line.e === 'announced' && !announced.has(line.address)) announced.set(line.address, line.t);
    if (line.e === 'reached' && !reached.has(line.address)) {
      reached.set(line.address, line.t);
      reachedApp.set(line.address, line.app);
    }
    if (allDone()) finished?.();
  };
  const done = new Promise<void>((resolve) => { finished = resolve; });

  lab.sendClient({ cmd: 'arm', victim, addresses, macs: lab.macs, arpIntervalMs: settings.arpIntervalMs });
  const armedAt = (await lab.waitClient('armed', 10_000)).t;

  let t0: number;
  if (mode === 'link') {
    const called = monotonicMs();
    await lab.fail(victim, 'link');
    for (let waited = 0; carrierLost === undefined && waited < 500; waited += 5) await sleep(5);
    t0 = carrierLost ?? called;
  } else {
    const pids = await lab.pids(victim);
    if (pids.length === 0) throw new Error(`node ${victim} has no running daemon to ${mode}`);
    t0 = monotonicMs();
    for (const pid of pids) process.kill(pid, mode === 'kill' ? 'SIGKILL' : 'SIGSTOP');
  }

  const timedOut = await Promise.race([done.then(() => false), sleep(settings.moveTimeoutMs).then(() => true)]);
  await sleep(settings.tailMs);
  lab.sendClient({ cmd: 'disarm' });
  const report: Report = await lab.waitClient('report', 10_000);
  const ended = monotonicMs();
  lab.onNodeEvent = undefined;
  lab.onClientLine = undefined;

  const missing = [['present', present], ['announced', announced], ['reached', reached]]
    .map(([what, m]) => [what, addresses.length - (m as Map<string, number>).size] as const)
    .filter(([, n]) => n > 0).map(([what, n]) => `${n} not ${what}`);
  const duplicates = [
    ...describeOverlaps(lab, armedAt, ended, t0),
    ...report.arpDuplicates.map((d) => `${d.address} answered ARP from ${d.macs.join(' and ')} at +${round(d.t - t0)} ms`),
  ];

  const healFrom = monotonicMs();
  await lab.heal(victim, mode === 'freeze');
  const healMs = monotonicMs() - healFrom;
  const settleMs = await lab.settle(settings.settleTimeoutMs, settings.quietMs);
  const healDuplicates = describeOverlaps(lab, healFrom, monotonicMs(), t0).filter((line) => !duplicates.includes(line));
  const stampOverlaps = lab.stampOverlaps(armedAt, monotonicMs()).length;
  lab.forgetBefore(monotonicMs());

  return {
    mode, role, victim, moved: addresses.length,
    presentMs: slowest(addresses, present, t0),
    garpMs: slowest(addresses, announced, t0),
    reachMs: slowest(addresses, reached, t0),
    reachAppMs: slowest(addresses, reachedApp, t0),
    goneMs: slowest(addresses, gone, t0),
    captureDrops: report.captureDrops,
    duplicates,
    healDuplicates,
    stampOverlaps,
    incomplete: timedOut ? `after ${settings.moveTimeoutMs} ms: ${missing.join(', ')}` : undefined,
    healMs: Math.round(healMs),
    settleMs: Math.round(settleMs),
  };
}
