// deadDaemonSegment: which part of a node's log belongs to the daemon that just died; exitKind: what its exit was.

import { deadDaemonSegment, exitKind } from '../../../src/soak/exit-watch';

const start = (at: string): string => `# floatip lab: starting floatipd for node 1 at ${at}\n`;
const first = `${start('10:40:24')}{"msg":"floatipd running"}\n{"msg":"floatipd exits at once: event loop stalled for 1991 ms"}\n`;

test('no restart: the last segment', () => {
  expect(deadDaemonSegment(first, false)).toBe(first);
});

test('restarted, and the next daemon has logged: the segment before the last', () => {
  const text = `${first}${start('10:41:20')}{"msg":"floatipd starting"}\n`;
  expect(deadDaemonSegment(text, true)).toBe(first);
});

test('the heal wrote the next start line before the pid file: that empty segment is skipped even when not told of a restart', () => {
  const text = `${first}${start('10:41:20')}`;
  expect(deadDaemonSegment(text, false)).toBe(first);
  expect(deadDaemonSegment(text, true)).toBe(first);
});

test('a daemon that logged before dying keeps its own segment', () => {
  const second = `${start('10:41:20')}{"msg":"floatipd starting"}\n{"msg":"Segmentation fault"}\n`;
  expect(deadDaemonSegment(`${first}${second}`, false)).toBe(second);
});

test('a log without start lines is read whole; a single start line is returned as is', () => {
  expect(deadDaemonSegment('plain\n', false)).toBe('plain\n');
  expect(deadDaemonSegment(start('10:40:24'), false)).toBe(start('10:40:24'));
});

describe('exitKind', () => {
  const stall = `${start('10:40:24')}{"msg":"floatipd's event loop stood still for 212 ms (frozen or blocked): the guardian has removed, or is removing, this node's addresses"}\n`
    + '{"msg":"floatipd exits at once: event loop stalled for 212 ms"}\n';
  // With the fast path, the worker's verdict (src/daemon/fastpath): seen in CI as a "crash" of a frozen node.
  const fastPathStall = `${start('10:40:24')}{"msg":"floatipd exits at once: the process stood still for 1928 ms (frozen): the guardian fences"}\n`;
  const idleThenSegfault = `${start('10:40:24')}{"msg":"floatipd's event loop stood still for 300 ms while this node held no address"}\nSegmentation fault\n`;
  const fencedThaw = `${start('10:40:24')}{"msg":"the guardian removed this node's public addresses (this daemon was frozen or its pipe broke)"}\n`;
  const segfault = `${start('10:40:24')}{"msg":"floatipd running"}\nSegmentation fault\n`;

  test.each([
    ['a frozen node that found itself fenced once thawed', 'fence', fencedThaw, 'fenced-after-freeze'],
    ['a frozen node whose own loop saw the stall', 'fence', stall, 'fenced-after-freeze'],
    ['a stall exit nobody injected (the soak\'s load): the designed fence, not a crash', 'none', stall, 'stall-exit'],
    ['a frozen node ended by the fast path\'s verdict once thawed', 'fence', fastPathStall, 'fenced-after-freeze'],
    ['the fast path\'s stall exit nobody injected', 'none', fastPathStall, 'stall-exit'],
    ['an idle stall it lived through, then a real crash: a crash', 'none', idleThenSegfault, 'crash'],
    ['the guardian fenced a node nobody froze: a crash', 'none', fencedThaw, 'crash'],
    ['anything else', 'none', segfault, 'crash'],
    ['anything else, even while a freeze was expected', 'fence', segfault, 'crash'],
    ['an idle stall it lived through, then a crash, while a freeze was expected: a crash', 'fence', idleThenSegfault, 'crash'],
  ] as const)('%s', (_name, expected, segment, kind) => {
    expect(exitKind(expected, segment)).toBe(kind);
  });
});
