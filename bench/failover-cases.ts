// One address set of a failover bench: every trial takes each fault mode and victim in turn on one lab, restarted when a trial fails.
//
// Trials of all cases are interleaved, so a busy moment of the machine spreads over every
// case instead of spoiling one. Used by bench:failover (floatipd per timing profile) and
// bench:peers (floatipd beside keepalived and ctdbd), so both judge the same way.

import { AddressSet, ComboResult, summarize } from './failover-stats';
import { FaultMode, runTrial, TrialResult, TrialSettings, VictimRole } from './failover-trial';
import { monotonicMs } from './failover-messages';
import { NodeLoopDelay, ProbedLab } from './probed-lab';

/** A lab's start: from `up` until the cluster settled, and each daemon's event-loop delay meanwhile. */
export interface LabStart {
  readonly case: string;
  readonly addresses: number;
  readonly up_to_settled_ms: number;
  /** Until the last public address appeared. */
  readonly up_to_served_ms: number | null;
  readonly loop_delay: readonly NodeLoopDelay[] | null;
}

/** A lab that fails this many times in one address set is given up (the JSON says so). */
export const MAX_LAB_RESTARTS = 3;

export interface CaseRun {
  /** The case's name in the results' `profile` field and in the progress lines. */
  readonly name: string;
  readonly set: AddressSet;
  readonly trials: number;
  readonly modes: readonly FaultMode[];
  readonly victims: readonly VictimRole[];
  readonly settings: TrialSettings;
  /** Starts a fresh lab (called again after a failed trial). */
  readonly up: () => Promise<ProbedLab>;
  /** Told of each lab up and of its end (undefined), so Ctrl-C can take the lab down. */
  readonly onLab: (lab: ProbedLab | undefined) => void;
  readonly log: (text: string) => void;
  /** Told of each lab start that settled, before its first trial (it may measure the lab at rest). @default nobody */
  readonly onStart?: (start: LabStart, lab: ProbedLab) => Promise<void> | void;
}

/** `node 0 p99 3.1 / max 12 ms, ...` for the progress lines. */
export function describeLoopDelays(delays: readonly NodeLoopDelay[] | undefined): string {
  if (delays === undefined) return 'not measured';
  return delays.map((d) => `node ${d.node} p99 ${d.p99_ms ?? '-'} / max ${d.max_ms ?? '-'} ms`).join(', ');
}

export async function runCases(run: CaseRun): Promise<ComboResult[]> {
  const { name, set, settings, log } = run;
  const cases = run.modes.flatMap((mode) => run.victims.map((victim) => ({ mode, victim })));
  const results = new Map(cases.map((c) => [`${c.mode}/${c.victim}`, [] as TrialResult[]]));
  const errors = new Map(cases.map((c) => [`${c.mode}/${c.victim}`, [] as string[]]));
  const summaries = (): ComboResult[] => cases.map((c) => summarize(c.mode, name, c.victim, set, results.get(`${c.mode}/${c.victim}`) ?? [], errors.get(`${c.mode}/${c.victim}`) ?? []));
  let lab: ProbedLab | undefined;
  let restarts = 0;
  try {
    for (let trial = 0; trial < run.trials; trial++) {
      for (const { mode, victim } of cases) {
        const key = `${mode}/${victim}`;
        try {
          if (lab === undefined) {
            log(`${name}/${set.name}: lab up (${set.ipv4} IPv4 + ${set.ipv6} IPv6 addresses)`);
            const upFrom = monotonicMs();
            lab = await run.up();
            run.onLab(lab);
            const settled = await lab.settle(settings.settleTimeoutMs * 2, settings.quietMs);
            const startDelays = lab.loopDelays(upFrom, monotonicMs());
            log(`${name}/${set.name}: settled after ${Math.round(settled)} ms (${Math.round(monotonicMs() - upFrom)} ms from lab up); loop delay: ${describeLoopDelays(startDelays)}`);
            const served = lab.lastAddressChange > upFrom ? Math.round(lab.lastAddressChange - upFrom) : null;
            await run.onStart?.({ case: name, addresses: set.ipv4 + set.ipv6, up_to_settled_ms: Math.round(monotonicMs() - upFrom), up_to_served_ms: served, loop_delay: startDelays ?? null }, lab);
          }
          const trialFrom = monotonicMs();
          const measured = await runTrial(lab, mode, victim, settings);
          const result = { ...measured, loopDelay: lab.loopDelays(trialFrom, monotonicMs()) };
          (results.get(key) as TrialResult[]).push(result);
          log(`${name}/${set.name} ${key} #${trial + 1} (node ${result.victim}, ${result.moved} moved): present ${result.presentMs} garp ${result.garpMs} `
            + `reach ${result.reachMs} (probe callback ${result.reachAppMs}) gone ${result.goneMs} ms; capture drops ${result.captureDrops}; duplicates ${result.duplicates.length}+${result.healDuplicates.length} (by probe stamps: ${result.stampOverlaps})`
            + `${result.incomplete ? `; INCOMPLETE ${result.incomplete}` : ''}; healed in ${result.healMs} ms, settled ${result.settleMs} ms later`
            + `; loop delay: ${describeLoopDelays(result.loopDelay)}`
            + [...result.duplicates, ...result.healDuplicates.map((d) => `during heal: ${d}`)].map((d) => `\n  duplicate: ${d}`).join(''));
        } catch (error) {
          const message = `trial ${trial + 1}: ${(error as Error).message}`;
          (errors.get(key) as string[]).push(message);
          log(`${name}/${set.name} ${key} failed: ${message}; restarting the lab`);
          await lab?.down();
          lab = undefined;
          run.onLab(undefined);
          if (++restarts > MAX_LAB_RESTARTS) {
            for (const list of errors.values()) list.push(`gave up on this lab after ${MAX_LAB_RESTARTS} restarts`);
            return summaries();
          }
        }
      }
    }
  } finally {
    await lab?.down();
    run.onLab(undefined);
  }
  return summaries();
}
