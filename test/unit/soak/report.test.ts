// The soak report: unserved time blamed on the right fault, duplicates split by the safety model, counts and the final check.

import type { ActionRecord } from '../../../src/soak/injector';
import { answerOutsideModel, blame, buildReport, outsideModelAt, outsideModelDuring, SoakInputs } from '../../../src/soak/report';
import { describeStep, FaultStep } from '../../../src/soak/schedule';

const start = 1_000_000;
const kill: FaultStep = { index: 0, at: 1000, durationMs: 3000, kind: 'kill', nodes: [1], detail: { kind: 'kill' }, outsideSafetyModel: false };
const freeze: FaultStep = { index: 1, at: 5000, durationMs: 2000, kind: 'freeze', nodes: [2], detail: { kind: 'freeze' }, outsideSafetyModel: false };
const action = (step: FaultStep, phase: 'inject' | 'heal', t: number, extra: Partial<ActionRecord> = {}): ActionRecord =>
  ({ step: step.index, kind: step.kind, phase, t: start + t, outcome: 'done', ...extra });

function inputs(over: Partial<SoakInputs>): SoakInputs {
  return {
    seed: 9, nodes: 3, minutes: 0.5, profile: 'default', addresses: ['A', 'B'], sampleMs: 10, probeMs: 100, maxFaulty: 1,
    command: 'npm run soak -- --nodes 3 --minutes 0.5 --seed 9', schedule: [kill, freeze], describe: describeStep,
    start, end: start + 30_000, actions: [action(kill, 'inject', 1000), action(kill, 'heal', 4000), action(freeze, 'inject', 5000), action(freeze, 'heal', 7000)],
    overlaps: [], gaps: [], exits: [], duplicateAnswers: [], probeTotals: undefined, settledMs: 12, problems: [], logs: '/tmp/x',
    ...over,
  };
}

test('blame: the last action before the gap, a heal as KIND/heal, nothing older than 10 s', () => {
  const actions = inputs({}).actions;
  expect(blame(actions, start + 1010)).toBe('kill');
  expect(blame(actions, start + 4500)).toBe('kill/heal');
  expect(blame(actions, start + 5600)).toBe('freeze');
  expect(blame(actions, start + 500)).toBe('none');
  expect(blame(actions, start + 7000 + 10_001)).toBe('none');
});

test('unserved figures per kind (count, p50, p99, max), the longest gaps, and a gap still open at the end apart', () => {
  const report = buildReport(inputs({
    gaps: [
      { address: 'A', from: start + 1010, to: start + 1050 },
      { address: 'B', from: start + 1010, to: start + 1070 },
      { address: 'A', from: start + 5700, to: start + 6400 },
      { address: 'B', from: start + 29_000, to: start + 30_000 },
    ],
  }));
  expect(report.unserved).toEqual({
    kill: { count: 2, p50_ms: 40, p99_ms: 60, max_ms: 60 },
    freeze: { count: 1, p50_ms: 700, p99_ms: 700, max_ms: 700 },
  });
  expect(report.max_unserved_ms).toEqual({ freeze: 700, kill: 60 });
  expect(report.p99_unserved_ms).toEqual({ freeze: 700, kill: 60 });
  expect(report.longest_unserved[0]).toEqual({ address: 'A', at_s: 5.7, ms: 700, blamed_on: 'freeze', steps: [1] });
  expect(report.final).toEqual({ settled_ms: 12, unserved_at_end: ['B'] });
  expect(report.faults).toEqual({ kill: 1, freeze: 1 });
});

test('duplicates inside the safety model count; those while more than a minority was cut off are counted apart', () => {
  const outsideInject = action(freeze, 'inject', 5000, { outsideSafetyModel: true });
  const actions = [action(kill, 'inject', 1000), action(kill, 'heal', 4000), outsideInject, action(freeze, 'heal', 7000)];
  expect(outsideModelAt(actions, start + 6000)).toBe(true);
  expect(outsideModelAt(actions, start + 7000 + 2999)).toBe(true);
  expect(outsideModelAt(actions, start + 7000 + 3001)).toBe(false);
  expect(outsideModelAt(actions, start + 2000)).toBe(false);
  const report = buildReport(inputs({
    actions,
    overlaps: [
      { address: 'A', nodes: [0, 1], from: start + 2000, to: start + 2030 },
      { address: 'B', nodes: [0, 2], from: start + 6000, to: start + 6010 },
    ],
    duplicateAnswers: [{ t: start + 6005, address: 'B', macs: ['02:00:00:00:00:01', '02:00:00:00:00:02'] }],
  }));
  expect(report.duplicates).toBe(1);
  expect(report.duplicates_outside_safety_model).toBe(1);
  expect(report.duplicate_macs).toBe(0);
  expect(report.duplicate_macs_outside_safety_model).toBe(1);
  expect(report.outside_safety_model).toEqual([describeStep(freeze)]);
  expect(report.duplicate_details[0]).toEqual({ address: 'A', nodes: [0, 1], at_s: 2, ms: 30, steps: [0], blamed_on: 'kill', outside_safety_model: false });
});

