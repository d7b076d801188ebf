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
   * How long a finished run must stand before it counts: a run the leader planned just before it
   * heard this node become OK is followed by another at once, whose first order or heartbeat
   * arrives within a heartbeat interval and a round trip. Two heartbeat intervals.
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
    because: 'Runs before this node became OK placed nothing on it: its share comes with the first run after.',
    check: ({ okSinceEpoch, lastRun }) => (okSinceEpoch !== undefined && lastRun !== undefined && lastRun.epoch > okSinceEpoch ? undefined
      : `no takeover run has finished here since it became OK${lastRun ? ` (last: run ${lastRun.epoch})` : ''}`),
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
    because: 'A run planned just before the leader heard this node become OK is followed at once by another (see settleMs).',
    check: ({ lastRun, now, settleMs }) => (lastRun === undefined || now - lastRun.at >= settleMs ? undefined
      : `run ${lastRun.epoch} finished ${Math.round(now - lastRun.at)} ms ago; no newer run for ${settleMs} ms counts it final`),
  },
];

/** The first rule that holds, or ready. */
export function decideReadiness(inputs: ReadinessInputs): Readiness {
  for (const rule of READINESS_RULES) {
    const reason = rule.check(inputs);
    if (reason !== undefined) return { ready: false, rule: rule.name, reason };
  }
  const run = inputs.lastRun as FinishedRun;
  return { ready: true, rule: 'ready', reason: `OK, quorate, hosting what run ${run.epoch} gave it` };
}
