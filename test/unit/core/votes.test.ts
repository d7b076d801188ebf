// Expected votes: leaves, rejoins, last man standing and wait for all, step by step from plain inputs.

import { Pnn } from '../../../src/core/flags';
import { decideQuorum } from '../../../src/core/quorum-rules';
import {
  advanceVotes, configuredNodes, DEFAULT_VOTE_SETTINGS, expectedVoters, lastManStandingDue, recordLeave, startingVotes, VoteMemory, VoteSettings,
} from '../../../src/core/votes';

const WINDOW = DEFAULT_VOTE_SETTINGS.lastManStandingWindowMs;
const nodesOf = (count: number, deleted: Pnn[] = []) => Array.from({ length: count }, (_, pnn) => ({ pnn, deleted: deleted.includes(pnn) }));

/** One node's memory moved on by `members` at `now`, with the quorum rows deciding "quorate". */
function step(memory: VoteMemory, count: number, members: Pnn[], now: number, peerVoters: ReadonlyMap<Pnn, Pnn[]> = new Map(),
  settings: VoteSettings = DEFAULT_VOTE_SETTINGS, localPnn: Pnn = members[0]): VoteMemory {
  const nodes = nodesOf(count);
  return advanceVotes(memory, {
    now, nodes, localPnn, members, peerVoters, settings,
    quorate: (m) => decideQuorum({
      members, configured: configuredNodes(nodes), voters: expectedVoters(nodes, m), dropped: m.dropped, joined: m.joined,
      lockHolder: undefined, tieBreaker: settings.tieBreaker,
    }).quorate,
  });
}

const JOINED: VoteMemory = { ...startingVotes({ waitForAll: false }) };

describe('expectedVoters', () => {
  it.each<[string, number, Pnn[], Pnn[], Pnn[], Pnn[]]>([
    // name, nodes, deleted, left, dropped -> voters
    ['everyone', 4, [], [], [], [0, 1, 2, 3]],
    ['deleted lines never vote', 4, [1], [], [], [0, 2, 3]],
    ['left nodes do not vote', 4, [], [2, 3], [], [0, 1]],
    ['dropped nodes do not vote', 6, [], [], [4, 5], [0, 1, 2, 3]],
    ['both', 6, [0], [1], [4, 5], [2, 3]],
  ])('%s', (_name, count, deleted, left, dropped, voters) => {
    expect(expectedVoters(nodesOf(count, deleted), { left, dropped })).toEqual(voters);
  });
});

describe('advanceVotes', () => {
  it('graceful leave: stopping 2 of 4 one after the other keeps the rest quorate', () => {
    let memory = recordLeave(JOINED, 3);
    expect(expectedVoters(nodesOf(4), memory)).toEqual([0, 1, 2]);
    memory = recordLeave(memory, 2);
    expect(expectedVoters(nodesOf(4), memory)).toEqual([0, 1]);
    memory = step(memory, 4, [0, 1], 100);
    expect(memory.left).toEqual([2, 3]);
  });

  it('a left node counts again once back in a quorate partition, never while the partition has no quorum', () => {
    const left = recordLeave(recordLeave(JOINED, 2), 3); // voters 0,1
    expect(step(left, 4, [0, 1, 3], 100).left).toEqual([2]); // 2 of 2 quorate: 3 is back
    // Node 1 crashed too: {0} holds 1 of 2, a tie node 0 wins, so it lets 3 back in.
    expect(step(left, 4, [0, 3], 100, new Map(), { ...DEFAULT_VOTE_SETTINGS, tieBreaker: 'none' }).left).toEqual([2, 3]);
  });

  it('last man standing: 6 -> 4 -> 3 -> 2, one failure at a time, each after the window', () => {
    let memory = step(JOINED, 6, [0, 1, 2, 3, 4, 5], 0);
    memory = step(memory, 6, [0, 1, 2, 3], 1000); // 4 and 5 fail
    expect(lastManStandingDue(memory, nodesOf(6), DEFAULT_VOTE_SETTINGS)).toBe(1000 + WINDOW);
    memory = step(memory, 6, [0, 1, 2, 3], 1000 + WINDOW - 1);
    expect(memory.dropped).toEqual([]);
    memory = step(memory, 6, [0, 1, 2, 3], 1000 + WINDOW);
    expect(memory.dropped).toEqual([4, 5]);
    memory = step(memory, 6, [0, 1, 2], 20_000); // 3 of 4
    memory = step(memory, 6, [0, 1, 2], 20_000 + WINDOW);
    expect(memory.dropped).toEqual([3, 4, 5]);
    memory = step(memory, 6, [0, 1], 40_000); // 2 of 3
    memory = step(memory, 6, [0, 1], 40_000 + WINDOW);
    expect(expectedVoters(nodesOf(6), memory)).toEqual([0, 1]);
  });

  it('a partition without quorum never drops voters, however long it waits', () => {
    let memory = step(JOINED, 6, [3, 4], 0);
    memory = step(memory, 6, [3, 4], 10 * WINDOW);
    expect(memory).toMatchObject({ dropped: [], stableSince: undefined });
  });

  it('a membership change restarts the window', () => {
    let memory = step(JOINED, 5, [0, 1, 2, 3], 0);
    memory = step(memory, 5, [0, 1, 2], WINDOW - 1);
    memory = step(memory, 5, [0, 1, 2], WINDOW);
    expect(memory.dropped).toEqual([]);
    expect(step(memory, 5, [0, 1, 2], 2 * WINDOW - 1).dropped).toEqual([3, 4]);
  });

  it('window 0 turns last man standing off', () => {
    const off = { ...DEFAULT_VOTE_SETTINGS, lastManStandingWindowMs: 0 };
    expect(step(step(JOINED, 5, [0, 1, 2], 0, new Map(), off), 5, [0, 1, 2], 10 * WINDOW, new Map(), off).dropped).toEqual([]);
  });

  it('wait for all: a started node joins when it has seen every node at once', () => {
    const fresh = startingVotes({ waitForAll: true });
    expect(step(fresh, 4, [2, 3], 0).joined).toBe(false);
    expect(step(fresh, 4, [0, 1, 2, 3], 0)).toMatchObject({ joined: true, left: [], dropped: [] });
  });

  it('wait for all: or when a quorate member tells it its voters, which it takes as its own', () => {
    const fresh = startingVotes({ waitForAll: true });
    // Node 2 restarts into {0,1} which lowered its votes to {0,1} after 2 and 3 left.
    const joined = step(fresh, 4, [0, 1, 2], 0, new Map([[0, [0, 1]]]), DEFAULT_VOTE_SETTINGS, 2);
    expect(joined).toMatchObject({ joined: true, left: [3], dropped: [] });
    // A member that is not quorate reports no voters: nothing to join.
    expect(step(fresh, 4, [0, 2], 0, new Map([[0, []]]), DEFAULT_VOTE_SETTINGS, 2).joined).toBe(false);
  });
});
