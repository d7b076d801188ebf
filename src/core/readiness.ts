// Is this node ready to be counted on (`floatip wait-ok`): OK, quorate, and hosting what the last run gave it; the rules as a table.
//
// Pure: the runtime (daemon/runtime/readiness.ts) hands in what it knows and `now`.
// READINESS_RULES is checked in order; the first row that answers says why the node is
// not ready yet. A rolling restart stops the next node only once this says ready, so a
// row here is a reason the cluster would lose service if the next node went now.

import { formatFlags, NodeFlags, Pnn } from './flags';

/** The last takeover run this node finished (its IPREALLOCATED order). */
export interface FinishedRun {
  readonly epoch: number;
  /** Clock reading when its IPREALLOCATED finished here. */
  readonly at: number;
  /** Addresses of that run's TAKE order that this node failed to take. */
  readonly failedTakes: number;
  /**
   * Whether the run's allocation counted this node as able to host (its RUN-COUNTED message);
   * undefined when the leader sent none (an older release).
   */
  readonly counted: boolean | undefined;
}

export interface ReadinessInputs {
  readonly now: number;
  /** This node's flags in its own view. */
  readonly flags: NodeFlags;
  readonly quorate: boolean;
  readonly partition: readonly Pnn[];
  readonly leader: Pnn;
  /** The highest epoch this node knew when it last became OK and quorate; undefined while it is not. */
  readonly okSinceEpoch: number | undefined;
  readonly lastRun: FinishedRun | undefined;
  /** The epoch the leader last announced (heartbeat or order). */
  readonly leaderEpoch: number;
  /**
   * How long a finished run must stand before it counts: a run the leader planned before it heard
   * this node change is followed by another at once, whose first order or heartbeat arrives within
   * a heartbeat interval and a round trip. Two heartbeat intervals.
   */
  readonly settleMs: number;
}

export type ReadinessRuleName = 'flags' | 'quorum' | 'leader' | 'run' | 'newer-run' | 'takes' | 'settle';

export type Readiness =
  | { readonly ready: true; readonly rule: 'ready'; readonly reason: string }
  | { readonly ready: false; readonly rule: ReadinessRuleName; readonly reason: string };

export interface ReadinessRule {
  readonly name: ReadinessRuleName;
  /** Why the rule exists. */
  readonly because: string;
  /** Completes "not ready: …" when the rule holds, else undefined. */
  readonly check: (inputs: ReadinessInputs) => string | undefined;
}

export const READINESS_RULES: readonly ReadinessRule[] = [
  {
    name: 'flags',
    because: 'A node with a flag (UNHEALTHY, DISABLED, STOPPED, BANNED, DISCONNECTED) hosts nothing.',
    check: ({ flags }) => (flags === 0 ? undefined : `this node is ${formatFlags(flags)}`),
  },
  {
    name: 'quorum',
    because: 'A node outside the quorate partition releases every address (the fence).',
    check: ({ quorate, partition }) => (quorate ? undefined : `its partition (node${partition.length === 1 ? '' : 's'} ${partition.join(',')}) has no quorum`),
  },
  {
    name: 'leader',
    because: 'Without a leader no run gives this node its share.',
    check: ({ leader }) => (leader >= 0 ? undefined : 'it follows no leader yet'),
  },
  {
    name: 'run',
    because: 'A run that did not count this node as able to host placed nothing on it: its share comes with a run that does. Each run says '
      + 'whether it counted the node; from a leader that does not say (an older release), only a run of a later epoch than the node knew when it became OK.',
    check: ({ okSinceEpoch, lastRun }) => {
      if (lastRun?.counted === false) {
        return `run ${lastRun.epoch} did not count this node as able to host (its snapshot had this node flagged or without its address list): its share comes with a run that does`;
      }
      return okSinceEpoch !== undefined && lastRun !== undefined && sinceOk(lastRun, okSinceEpoch) ? undefined
        : `no takeover run has finished here since it became OK${lastRun ? ` (last: run ${lastRun.epoch})` : ''}`;
    },
  },
  {
    name: 'newer-run',
    because: 'The leader started a newer run, which may still move addresses onto or off this node.',
    check: ({ lastRun, leaderEpoch }) => (lastRun === undefined || leaderEpoch <= lastRun.epoch ? undefined : `takeover run ${leaderEpoch} is under way`),
  },
  {
    name: 'takes',
    because: 'An address of the last run this node failed to take is not served by it; the leader plans it again.',
    check: ({ lastRun }) => (lastRun === undefined || lastRun.failedTakes === 0 ? undefined
      : `${lastRun.failedTakes} address${lastRun.failedTakes === 1 ? '' : 'es'} of run ${lastRun.epoch} failed to take here`),
  },
  {
    name: 'settle',
    because: 'A run is followed at once by another when the view changed after its snapshot (this node flapped meanwhile; or, from a leader '
      + 'that does not say whether it counted this node, it turned OK just after): that one arrives within settleMs.',
    check: ({ lastRun, now, settleMs }) => (lastRun === undefined || now - lastRun.at >= settleMs ? undefined
      : `run ${lastRun.epoch} finished ${Math.round(now - lastRun.at)} ms ago; no newer run for ${settleMs} ms counts it final`),
  },
];

/**
 * Whether `run` came after the node became OK. The epoch it knew then may be the run's own: the
 * leader announces a run's epoch before it reads the view it plans from (and again after the
 * confirm round trip), so a node can turn OK in between and be counted. A run that says it
 * counted the node is enough; one that does not say must be a later epoch.
 */
function sinceOk(run: FinishedRun, okSinceEpoch: number): boolean {
  return run.counted === true ? run.epoch >= okSinceEpoch : run.epoch > okSinceEpoch;
}

/** The first rule that holds, or ready. */
export function decideReadiness(inputs: ReadinessInputs): Readiness {
  for (const rule of READINESS_RULES) {
    const reason = rule.check(inputs);
    if (reason !== undefined) return { ready: false, rule: rule.name, reason };
  }
  const run = inputs.lastRun as FinishedRun;
  return { ready: true, rule: 'ready', reason: `OK, quorate, hosting what run ${run.epoch} gave it` };
}
