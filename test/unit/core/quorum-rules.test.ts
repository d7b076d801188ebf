// Quorum rows (lock, wait for all, last man standing, majority, tie-breaker): one line per case, and the split invariant.

import { NO_NODE, Pnn } from '../../../src/core/flags';
import { decideQuorum, QuorumInputs, QuorumRuleName, tieWinner } from '../../../src/core/quorum-rules';

const nums = (text: string): Pnn[] => (text === '-' ? [] : text.split(',').map(Number));

/**
 * `members | voters | dropped | flags`: flags are `wait` (not joined), `lock=P` (lock mode, holder P),
 * `tie=none` or `tie=3,2` (tie order); configured nodes are 0..5 unless `n=K`.
 */
function inputsOf(row: string): QuorumInputs {
  const [members, voters, dropped, flags = ''] = row.split('|').map((s) => s.trim());
  const flag = (name: string): string | undefined => flags.split(/\s+/).find((f) => f.startsWith(`${name}=`) || f === name)?.split('=')[1] ?? (flags.split(/\s+/).includes(name) ? '' : undefined);
  const lock = flag('lock');
  const tie = flag('tie');
  const count = Number(flag('n') ?? 6);
  return {
    members: nums(members), voters: nums(voters), dropped: nums(dropped),
    configured: [...Array(count).keys()],
    joined: flag('wait') === undefined,
    lockHolder: lock === undefined ? undefined : Number(lock),
    tieBreaker: tie === undefined ? [] : tie === 'none' ? 'none' : nums(tie),
  };
}

describe('decideQuorum', () => {
  it.each<[string, string, boolean, QuorumRuleName]>([
    // members | voters | dropped | flags
    ['all six', '0,1,2,3,4,5 | 0,1,2,3,4,5 | -', true, 'majority'],
    ['4 of 6', '0,1,2,3 | 0,1,2,3,4,5 | -', true, 'majority'],
    ['2 of 6', '4,5 | 0,1,2,3,4,5 | -', false, 'minority'],
    // Graceful leave: 2 and 3 of 4 left, the two remaining hold both expected votes.
    ['4 nodes, 2 left: the rest', '0,1 | 0,1 | - | n=4', true, 'majority'],
    ['4 nodes, 0 and 1 left: the rest', '2,3 | 2,3 | - | n=4', true, 'majority'],
    ['4 nodes, 3 left, then 2 crashed: tie, 0 wins', '0,1 | 0,1,2 | - | n=4', true, 'majority'],
    ['a left node back in the partition does not vote until readmitted', '0,3 | 0,1,2 | - | n=4', false, 'minority'],
    // Tie-breaker: exactly half.
    ['2|2, half with node 0', '0,1 | 0,1,2,3 | - | n=4', true, 'tie-breaker'],
    ['2|2, other half', '2,3 | 0,1,2,3 | - | n=4', false, 'tie-breaker'],
    ['2|2 with tie=3: half with node 3', '2,3 | 0,1,2,3 | - | n=4 tie=3', true, 'tie-breaker'],
    ['2|2 with tie=3: half with node 0', '0,1 | 0,1,2,3 | - | n=4 tie=3', false, 'tie-breaker'],
    ['tie order naming a node no longer voting: the next one', '0,2 | 0,1,2,3 | - | n=4 tie=5,2', true, 'tie-breaker'],
    ['tie-breaker off: neither half', '0,1 | 0,1,2,3 | - | n=4 tie=none', false, 'minority'],
    ['3|3 on six, half with 0', '0,4,5 | 0,1,2,3,4,5 | -', true, 'tie-breaker'],
    ['3|3 on six, other half', '1,2,3 | 0,1,2,3,4,5 | -', false, 'tie-breaker'],
    ['two nodes, node 1 died: node 0 keeps quorum', '0 | 0,1 | - | n=2', true, 'tie-breaker'],
    ['two nodes, node 0 died: node 1 fences', '1 | 0,1 | - | n=2', false, 'tie-breaker'],
    // Last man standing: a majority of the remaining voters after drops.
    ['6 -> 4 after drops', '0,1,2,3 | 0,1,2,3 | 4,5', true, 'last-man-standing'],
    ['then 3 of 4', '0,1,2 | 0,1,2,3 | 4,5', true, 'last-man-standing'],
    ['then 2 of 3 after drops', '0,1 | 0,1,2 | 3,4,5', true, 'last-man-standing'],
    ['dropped nodes on the other side count for nothing', '3,4,5 | 0,1,2 | 3,4,5', false, 'minority'],
    ['last pair after drops, tie: node 0 keeps it', '0 | 0,1 | 2,3,4,5', true, 'tie-breaker'],
    // Wait for all.
    ['started, not everyone seen', '0,1,2,3,4 | 0,1,2,3,4,5 | - | wait', false, 'wait-for-all'],
    // Lock precedence: votes do not count.
    ['lock held here, minority', '5 | 0,1,2,3,4,5 | - | lock=5', true, 'lock'],
    ['lock held elsewhere, majority', '0,1,2,3 | 0,1,2,3,4,5 | - | lock=5', false, 'lock'],
    ['lock held here while waiting for all', '5 | 0,1,2,3,4,5 | - | wait lock=5', true, 'lock'],
    ['lock held by nobody', '0,1,2,3,4,5 | 0,1,2,3,4,5 | - | lock=' + NO_NODE, false, 'lock'],
  ])('%s: %s', (_name, row, quorate, rule) => {
    expect(decideQuorum(inputsOf(row))).toMatchObject({ quorate, rule });
  });

  it('tieWinner: the first voter of the order, else the lowest voter; none without a tie-breaker', () => {
    expect([tieWinner([1, 2, 3], []), tieWinner([1, 2, 3], [3]), tieWinner([1, 2], [3, 2]), tieWinner([1, 2], 'none')]).toEqual([1, 3, 2, undefined]);
  });

  it('never lets both halves of a split be quorate when they know the same voters (1..8 nodes, every split, every tie order)', () => {
    for (let size = 1; size <= 8; size++) {
      const voters = [...Array(size).keys()];
      for (const tieBreaker of [[], [size - 1], 'none'] as const) {
        for (let mask = 0; mask < 1 << size; mask++) {
          const sides = [voters.filter((p) => mask & (1 << p)), voters.filter((p) => !(mask & (1 << p)))];
          const quorate = sides.filter((members) => decideQuorum({
            members, voters, configured: voters, dropped: [], joined: true, lockHolder: undefined, tieBreaker,
          }).quorate);
          expect({ size, mask, tieBreaker, both: quorate.length > 1 }).toEqual({ size, mask, tieBreaker, both: false });
        }
      }
    }
  });
});
