// Repeated log lines: the first is written, repeats within the interval are held back and counted on the next one written.

import { limitRepeats, RepeatLimit } from '../../../src/daemon/repeat-limit';
import { LogFields, Logger } from '../../../src/daemon/runtime/logger';

describe('RepeatLimit', () => {
  // Each row: the clock reading at which `key` occurs -> undefined (held back) or the count held back before it.
  it.each([
    ['the first occurrence is written', [[0, 'a']], [0]],
    ['a repeat within the interval is held back', [[0, 'a'], [999, 'a']], [0, undefined]],
    ['the next one after the interval is written with the count held back', [[0, 'a'], [10, 'a'], [20, 'a'], [1000, 'a']], [0, undefined, undefined, 2]],
    ['the interval restarts at each written line', [[0, 'a'], [1000, 'a'], [1500, 'a'], [2000, 'a']], [0, 0, undefined, 1]],
    ['other keys are not held back behind it', [[0, 'a'], [1, 'b'], [2, 'a'], [3, 'b']], [0, 0, undefined, undefined]],
  ] as const)('%s', (_name, occurrences, expected) => {
    let now = 0;
    const limit = new RepeatLimit({ intervalMs: 1000, now: () => now });
    const got = occurrences.map(([at, key]) => { now = at; return limit.admit(key); });
    expect(got).toEqual(expected);
  });

  it('forgets the least recently written key beyond maxKeys', () => {
    let now = 0;
    const limit = new RepeatLimit({ intervalMs: 1000, now: () => now, maxKeys: 2 });
    limit.admit('a');
    limit.admit('b');
    limit.admit('c'); // 'a' is forgotten
    now = 1;
    expect([limit.admit('a'), limit.admit('c')]).toEqual([0, undefined]);
  });
});

describe('limitRepeats', () => {
  function recorder(): { logger: Logger; lines: [string, LogFields, string][] } {
    const lines: [string, LogFields, string][] = [];
    const make = (bindings: LogFields): Logger => ({
      debug: (f, m) => lines.push(['debug', { ...bindings, ...f }, m]),
      info: (f, m) => lines.push(['info', { ...bindings, ...f }, m]),
      warn: (f, m) => lines.push(['warn', { ...bindings, ...f }, m]),
      error: (f, m) => lines.push(['error', { ...bindings, ...f }, m]),
      child: (b) => make({ ...bindings, ...b }),
    });
    return { logger: make({}), lines };
  }

  it('writes a hung monitor\'s once-a-second warning once per interval, with the count held back', () => {
    const { logger, lines } = recorder();
    let now = 0;
    const limited = limitRepeats(logger, { intervalMs: 30_000, now: () => now });
    for (let second = 0; second <= 60; second += 1) {
      now = second * 1000;
      limited.info({}, 'task still running, new execution blocked by overlap prevention!');
    }
    expect(lines.map(([, fields]) => fields.repeated)).toEqual([undefined, 29, 29]);
  });

  it('keys lines by level and message, and children share the parent\'s limit', () => {
    const { logger, lines } = recorder();
    const limited = limitRepeats(logger, { intervalMs: 1000, now: () => 0 });
    const child = limited.child({ component: 'health' });
    limited.warn({}, 'same');
    child.warn({}, 'same');
    limited.error({}, 'same');
    limited.warn({}, 'other');
    expect(lines.map(([level, , message]) => `${level} ${message}`)).toEqual(['warn same', 'error same', 'warn other']);
  });
});
