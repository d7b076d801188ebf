// TurnBudget: steps run until a turn has spent its budget, and the rest resumes on the next turn.

import { TurnBudget } from '../../../../src/adapters/netlink/turn-budget';

/** A clock that each step advances by `stepMs`, and a queue of "next turn" callbacks run by hand. */
function harness(stepMs: number) {
  let now = 0;
  const turns: Array<() => void> = [];
  const clock = { now: () => now, nextTurn: (fn: () => void) => { turns.push(fn); } };
  return {
    clock,
    advance: () => { now += stepMs; },
    nextTurn(): boolean {
      const fn = turns.shift();
      fn?.();
      return fn !== undefined;
    },
    pendingTurns: () => turns.length,
  };
}

/** Queues `count` jobs; pump() runs them through the budget, as NetlinkChannel does. */
function worker(budget: TurnBudget, h: ReturnType<typeof harness>, count: number) {
  let left = count;
  const perTurn: number[] = [0];
  const pump = (): void => budget.run(() => left > 0, () => { left--; perTurn[perTurn.length - 1]++; h.advance(); }, pump);
  return {
    pump,
    left: () => left,
    turn(): boolean { perTurn.push(0); return h.nextTurn(); },
    perTurn,
  };
}

test('a 5 ms budget with 2 ms steps: three steps per turn, then the rest on the next turns', () => {
  const h = harness(2);
  const w = worker(new TurnBudget(5, h.clock), h, 8);
  w.pump();
  expect(w.left()).toBe(5);
  while (w.turn());
  expect(w.perTurn.filter((n) => n > 0)).toEqual([3, 3, 2]);
  expect(w.left()).toBe(0);
});

test('budget 0 allows exactly one step per turn', () => {
  const h = harness(1);
  const w = worker(new TurnBudget(0, h.clock), h, 4);
  w.pump();
  expect(w.left()).toBe(3);
  while (w.turn());
  expect(w.perTurn.filter((n) => n > 0)).toEqual([1, 1, 1, 1]);
});

test('the budget is shared by every run in one turn (e.g. one per ACK callback)', () => {
  const h = harness(2);
  const budget = new TurnBudget(5, h.clock);
  let left = 10;
  let ran = 0;
  const pump = (): void => budget.run(() => left > 0, () => { left--; ran++; h.advance(); }, pump);
  // Ten callbacks in one turn, each freeing room for one more request.
  for (let i = 0; i < 10; i++) pump();
  expect(ran).toBe(3);
  expect(h.pendingTurns()).toBe(1);
  h.nextTurn();
  expect(ran).toBe(6);
});

test('cheap steps never wait for a turn; a reset is still scheduled once, and finds nothing to do', () => {
  const h = harness(0);
  const w = worker(new TurnBudget(5, h.clock), h, 1000);
  w.pump();
  expect(w.left()).toBe(0);
  expect(h.pendingTurns()).toBe(1);
  w.turn();
  expect(h.pendingTurns()).toBe(0);
});

test('a step that throws still counts its time, and the error reaches the caller', () => {
  const h = harness(3);
  const budget = new TurnBudget(5, h.clock);
  expect(() => budget.run(() => true, () => { h.advance(); throw new Error('boom'); }, () => undefined)).toThrow('boom');
  let steps = 0;
  budget.run(() => steps < 5, () => { steps++; h.advance(); }, () => undefined);
  // 3 ms spent by the throwing step, 3 by this one: over budget after one step.
  expect(steps).toBe(1);
});

test('a negative or NaN budget is refused', () => {
  const h = harness(1);
  expect(() => new TurnBudget(-1, h.clock)).toThrow(RangeError);
  expect(() => new TurnBudget(Number.NaN, h.clock)).toThrow(RangeError);
});
