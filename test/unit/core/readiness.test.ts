// The readiness table (`floatip wait-ok`): one line per case, node state in, ready or the rule that holds it back.

import { NodeFlag } from '../../../src/core/flags';
import { decideReadiness, READINESS_RULES, ReadinessInputs } from '../../../src/core/readiness';

const BASE: ReadinessInputs = {
  now: 10_000, flags: 0, quorate: true, partition: [0, 1, 2], leader: 0,
  okSinceEpoch: 4, lastRun: { epoch: 5, at: 9_000, failedTakes: 0, counted: undefined }, leaderEpoch: 5, settleMs: 400,
};

const run5 = BASE.lastRun!;

describe('decideReadiness', () => {
  const cases: Array<[string, Partial<ReadinessInputs>, string, RegExp]> = [
    ['OK, quorate, a run since it became OK, settled', {}, 'ready', /hosting what run 5 gave it/],
    ['UNHEALTHY (monitor not passed yet)', { flags: NodeFlag.UNHEALTHY }, 'flags', /this node is UNHEALTHY/],
    ['STOPPED', { flags: NodeFlag.STOPPED }, 'flags', /STOPPED/],
    ['a flag wins over a missing quorum', { flags: NodeFlag.DISABLED, quorate: false }, 'flags', /DISABLED/],
    ['no quorum', { quorate: false, partition: [2] }, 'quorum', /partition \(node 2\) has no quorum/],
    ['no leader', { leader: -1 }, 'leader', /no leader/],
    ['no run finished yet', { lastRun: undefined }, 'run', /no takeover run has finished here since it became OK$/],
    ['only a run from before it became OK', { okSinceEpoch: 5 }, 'run', /last: run 5/],
    // The run says whether it counted this node (RUN-COUNTED); the leader may announce a run's epoch before its snapshot.
    ['a run of the epoch it knew when it became OK, which counted it', { okSinceEpoch: 5, lastRun: { ...run5, counted: true } }, 'ready', /run 5/],
    ['a later run, which counted it', { lastRun: { ...run5, counted: true } }, 'ready', /run 5/],
    ['a run which counted it, from before it became OK', { okSinceEpoch: 6, lastRun: { ...run5, counted: true } }, 'run', /last: run 5/],
    ['a run of the epoch it knew, which did not count it', { okSinceEpoch: 5, lastRun: { ...run5, counted: false } }, 'run', /run 5 did not count this node/],
    ['a later run, which did not count it', { lastRun: { ...run5, counted: false } }, 'run', /run 5 did not count this node/],
    ['a leader that does not say (older release): the epoch it knew is not enough', { okSinceEpoch: 5, lastRun: { ...run5, counted: undefined } }, 'run', /last: run 5/],
    ['not OK and quorate yet (okSinceEpoch unknown)', { okSinceEpoch: undefined }, 'run', /since it became OK/],
    ['the leader started a newer run', { leaderEpoch: 6 }, 'newer-run', /run 6 is under way/],
    ['a take of the last run failed', { lastRun: { epoch: 5, at: 9_000, failedTakes: 2, counted: undefined } }, 'takes', /2 addresses of run 5 failed/],
    ['the run finished a moment ago', { lastRun: { epoch: 5, at: 9_800, failedTakes: 0, counted: undefined } }, 'settle', /finished 200 ms ago/],
    ['the run finished exactly settleMs ago', { lastRun: { epoch: 5, at: 9_600, failedTakes: 0, counted: undefined } }, 'ready', /run 5/],
  ];
  it.each(cases)('%s', (_name, change, rule, reason) => {
    const decision = decideReadiness({ ...BASE, ...change });
    expect(decision.rule).toBe(rule);
    expect(decision.ready).toBe(rule === 'ready');
    expect(decision.reason).toMatch(reason);
  });

  it('has one row per rule, each with its reason', () => {
    expect(READINESS_RULES.map((r) => r.name)).toEqual(['flags', 'quorum', 'leader', 'run', 'newer-run', 'takes', 'settle']);
    for (const rule of READINESS_RULES) expect(rule.because.length).toBeGreaterThan(20);
  });
});
