// Turns what the soak saw (timelines, actions, exits, client answers) into its one JSON report (pure).
//
// Unserved time is blamed on the last fault action made before the gap began (a kind,
// or `KIND/heal` for its undoing, since a node coming back also moves addresses), and
// nothing older than ATTRIBUTION_WINDOW_MS. A duplicate is "outside the safety model"
// when it begins while, or shortly after, a step that cut off more than a minority ran.

import { FaultKind, FaultStep } from './schedule';
import { Gap, Overlap, percentile } from './timeline';
import type { ActionRecord } from './injector';
import type { DaemonExit } from './exit-watch';
import type { DuplicateAnswer, ProbeTotals } from './arp-watch';
import { judgeOperation, OperationRecord, OperationVerdict } from './operation-judge';

/** A gap that began longer than this after the last action is blamed on no fault ('none'). */
export const ATTRIBUTION_WINDOW_MS = 10_000;
/** How long after an outside-the-model step ends its effects (a fenced node coming back) may last. */
const OUTSIDE_TAIL_MS = 3000;

export interface SoakInputs {
  readonly seed: number;
  readonly nodes: number;
  readonly minutes: number;
  readonly profile: string;
  readonly addresses: readonly string[];
  readonly sampleMs: number;
  readonly probeMs: number;
  readonly maxFaulty: number;
  readonly command: string;
  readonly schedule: readonly FaultStep[];
  readonly describe: (step: FaultStep) => string;
  /** When faults began and when the final check ended. */
  readonly start: number;
  readonly end: number;
  readonly actions: readonly ActionRecord[];
  readonly overlaps: readonly Overlap[];
  readonly gaps: readonly Gap[];
  readonly exits: readonly DaemonExit[];
  readonly duplicateAnswers: readonly DuplicateAnswer[];
  readonly probeTotals: ProbeTotals | undefined;
  readonly settledMs: number | null;
  readonly problems: readonly string[];
  readonly logs: string;
  /** What the injector saw of each cluster operation (none in a soak without them). */
  readonly operations?: readonly OperationRecord[];
}

export interface UnservedFigures {
  readonly count: number;
  readonly p50_ms: number;
  readonly p99_ms: number;
  readonly max_ms: number;
}

export interface SoakReport {
  readonly seed: number;
  readonly command: string;
  readonly nodes: number;
  readonly minutes: number;
  readonly profile: string;
  readonly addresses: number;
  readonly sample_ms: number;
  readonly probe_ms: number;
  readonly max_faulty: number;
  readonly duration_s: number;
  readonly steps: number;
  readonly faults: Partial<Record<FaultKind, number>>;
  readonly outside_safety_model: readonly string[];
  /** Stretches where an address was seen on two nodes at once, inside the safety model: must be 0. */
  readonly duplicates: number;
  readonly duplicates_outside_safety_model: number;
  /**
   * How long the duplicates outside the model lasted, by the fault they are blamed on (a cgroup
   * kill with the guardian, a hand-added address: duplicates by construction, bounded by
   * detection and the heal).
   */
  readonly duplicates_outside_by_fault: Record<string, UnservedFigures>;
  readonly duplicate_details: readonly object[];
  /** Probe rounds in which two MACs answered the client for one address (inside the safety model). */
  readonly duplicate_macs: number;
  readonly duplicate_macs_outside_safety_model: number;
  readonly duplicate_mac_details: readonly object[];
  readonly max_unserved_ms: Record<string, number>;
  readonly p99_unserved_ms: Record<string, number>;
  readonly unserved: Record<string, UnservedFigures>;
  /** The longest stretches an address was on no node, with the fault they are blamed on. */
  readonly longest_unserved: readonly object[];
  /**
   * Unserved stretches that overlap no step outside the safety model (from its inject to its
   * heal + the tail), all kinds together: what the availability promise is judged on
   * (docs/reliability.md: dead_after plus one run while an eligible node exists).
   */
  readonly unserved_inside_model: UnservedFigures | null;
  readonly longest_unserved_inside_model: readonly object[];
  /** Daemon exits nobody injected: must be 0. */
  readonly crashes: number;
  readonly crash_details: readonly object[];
  readonly injected_exits: number;
  readonly fenced_exits_after_freeze: number;
  /** Daemons that ended themselves because their event loop stood still while they held addresses (the designed fence; restarted like a crash). */
  readonly stall_exits: number;
  readonly stall_exit_details: readonly object[];
  readonly actions: { readonly done: number; readonly refused: number; readonly failed: number };
  readonly failed_actions: readonly object[];
  /** Every action as it was made: seconds after the start, step, kind, phase, outcome, note. */
  readonly action_log: readonly string[];
  readonly final: { readonly settled_ms: number | null; readonly unserved_at_end: readonly string[] };
  readonly probe: ProbeTotals | null;
  readonly problems: readonly string[];
  readonly logs: string;
  /** Each cluster operation judged by its own promise (operation-judge.ts), in schedule order. */
  readonly operations: readonly (OperationVerdict & { readonly at_s: number; readonly what: string })[];
  /** Every promise an operation broke: must be empty. */
  readonly operation_failures: readonly string[];
}

