// Judging the soak's cluster operations: every address unserved at once, which half was quorate, and each kind's promise.

import { allUnservedStretches, judgeOperation, judgeSplitQuorum, OperationRecord, QuorumRound } from '../../../src/soak/operation-judge';
import type { Gap } from '../../../src/soak/timeline';

const gap = (address: string, from: number, to: number): Gap => ({ address, from, to });
const q = (pnn: number, quorate: boolean, partition: number[]) => ({ pnn, quorate, partition });
const roundAt = (t: number, ...nodes: ReturnType<typeof q>[]): QuorumRound => ({ t, nodes });

describe('allUnservedStretches', () => {
  test('only where every address is in a gap at once, clipped to the window', () => {
    const gaps = [gap('A', 100, 300), gap('B', 200, 400), gap('C', 250, 260), gap('C', 280, 500), gap('A', 600, 700)];
    expect(allUnservedStretches(gaps, ['A', 'B', 'C'], 0, 1000)).toEqual([{ from: 250, to: 260 }, { from: 280, to: 300 }]);
    expect(allUnservedStretches(gaps, ['A', 'B', 'C'], 255, 290)).toEqual([{ from: 255, to: 260 }, { from: 280, to: 290 }]);
  });

  test('one address always served: never all unserved, however many others are', () => {
    const gaps = [gap('A', 0, 1000), gap('B', 0, 1000)];
    expect(allUnservedStretches(gaps, ['A', 'B', 'C'], 0, 1000)).toEqual([]);
    expect(allUnservedStretches(gaps, [], 0, 1000)).toEqual([]);
  });
});

describe('judgeSplitQuorum', () => {
  const sides = [[0, 1], [2, 3]] as const;
  test('the tie side alone quorate after the split: no failure figure; the stale whole view is measured apart', () => {
    const rounds = [
      roundAt(0, q(0, true, [0, 1, 2, 3]), q(2, true, [0, 1, 2, 3])),
      roundAt(200, q(0, true, [0, 1, 2, 3]), q(2, true, [0, 1, 2, 3])),
      roundAt(400, q(0, true, [0, 1]), q(1, true, [0, 1]), q(2, false, [2, 3])),
      roundAt(600, q(0, true, [0, 1]), q(3, false, [2, 3])),
    ];
    expect(judgeSplitQuorum(rounds, sides)).toEqual({
      rounds: 4, both_sides_quorate_rounds: 0, other_side_quorate_rounds: 0, tie_side_not_quorate_rounds: 0, cross_view_max_ms: 200,
    });
  });

  test('both halves quorate, each in its own partition, is counted; a tie-side node losing quorum after the split too', () => {
    const rounds = [
      roundAt(0, q(0, true, [0, 1]), q(2, true, [2, 3])),
      roundAt(200, q(0, false, [0, 1]), q(3, true, [2, 3])),
    ];
    expect(judgeSplitQuorum(rounds, sides)).toMatchObject({ both_sides_quorate_rounds: 1, other_side_quorate_rounds: 2, tie_side_not_quorate_rounds: 1 });
  });
});

describe('judgeOperation', () => {
  const base = { step: 3, from: 1000, to: 5000, waitOk: [] };
  const addresses = ['A', 'B'];

  test('a planned stop of half: every address unserved at once is a failure; one served throughout is not', () => {
    const record: OperationRecord = { ...base, kind: 'stop-half', detail: { kind: 'stop-half', stopped: [2, 3] }, rounds: [roundAt(1200, q(0, true, [0, 1]))] };
    const fine = judgeOperation(record, [gap('A', 1500, 1600)], [], addresses);
    expect(fine.failures).toEqual([]);
    expect(fine.longest_all_unserved_ms).toBe(0);
    expect(fine.survivors_not_quorate_rounds).toBe(0);
    const bad = judgeOperation(record, [gap('A', 1500, 1600), gap('B', 1550, 1700)], [], addresses);
    expect(bad.longest_all_unserved_ms).toBe(50);
    expect(bad.failures).toEqual(['every address unserved at once for 50 ms (1 stretch(es))']);
  });

  test('a planned stop of half: a node left running that loses quorum is a failure', () => {
    const record: OperationRecord = {
      ...base, kind: 'stop-half', detail: { kind: 'stop-half', stopped: [2, 3] },
      rounds: [roundAt(1200, q(0, false, [0, 1]), q(2, false, [2]))],
    };
    expect(judgeOperation(record, [], [], addresses).failures).toEqual(['a node left running was not quorate in 1 round(s)']);
  });

  test('a rolling restart: a wait-ok that failed and a duplicate in the window are failures; one outside the window is not', () => {
    const record: OperationRecord = {
      ...base, kind: 'rolling-restart', detail: { kind: 'rolling-restart', order: [1, 0] }, rounds: [],
      waitOk: [{ node: 1, exitCode: 0, ms: 900, output: '' }, { node: 0, exitCode: 1, ms: 60_000, output: 'not OK after 60 s\n' }],
    };
    const overlaps = [{ address: 'A', nodes: [0, 1] as [number, number], from: 2000, to: 2100 }, { address: 'B', nodes: [0, 1] as [number, number], from: 9000, to: 9100 }];
    const verdict = judgeOperation(record, [], overlaps, addresses);
    expect(verdict.failures).toEqual(['1 address(es) on two nodes', 'floatip wait-ok on node 0 exited 1: not OK after 60 s']);
    expect(verdict.wait_ok).toEqual([{ node: 1, exit: 0, ms: 900 }, { node: 0, exit: 1, ms: 60_000 }]);
  });

  test('an even split: the other half quorate fails it; a one-way cut is judged on quorum only', () => {
    const rounds = [roundAt(1200, q(0, true, [0, 1]), q(2, true, [2, 3]))];
    const split: OperationRecord = { ...base, kind: 'even-split', detail: { kind: 'even-split', sides: [[0, 1], [2, 3]] }, rounds };
    expect(judgeOperation(split, [], [], addresses).failures).toEqual([
      'both halves quorate in 1 round(s)', 'the half without the tie-breaker quorate in 1 round(s)',
    ]);
    const lost: OperationRecord = { ...split, rounds: [roundAt(1200, q(0, false, [0, 1]), q(2, false, [2, 3]))] };
    expect(judgeOperation(lost, [gap('A', 1000, 2000), gap('B', 1000, 2000)], [], addresses).failures).toEqual([
      'the tie side lost quorum in 1 round(s)', 'every address unserved for 1000 ms while the tie side held quorum',
    ]);
    const oneWay: OperationRecord = { ...base, kind: 'one-way-tie', detail: { kind: 'one-way-tie', sides: [[0, 1], [2, 3]], from: 1 }, rounds: lost.rounds };
    expect(judgeOperation(oneWay, [gap('A', 1000, 2000), gap('B', 1000, 2000)], [], addresses).failures).toEqual([]);
  });
});
