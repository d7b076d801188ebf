// The soak's schedule: the same seed gives the same steps, and the plan keeps within the limits it promises.

import { mulberry32 } from '../../../src/soak/prng';
import { describeStep, FAULT_KINDS, FaultStep, largestMinority, MEMBERSHIP_KINDS, occupiedUntil, outsideModelByDetail, planSchedule } from '../../../src/soak/schedule';

const base = { nodes: 5, addresses: 15, durationMs: 10 * 60_000 };

/** The steps whose nodes are still out of the plan at `at` (running, or recovering from their fault). */
function runningAt(steps: readonly FaultStep[], at: number): FaultStep[] {
  return steps.filter((s) => s.at <= at && at < occupiedUntil(s));
}

describe('mulberry32', () => {
  test('one seed, one sequence; another seed, another sequence; values in [0, 1)', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const c = mulberry32(43);
    const first = Array.from({ length: 1000 }, () => a.next());
    expect(Array.from({ length: 1000 }, () => b.next())).toEqual(first);
    expect(Array.from({ length: 1000 }, () => c.next())).not.toEqual(first);
    expect(first.every((x) => x >= 0 && x < 1)).toBe(true);
    // Not stuck in a corner: both halves are well used.
    expect(first.filter((x) => x < 0.5).length).toBeGreaterThan(400);
    expect(first.filter((x) => x < 0.5).length).toBeLessThan(600);
  });

  test('int is inclusive at both ends, sample draws distinct items', () => {
    const random = mulberry32(1);
    const ints = new Set(Array.from({ length: 500 }, () => random.int(3, 5)));
    expect([...ints].sort()).toEqual([3, 4, 5]);
    for (let k = 0; k < 100; k++) {
      const picked = random.sample([0, 1, 2, 3, 4], 3);
      expect(new Set(picked).size).toBe(3);
    }
  });
});

describe('planSchedule', () => {
  test('the same seed gives the same schedule; another seed another one', () => {
    const one = planSchedule({ ...base, seed: 1234 });
    expect(planSchedule({ ...base, seed: 1234 })).toEqual(one);
    expect(planSchedule({ ...base, seed: 1235 })).not.toEqual(one);
    expect(one.map(describeStep)).toEqual(planSchedule({ ...base, seed: 1234 }).map(describeStep));
  });

  // The random faults' limits; the cluster operations run alone in windows of their own (operation-schedule.test.ts).
  test.each([3, 5, 7])('%i nodes: every kind appears over 10 minutes; never more than a minority cut off; no node twice; one node always free', (nodes) => {
    for (const seed of [1, 2, 3, 99, 4096]) {
      const steps = planSchedule({ ...base, nodes, seed, kinds: FAULT_KINDS });
      const kinds = new Set(steps.map((s) => s.kind));
      expect([...FAULT_KINDS].filter((k) => !kinds.has(k))).toEqual([]);
      for (const step of steps) {
        const running = runningAt(steps, step.at);
        const occupied = running.flatMap((s) => s.nodes);
        expect(new Set(occupied).size).toBe(occupied.length);
        expect(new Set(occupied).size).toBeLessThan(nodes);
        const cutOff = running.filter((s) => MEMBERSHIP_KINDS.has(s.kind)).flatMap((s) => s.nodes);
        expect(cutOff.length).toBeLessThanOrEqual(largestMinority(nodes));
        expect(step.outsideSafetyModel).toBe(outsideModelByDetail(step.detail));
        expect(step.at + step.durationMs).toBeLessThanOrEqual(base.durationMs);
      }
      // One partition or one-way cut at a time: they share the switch's bridges.
      for (const step of steps.filter((s) => s.kind === 'partition' || s.kind === 'one-way')) {
        expect(runningAt(steps, step.at).filter((s) => s.kind === 'partition' || s.kind === 'one-way')).toEqual([step]);
      }
    }
  });

  test('partitions cut off a minority and name every node once; one-way cuts name two different nodes', () => {
    const steps = planSchedule({ ...base, seed: 7 });
    for (const step of steps) {
      if (step.detail.kind === 'partition') {
        const [majority, minority] = step.detail.groups;
        expect([...majority, ...minority].sort()).toEqual([0, 1, 2, 3, 4]);
        expect(minority.length).toBeLessThanOrEqual(2);
        expect(minority).toEqual(step.nodes);
      }
      if (step.detail.kind === 'one-way') {
        expect(step.detail.from).not.toBe(step.detail.to);
        expect(step.nodes).toEqual([step.detail.from]);
      }
    }
  });

  test('--max-faulty above a minority lets the plan cut off more, and marks those steps outside the safety model', () => {
    const steps = planSchedule({ ...base, seed: 5, maxFaulty: 4, gapMs: [100, 600], kinds: FAULT_KINDS });
    const outside = steps.filter((s) => s.outsideSafetyModel && !outsideModelByDetail(s.detail));
    expect(outside.length).toBeGreaterThan(0);
    for (const step of outside) {
      const cutOff = runningAt(steps, step.at).filter((s) => MEMBERSHIP_KINDS.has(s.kind)).flatMap((s) => s.nodes);
      expect(cutOff.length).toBeGreaterThan(2);
      expect(describeStep(step)).toContain('[outside the safety model]');
    }
  });

  test('only the kinds asked for', () => {
    const steps = planSchedule({ ...base, seed: 3, kinds: ['kill', 'moveip'] });
    expect(new Set(steps.map((s) => s.kind))).toEqual(new Set(['kill', 'moveip']));
  });

  test('describeStep reads as one line per step', () => {
    const steps = planSchedule({ ...base, seed: 11 });
    const partition = steps.find((s) => s.kind === 'partition');
    const oneWay = steps.find((s) => s.kind === 'one-way');
    expect(describeStep(partition as FaultStep)).toMatch(/^#\d+ at \d+\.\d s for \d+\.\d s: partition [0-9,]+ \| [0-9,]+$/);
    expect(describeStep(oneWay as FaultStep)).toMatch(/one-way: node \d -> node \d dropped \[outside the safety model\]$/);
  });
});