test('a client round that saw a duplicate begun outside the model is outside, though it came after the step\'s tail', () => {
  // Soak-4 (2026-12-06): a kill of daemon and guardian together (outside by construction) left
  // its addresses on the dead node ~4.6 s, past the heal's 3 s tail: 20 late rounds counted inside.
  const outsideInject = action(freeze, 'inject', 5000, { outsideSafetyModel: true });
  const actions = [action(kill, 'inject', 1000), action(kill, 'heal', 4000), outsideInject, action(freeze, 'heal', 7000)];
  const macs = ['02:00:00:00:00:01', '02:00:00:00:00:02'];
  const lingering = { address: 'B', nodes: [0, 2] as [number, number], from: start + 6000, to: start + 11_600 };
  const late = { t: start + 11_500, address: 'B', macs };
  expect(outsideModelAt(actions, late.t)).toBe(false);
  expect(answerOutsideModel(late, actions, [lingering], 100)).toBe(true);
  // Another address, or a round well after that duplicate ended, is judged by its own time.
  expect(answerOutsideModel({ ...late, address: 'A' }, actions, [lingering], 100)).toBe(false);
  expect(answerOutsideModel({ ...late, t: start + 11_800 }, actions, [lingering], 100)).toBe(false);
  const report = buildReport(inputs({ actions, overlaps: [lingering], duplicateAnswers: [late] }));
  expect([report.duplicate_macs, report.duplicate_macs_outside_safety_model]).toEqual([0, 1]);
});

test('crashes, injected, fenced and stall exits, and failed actions are counted apart', () => {
  const report = buildReport(inputs({
    exits: [
      { node: 1, t: start + 1001, pid: 10, kind: 'injected' },
      { node: 2, t: start + 7001, pid: 11, kind: 'fenced-after-freeze' },
      { node: 0, t: start + 9000, pid: 12, kind: 'crash', logTail: 'boom' },
      { node: 2, t: start + 9500, pid: 13, kind: 'stall-exit', logTail: 'a\nfloatipd\'s event loop stood still for 212 ms (frozen or blocked)\nb' },
    ],
    actions: [...inputs({}).actions, { step: 1, kind: 'freeze', phase: 'heal', t: start + 7100, outcome: 'failed', note: 'no daemon' }],
  }));
  expect(report.crashes).toBe(1);
  expect(report.crash_details).toEqual([{ node: 0, pid: 12, at_s: 9, log_tail: 'boom' }]);
  expect(report.injected_exits).toBe(1);
  expect(report.fenced_exits_after_freeze).toBe(1);
  expect([report.stall_exits, report.stall_exit_details]).toEqual([1, [{ node: 2, pid: 13, at_s: 9.5, log_line: 'floatipd\'s event loop stood still for 212 ms (frozen or blocked)' }]]);
  expect(report.actions).toEqual({ done: 4, refused: 0, failed: 1 });
  expect(report.failed_actions).toEqual([{ step: 1, kind: 'freeze', phase: 'heal', at_s: 7.1, note: 'no daemon' }]);
  expect(report.action_log[0]).toBe('1.0 s #0 kill inject done');
});

test('unserved stretches inside the model: those that touch no outside step, judged apart', () => {
  const outsideInject = action(freeze, 'inject', 5000, { outsideSafetyModel: true });
  const actions = [action(kill, 'inject', 1000), action(kill, 'heal', 4000), outsideInject, action(freeze, 'heal', 7000)];
  expect(outsideModelDuring(actions, start + 4500, start + 5200)).toBe(true); // began inside, an outside step came during it
  expect(outsideModelDuring(actions, start + 1010, start + 1500)).toBe(false);
  const report = buildReport(inputs({
    actions,
    gaps: [
      { address: 'A', from: start + 1010, to: start + 1300 },
      { address: 'B', from: start + 4500, to: start + 9000 },
      { address: 'A', from: start + 11_000, to: start + 11_100 },
    ],
  }));
  expect(report.unserved_inside_model).toEqual({ count: 2, p50_ms: 100, p99_ms: 290, max_ms: 290 });
  expect(report.longest_unserved_inside_model).toEqual([
    { address: 'A', at_s: 1, ms: 290, blamed_on: 'kill', steps: [0] },
    { address: 'A', at_s: 11, ms: 100, blamed_on: 'freeze/heal', steps: [] },
  ]);
  expect(buildReport(inputs({})).unserved_inside_model).toBeNull();
});

test('operations: judged in the report; a duplicate another step makes outside the model is not the operation\'s, its own is', () => {
  const stop: FaultStep = { index: 2, at: 10_000, durationMs: 5000, kind: 'stop-half', nodes: [0], detail: { kind: 'stop-half', stopped: [0] }, outsideSafetyModel: false };
  const hand: FaultStep = { index: 3, at: 16_000, durationMs: 2000, kind: 'duplicate', nodes: [1], detail: { kind: 'duplicate', address: 0 }, outsideSafetyModel: true };
  const actions = [action(stop, 'inject', 10_000), action(stop, 'heal', 15_000), action(hand, 'inject', 16_000, { outsideSafetyModel: true }), action(hand, 'heal', 18_000)];
  const record = { step: 2, kind: 'stop-half' as const, detail: stop.detail as { kind: 'stop-half'; stopped: number[] }, from: start + 10_000, to: start + 19_000, rounds: [], waitOk: [] };
  const handMade = { address: 'A', nodes: [1, 2] as [number, number], from: start + 16_100, to: start + 17_000 };
  const own = { address: 'B', nodes: [0, 2] as [number, number], from: start + 11_000, to: start + 11_050 };
  const quiet = buildReport(inputs({ schedule: [kill, freeze, stop, hand], actions, overlaps: [handMade], operations: [record] }));
  expect(quiet.operations.map((o) => [o.step, o.duplicates, o.failures])).toEqual([[2, 0, []]]);
  expect(quiet.operation_failures).toEqual([]);
  const bad = buildReport(inputs({ schedule: [kill, freeze, stop, hand], actions, overlaps: [handMade, own], operations: [record] }));
  expect(bad.operation_failures).toEqual(['#2 stop-half: 1 address(es) on two nodes']);
  expect(bad.operations[0].what).toMatch(/planned stop of nodes 0/);
});
