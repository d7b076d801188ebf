// The soak's cluster operations in its schedule: each applicable kind runs, alone in its window, on the halves issue 13 names.

import { OPERATION_KINDS, operationKindsFor } from '../../../src/soak/operation-schedule';
import { describeStep, FAULT_KINDS, FaultStep, isOperation, occupiedUntil, planSchedule } from '../../../src/soak/schedule';

const base = { addresses: 12, durationMs: 10 * 60_000 };
const operations = (steps: readonly FaultStep[]): FaultStep[] => steps.filter((s) => isOperation(s.kind));
const sorted = (xs: readonly number[]): number[] => [...xs].sort((a, b) => a - b);

describe('operations in the schedule', () => {
  test.each([4, 6])('%i nodes: every operation kind runs at least twice in 10 minutes', (nodes) => {
    for (const seed of [2026, 1, 77]) {
      const ops = operations(planSchedule({ ...base, nodes, seed }));
      for (const kind of OPERATION_KINDS) expect(ops.filter((s) => s.kind === kind).length).toBeGreaterThanOrEqual(2);
    }
  });

  test('splits need a tie: none with an odd node count, the stop of half and the rolling restart still run', () => {
    expect(operationKindsFor(5, OPERATION_KINDS)).toEqual(['stop-half', 'rolling-restart']);
    const kinds = new Set(operations(planSchedule({ ...base, nodes: 5, seed: 3 })).map((s) => s.kind));
    expect(kinds).toEqual(new Set(['stop-half', 'rolling-restart']));
  });

  test.each([4, 6])('%i nodes: an operation runs alone; nothing else runs or recovers in its window', (nodes) => {
    for (const seed of [2026, 5, 9]) {
      const steps = planSchedule({ ...base, nodes, seed });
      for (const op of operations(steps)) {
        const others = steps.filter((s) => s !== op && s.at < occupiedUntil(op) && occupiedUntil(s) > op.at);
        expect(others).toEqual([]);
      }
      expect(steps.map((s) => s.index)).toEqual(steps.map((_, k) => k));
      expect(steps.every((s, k) => k === 0 || steps[k - 1].at <= s.at)).toBe(true);
    }
  });

  test.each([4, 6])('%i nodes: halves are halves, the tie side holds node 0, a stop takes half, a roll takes every node once', (nodes) => {
    const all = Array.from({ length: nodes }, (_, pnn) => pnn);
    for (const op of operations(planSchedule({ ...base, nodes, seed: 2026 }))) {
      const d = op.detail;
      if (d.kind === 'even-split' || d.kind === 'one-way-tie') {
        expect(d.sides[0]).toContain(0);
        expect(d.sides[0].length).toBe(nodes / 2);
        expect(sorted([...d.sides[0], ...d.sides[1]])).toEqual(all);
        expect(op.outsideSafetyModel).toBe(d.kind === 'one-way-tie');
      } else if (d.kind === 'stop-half') {
        expect(d.stopped.length).toBe(nodes / 2);
        expect(new Set(d.stopped).size).toBe(nodes / 2);
        expect(op.outsideSafetyModel).toBe(false);
      } else if (d.kind === 'rolling-restart') {
        expect(sorted(d.order)).toEqual(all);
        expect(op.outsideSafetyModel).toBe(false);
      }
    }
  });

  test('the random faults keep their draws: with operations, the schedule is the one without them less the steps in their windows', () => {
    const seed = 2026;
    const without = planSchedule({ ...base, nodes: 4, seed, kinds: FAULT_KINDS });
    const withOps = planSchedule({ ...base, nodes: 4, seed });
    expect(operations(without)).toEqual([]);
    const key = (s: FaultStep): string => JSON.stringify([s.at, s.durationMs, s.kind, s.nodes, s.detail]);
    const kept = withOps.filter((s) => !isOperation(s.kind)).map(key);
    const before = without.map(key);
    expect(kept.length).toBeGreaterThan(before.length / 3);
    expect(kept.every((k) => before.includes(k))).toBe(true);
  });

  test('--kinds with operations only: only operations', () => {
    const steps = planSchedule({ ...base, nodes: 4, seed: 1, kinds: ['even-split', 'one-way-tie'] });
    expect(steps.length).toBeGreaterThan(0);
    expect(new Set(steps.map((s) => s.kind))).toEqual(new Set(['even-split', 'one-way-tie']));
  });

  test('describeStep names what the operation does', () => {
    const steps = planSchedule({ ...base, nodes: 4, seed: 2026 });
    const text = operations(steps).map(describeStep).join('\n');
    expect(text).toMatch(/planned stop of nodes \d,\d \(SIGTERM at once\)/);
    expect(text).toMatch(/rolling restart in the order \d,\d,\d,\d/);
    expect(text).toMatch(/even split 0,\d \| \d,\d \(tie side 0,\d\)/);
    expect(text).toMatch(/one-way cut at a tie: [0-9,]+ -> [0-9,]+ dropped \(tie side 0,\d\) \[outside the safety model\]/);
  });
});