const round = (ms: number): number => Math.round(ms * 10) / 10;

/** The key a gap is blamed on: the last action before it, within the window. */
export function blame(actions: readonly ActionRecord[], at: number): string {
  let last: ActionRecord | undefined;
  for (const action of actions) if (action.t <= at && (last === undefined || action.t >= last.t)) last = action;
  if (last === undefined || at - last.t > ATTRIBUTION_WINDOW_MS) return 'none';
  return last.phase === 'heal' ? `${last.kind}/heal` : last.kind;
}

/**
 * Whether `t` falls while (or just after) more than a minority was cut off: from an
 * inject the injector marked so, to its step's heal (or the end, if never healed).
 */
export function outsideModelAt(actions: readonly ActionRecord[], t: number): boolean {
  return actions.some((a) => {
    if (a.phase !== 'inject' || !a.outsideSafetyModel || t < a.t) return false;
    const heal = actions.find((h) => h.phase === 'heal' && h.step === a.step);
    return heal === undefined || t <= heal.t + OUTSIDE_TAIL_MS;
  });
}

/**
 * Whether a client's two-MAC round belongs outside the safety model: it fell in such a time,
 * or it saw a kernel duplicate (a sampled overlap of its address, give or take one probe
 * round) that began in one. A duplicate an outside step made can outlast that step's tail (a
 * kill of daemon and guardian together leaves the addresses until the node's restart clears
 * them, 4.6 s under load); its late rounds were counted inside and failed the soak.
 */
export function answerOutsideModel(
  answer: DuplicateAnswer, actions: readonly ActionRecord[], outsideOverlaps: readonly Overlap[], roundMs: number,
): boolean {
  if (outsideModelAt(actions, answer.t)) return true;
  return outsideOverlaps.some((o) => o.address === answer.address && answer.t + roundMs >= o.from && answer.t - roundMs <= o.to);
}

/** Whether the stretch [from, to] touches a time outside the safety model (see outsideModelAt). */
export function outsideModelDuring(actions: readonly ActionRecord[], from: number, to: number): boolean {
  if (outsideModelAt(actions, from)) return true;
  return actions.some((a) => a.phase === 'inject' && a.outsideSafetyModel && a.t >= from && a.t <= to);
}

function activeSteps(schedule: readonly FaultStep[], start: number, t: number): number[] {
  return schedule.filter((s) => t >= start + s.at && t <= start + s.at + s.durationMs).map((s) => s.index);
}

