// raiseLivenessPriority: SCHED_RR first, nice -10 where SCHED_RR is refused, and never a throw.

import { aheadOfOrdinaryThreads, AHEAD_RT_PRIORITY, LIVENESS_NICE, LIVENESS_RT_PRIORITY, raiseLivenessPriority } from '../../../../src/adapters/sched/priority';

const refused = (message: string) => () => ({ setRealtime: () => { throw new Error(message); }, setOrdinary: () => undefined });

test('SCHED_RR when the kernel allows it, and nice is left alone', () => {
  const calls: Array<[number, number]> = [];
  const nice = { getPriority: () => 0, setPriority: () => { throw new Error('nice must not be touched'); } };
  const outcome = raiseLivenessPriority(4242, { realtime: () => ({ setRealtime: (tid, priority) => { calls.push([tid, priority]); }, setOrdinary: () => undefined }), nice });
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

describe('aheadOfOrdinaryThreads', () => {
  const recorder = (failRaise = false): { calls: string[]; sched: { setRealtime(tid: number, p: number): void; setOrdinary(tid: number): void } } => {
    const calls: string[] = [];
    return {
      calls,
      sched: {
        setRealtime: (tid, p) => { if (failRaise) throw new Error('EPERM'); calls.push(`rt ${tid} ${p}`); },
        setOrdinary: (tid) => { calls.push(`ordinary ${tid}`); },
      },
    };
  };

  test('forks with this thread in SCHED_RR below the liveness threads, and puts it back', () => {
    const { calls, sched } = recorder();
    expect(aheadOfOrdinaryThreads(() => { calls.push('fork'); return 7; }, sched)).toBe(7);
    expect(calls).toEqual([`rt 0 ${AHEAD_RT_PRIORITY}`, 'fork', 'ordinary 0']);
    expect(AHEAD_RT_PRIORITY).toBeLessThan(LIVENESS_RT_PRIORITY);
  });

  test('a fork that throws still puts the thread back, and the error goes on', () => {
    const { calls, sched } = recorder();
    expect(() => aheadOfOrdinaryThreads(() => { throw new Error('ETXTBSY'); }, sched)).toThrow('ETXTBSY');
    expect(calls).toEqual([`rt 0 ${AHEAD_RT_PRIORITY}`, 'ordinary 0']);
  });

  test('SCHED_RR refused, or no addon: it just forks, and touches nothing after', () => {
    const { calls, sched } = recorder(true);
    expect(aheadOfOrdinaryThreads(() => 'forked', sched)).toBe('forked');
    expect(calls).toEqual([]);
    expect(aheadOfOrdinaryThreads(() => 'forked', null)).toBe('forked');
  });
});
