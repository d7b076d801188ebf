// Is this partition quorate, and by which rule: the rules as a table, first row that answers decides.
//
// Pure: the caller hands in the partition's members, the expected voters (core/votes.ts) and
// the lock holder, and gets one answer with the rule that gave it. Both halves of a split
// evaluate the same rows on the same voters, so they decide alike without talking.
// docs/reliability.md gives the safety argument of each row.

import { Pnn } from './flags';

export type QuorumRuleName = 'lock' | 'wait-for-all' | 'majority' | 'last-man-standing' | 'tie-breaker' | 'minority';

export interface QuorumInputs {
  /** The local partition, ascending. */
  readonly members: readonly Pnn[];
  /** Every configured (non-deleted) node, ascending. */
  readonly configured: readonly Pnn[];
  /** Who the cluster expects to vote now (core/votes.ts expectedVoters), ascending. */
  readonly voters: readonly Pnn[];
  /** Voters last man standing dropped (a majority of the rest is then that rule's doing). */
  readonly dropped: readonly Pnn[];
  /** False until wait_for_all is met (core/votes.ts). */
  readonly joined: boolean;
  /** `lock` mode: who holds the cluster lock (NO_NODE = nobody we know of); undefined in majority mode. */
  readonly lockHolder: Pnn | undefined;
  /** The tie order (VoteSettings.tieBreaker): `none`, or nodes tried first, before the rest ascending. */
  readonly tieBreaker: 'none' | readonly Pnn[];
}

export interface QuorumAnswer {
  readonly quorate: boolean;
  readonly rule: QuorumRuleName;
  /** For `floatip status`: why, in a few words. */
  readonly reason: string;
}

export interface QuorumRow {
  readonly name: QuorumRuleName;
  /** Why the rule exists. */
  readonly because: string;
  readonly check: (inputs: QuorumInputs) => QuorumAnswer | undefined;
}

/** Expected voters present in the partition. */
export function votesPresent(inputs: Pick<QuorumInputs, 'members' | 'voters'>): number {
  return inputs.members.filter((pnn) => inputs.voters.includes(pnn)).length;
}

/** The voter whose half keeps quorum at a tie: the first voter in the tie order, else the lowest voter. */
export function tieWinner(voters: readonly Pnn[], tieBreaker: 'none' | readonly Pnn[]): Pnn | undefined {
  if (tieBreaker === 'none') return undefined;
  return tieBreaker.find((pnn) => voters.includes(pnn)) ?? voters[0];
}

const counted = (inputs: QuorumInputs): string => `${votesPresent(inputs)} of ${inputs.voters.length} expected votes`;

export const QUORUM_ROWS: readonly QuorumRow[] = [
  {
    name: 'lock',
    because: 'The cluster lock is exclusive: only the side of its holder may serve, whatever its size (two-node '
      + 'clusters, or by choice). Votes do not count at all in lock mode.',
    check: (inputs) => {
      if (inputs.lockHolder === undefined) return undefined;
      const quorate = inputs.members.includes(inputs.lockHolder);
      return { quorate, rule: 'lock', reason: quorate ? `node ${inputs.lockHolder} holds the cluster lock` : 'the cluster lock is not held in this partition' };
    },
  },
  {
    name: 'wait-for-all',
    because: 'A daemon that just started does not know which nodes left or were dropped while it was away: counting '
      + 'every configured node could make a half that booted apart quorate next to the running cluster.',
    check: (inputs) => {
      if (inputs.joined) return undefined;
      const missing = inputs.configured.filter((pnn) => !inputs.members.includes(pnn));
      return { quorate: false, rule: 'wait-for-all', reason: `waiting for all nodes after start: node${missing.length === 1 ? '' : 's'} ${missing.join(',')} not seen yet` };
    },
  },
  {
    name: 'last-man-standing',
    because: 'After failures, a partition quorate for last_man_standing_window counts only its own members: a cluster '
      + 'degrades one failure at a time. Only a quorate partition drops voters, so the other side never gains by it.',
    check: (inputs) => (inputs.dropped.length > 0 && 2 * votesPresent(inputs) > inputs.voters.length
      ? { quorate: true, rule: 'last-man-standing', reason: `${counted(inputs)} (node${inputs.dropped.length === 1 ? '' : 's'} ${inputs.dropped.join(',')} dropped)` }
      : undefined),
  },
  {
    name: 'majority',
    because: 'Two disjoint partitions cannot both hold more than half of the same voters.',
    check: (inputs) => (2 * votesPresent(inputs) > inputs.voters.length
      ? { quorate: true, rule: 'majority', reason: counted(inputs) } : undefined),
  },
  {
    name: 'tie-breaker',
    because: 'At exactly half, the half holding the tie winner (the first voter in tie_breaker order) keeps quorum and '
      + 'the other fences: both halves know the same voters and order, so they decide alike without talking.',
    check: (inputs) => {
      const winner = tieWinner(inputs.voters, inputs.tieBreaker);
      if (inputs.voters.length === 0 || 2 * votesPresent(inputs) !== inputs.voters.length || winner === undefined) return undefined;
      const quorate = inputs.members.includes(winner);
      return { quorate, rule: 'tie-breaker', reason: `${counted(inputs)}, tie winner node ${winner} ${quorate ? 'is here' : 'is on the other half'}` };
    },
  },
  {
    name: 'minority',
    because: 'Fewer than half of the expected votes: another partition may be quorate.',
    check: (inputs) => ({ quorate: false, rule: 'minority', reason: counted(inputs) }),
  },
];

/** The answer of the first row that answers (the last row always does). */
export function decideQuorum(inputs: QuorumInputs): QuorumAnswer {
  for (const row of QUORUM_ROWS) {
    const answer = row.check(inputs);
    if (answer !== undefined) return answer;
  }
  throw new Error('unreachable: the minority row always answers');
}