export function buildReport(inputs: SoakInputs): SoakReport {
  const { schedule, start } = inputs;
  const faults: Partial<Record<FaultKind, number>> = {};
  for (const step of schedule) faults[step.kind] = (faults[step.kind] ?? 0) + 1;

  const [outsideOverlaps, insideOverlaps] = partition(inputs.overlaps, (o) => outsideModelAt(inputs.actions, o.from));
  const [outsideAnswers, insideAnswers] = partition(inputs.duplicateAnswers, (d) => answerOutsideModel(d, inputs.actions, outsideOverlaps, inputs.probeMs));

  // A gap still open at the end is a final-check failure, not a figure of some fault.
  const closed = inputs.gaps.filter((g) => g.to < inputs.end);
  const byKey = groupBy(closed, (gap) => blame(inputs.actions, gap.from), (gap) => gap.to - gap.from);
  const unserved: Record<string, UnservedFigures> = {};
  const maxUnserved: Record<string, number> = {};
  const p99Unserved: Record<string, number> = {};
  for (const [key, values] of byKey) {
    unserved[key] = figures(values);
    maxUnserved[key] = unserved[key].max_ms;
    p99Unserved[key] = unserved[key].p99_ms;
  }

  const insideGaps = closed.filter((g) => !outsideModelDuring(inputs.actions, g.from, g.to));

  const outsideByFault: Record<string, UnservedFigures> = {};
  for (const [key, values] of groupBy(outsideOverlaps, (o) => blame(inputs.actions, o.from), (o) => o.to - o.from)) {
    outsideByFault[key] = figures(values);
  }

  const crashes = inputs.exits.filter((e) => e.kind === 'crash');
  const stallExits = inputs.exits.filter((e) => e.kind === 'stall-exit');
  const at = (t: number): number => round((t - start) / 1000);
  const verdicts = [...(inputs.operations ?? [])].sort((a, b) => a.step - b.step).map((record) => ({
    // Duplicates another step makes outside the model (a hand-added address) are not the operation's.
    ...judgeOperation(record, inputs.gaps, inputs.overlaps.filter((o) => !outsideModelAt(inputs.actions.filter((a) => a.step !== record.step), o.from)), inputs.addresses),
    at_s: at(record.from),
    what: inputs.describe(schedule[record.step]),
  }));
  return {
    seed: inputs.seed,
    command: inputs.command,
    nodes: inputs.nodes,
    minutes: inputs.minutes,
    profile: inputs.profile,
    addresses: inputs.addresses.length,
    sample_ms: inputs.sampleMs,
    probe_ms: inputs.probeMs,
    max_faulty: inputs.maxFaulty,
    duration_s: round((inputs.end - start) / 1000),
    steps: schedule.length,
    faults,
    outside_safety_model: schedule.filter((s) => s.outsideSafetyModel || inputs.actions.some((a) => a.step === s.index && a.outsideSafetyModel))
      .map(inputs.describe),
    duplicates: insideOverlaps.length,
    duplicates_outside_safety_model: outsideOverlaps.length,
    duplicates_outside_by_fault: outsideByFault,
    // Every duplicate inside the model (each is a bug to chase), and the first few outside it.
    duplicate_details: [...insideOverlaps.slice(0, 100), ...outsideOverlaps.slice(0, 10)].sort((a, b) => a.from - b.from).map((o) => ({
      address: o.address, nodes: o.nodes, at_s: at(o.from), ms: round(o.to - o.from),
      steps: activeSteps(schedule, start, o.from), blamed_on: blame(inputs.actions, o.from), outside_safety_model: outsideOverlaps.includes(o),
    })),
    duplicate_macs: insideAnswers.length,
    duplicate_macs_outside_safety_model: outsideAnswers.length,
    duplicate_mac_details: [...insideAnswers.slice(0, 100), ...outsideAnswers.slice(0, 10)].sort((a, b) => a.t - b.t)
      .map((d) => ({ address: d.address, macs: d.macs, at_s: at(d.t), steps: activeSteps(schedule, start, d.t), outside_safety_model: outsideAnswers.includes(d) })),
    max_unserved_ms: maxUnserved,
    p99_unserved_ms: p99Unserved,
    unserved,
    longest_unserved: [...closed].sort((a, b) => (b.to - b.from) - (a.to - a.from)).slice(0, 10).map((g) => ({
      address: g.address, at_s: at(g.from), ms: round(g.to - g.from), blamed_on: blame(inputs.actions, g.from), steps: activeSteps(schedule, start, g.from),
    })),
    unserved_inside_model: insideGaps.length === 0 ? null : figures(insideGaps.map((g) => g.to - g.from)),
    longest_unserved_inside_model: [...insideGaps].sort((a, b) => (b.to - b.from) - (a.to - a.from)).slice(0, 10).map((g) => ({
      address: g.address, at_s: at(g.from), ms: round(g.to - g.from), blamed_on: blame(inputs.actions, g.from), steps: activeSteps(schedule, start, g.from),
    })),
    crashes: crashes.length,
    crash_details: crashes.map((c) => ({ node: c.node, pid: c.pid, at_s: at(c.t), log_tail: c.logTail })),
    injected_exits: inputs.exits.filter((e) => e.kind === 'injected').length,
    fenced_exits_after_freeze: inputs.exits.filter((e) => e.kind === 'fenced-after-freeze').length,
    stall_exits: stallExits.length,
    stall_exit_details: stallExits.map((e) => ({ node: e.node, pid: e.pid, at_s: at(e.t), log_line: e.logTail?.split('\n').find((l) => l.includes('stood still')) ?? '' })),
    actions: {
      done: inputs.actions.filter((a) => a.outcome === 'done').length,
      refused: inputs.actions.filter((a) => a.outcome === 'refused').length,
      failed: inputs.actions.filter((a) => a.outcome === 'failed').length,
    },
    failed_actions: inputs.actions.filter((a) => a.outcome === 'failed').map((a) => ({ step: a.step, kind: a.kind, phase: a.phase, at_s: at(a.t), note: a.note })),
    action_log: [...inputs.actions].sort((a, b) => a.t - b.t).map((a) => `${at(a.t).toFixed(1)} s #${a.step} ${a.kind} ${a.phase} ${a.outcome}`
      + `${a.outsideSafetyModel ? ' [outside the safety model]' : ''}${a.note ? `: ${a.note}` : ''}`),
    final: {
      settled_ms: inputs.settledMs === null ? null : Math.round(inputs.settledMs),
      unserved_at_end: inputs.gaps.filter((g) => g.to >= inputs.end).map((g) => g.address),
    },
    probe: inputs.probeTotals ?? null,
    problems: inputs.problems,
    logs: inputs.logs,
    operations: verdicts,
    operation_failures: verdicts.flatMap((v) => v.failures.map((f) => `#${v.step} ${v.kind}: ${f}`)),
  };
}

function figures(values: readonly number[]): UnservedFigures {
  return { count: values.length, p50_ms: round(percentile(values, 0.5)), p99_ms: round(percentile(values, 0.99)), max_ms: round(Math.max(...values)) };
}

/** key -> the values of the items with that key, keys in order. */
function groupBy<T>(items: readonly T[], key: (item: T) => string, value: (item: T) => number): [string, number[]][] {
  const groups = new Map<string, number[]>();
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), value(item)]);
  return [...groups].sort(([a], [b]) => a.localeCompare(b));
}

function partition<T>(items: readonly T[], test: (item: T) => boolean): [T[], T[]] {
  const yes: T[] = [];
  const no: T[] = [];
  for (const item of items) (test(item) ? yes : no).push(item);
  return [yes, no];
}
