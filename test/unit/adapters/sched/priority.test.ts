// raiseLivenessPriority: SCHED_RR first, nice -10 where SCHED_RR is refused, and never a throw.

import { LIVENESS_NICE, LIVENESS_RT_PRIORITY, raiseLivenessPriority } from '../../../../src/adapters/sched/priority';

const refused = (message: string) => () => ({ setRealtime: () => { throw new Error(message); } });

test('SCHED_RR when the kernel allows it, and nice is left alone', () => {
  const calls: Array<[number, number]> = [];
  const nice = { getPriority: () => 0, setPriority: () => { throw new Error('nice must not be touched'); } };
  const outcome = raiseLivenessPriority(4242, { realtime: () => ({ setRealtime: (tid, priority) => { calls.push([tid, priority]); } }), nice });
  expect(outcome).toEqual({ kind: 'realtime', priority: LIVENESS_RT_PRIORITY });
  expect(calls).toEqual([[4242, LIVENESS_RT_PRIORITY]]);
});

test('nice -10 when SCHED_RR is refused, saying why', () => {
  const set: Array<[number, number]> = [];
  const outcome = raiseLivenessPriority(7, {
    realtime: refused('sched_setscheduler(thread 7): Operation not permitted'),
    nice: { getPriority: () => 0, setPriority: (id, value) => { set.push([id, value]); } },
  });
  expect(outcome).toEqual({ kind: 'nice', nice: LIVENESS_NICE, why: 'SCHED_RR refused: sched_setscheduler(thread 7): Operation not permitted' });
  expect(set).toEqual([[7, LIVENESS_NICE]]);
});

test('a thread already nicer than -10 keeps its value', () => {
  const set: number[] = [];
  raiseLivenessPriority(7, { realtime: refused('no'), nice: { getPriority: () => -15, setPriority: (_id, value) => { set.push(value); } } });
  expect(set).toEqual([]);
});

test('both refused: the ordinary class, with both reasons, and no throw', () => {
  const outcome = raiseLivenessPriority(7, {
    realtime: refused('EPERM'),
    nice: { getPriority: () => 0, setPriority: () => { throw new Error('EACCES'); } },
  });
  expect(outcome).toEqual({ kind: 'ordinary', why: 'SCHED_RR refused: EPERM; nice -10 refused: EACCES' });
});
