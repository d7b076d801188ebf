// The failover bench's goal judgement: each profile's reach limits, the ultra profile's p99 and its 1000-address cases.

import { checkGoals, ComboResult, worstLoopDelay } from '../../../bench/failover-stats';

function combo(mode: ComboResult['mode'], profile: string, victim: ComboResult['victim'], addresses: number, p50: number, p99: number, duplicates = 0): ComboResult {
  const spread = { min: p50, p50, p99, max: p99 };
  return {
    mode, profile, victim, addresses, address_families: { ipv4: addresses, ipv6: 0 }, moved: 1, trials: 5, complete: 5,
    present: spread, garp: spread, reach: spread, reach_trials: [p50], reach_app: spread, gone: spread,
    duplicates, duplicates_during_heal: 0, capture_drops: 0, loop_delay: { p99_ms_worst: null, max_ms_worst: null, trials: [] }, problems: [],
  };
}

const verdict = (results: ComboResult[], goal: string): boolean | null | undefined => checkGoals(results).find((c) => c.goal.startsWith(goal))?.met;

test('ultra: p50 <= 100 ms is not enough, the p99 must stay <= 150 ms', () => {
  const results = [combo('link', 'ultra', 'leader', 3, 90, 149), combo('link', 'ultra', 'follower', 3, 90, 151)];
  expect(verdict(results, 'link (leader), ultra profile: reach p50 <= 100 ms, p99 <= 150 ms')).toBe(true);
  expect(verdict(results, 'link (follower), ultra profile: reach p50 <= 100 ms, p99 <= 150 ms')).toBe(false);
});

test('ultra: the 1000-address cases are held to the same limits, by their own goal line', () => {
  const results = [combo('freeze', 'ultra', 'leader', 3, 90, 120), combo('freeze', 'ultra', 'leader', 1000, 420, 480)];
  expect(verdict(results, 'freeze (leader), ultra profile, 1000 addresses: reach p50 <= 100 ms')).toBe(false);
  expect(verdict(results, 'freeze (follower), ultra profile, many addresses')).toBeNull();
});

test('fast and default keep their p50-only limits; a duplicate fails any goal', () => {
  const results = [combo('link', 'fast', 'leader', 3, 290, 900), combo('link', 'default', 'leader', 3, 900, 1000, 1)];
  expect(verdict(results, 'link (leader), fast profile: reach p50 <= 300 ms, zero duplicates')).toBe(true);
  expect(verdict(results, 'link (leader), default profile: reach p50 <= 1200 ms, zero duplicates')).toBe(false);
});

test("a freeze trial's loop delay leaves out the frozen victim, whose window is the SIGSTOP itself; other faults count every daemon", () => {
  const loopDelay = [
    { node: 0, p99_ms: 900, max_ms: 1525 },
    { node: 1, p99_ms: 12, max_ms: 48 },
    { node: 2, p99_ms: 15, max_ms: 40 },
  ];
  expect(worstLoopDelay({ mode: 'freeze', victim: 0, loopDelay })).toEqual({ p99_ms: 15, max_ms: 48, worst_node: 2 });
  expect(worstLoopDelay({ mode: 'kill', victim: 0, loopDelay })).toEqual({ p99_ms: 900, max_ms: 1525, worst_node: 0 });
});
