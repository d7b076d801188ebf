// The quiet bench's judgement of daemon logs: what counts as a spurious detection, fence, stall or exit, and only after the lab settled.

import { countLogEvents, parseQuietOptions } from '../../../bench/quiet';

const line = (time: string, fields: Record<string, unknown>): string => JSON.stringify({ level: 'info', time, pid: 1, pnn: 0, ...fields });
const SETTLED = '2026-12-07T00:20:00.000Z';

test('counts a peer newly judged DISCONNECTED, not one that already was', () => {
  const log = [
    line('2026-12-07T00:20:01.000Z', { change: 'flags', node: 1, msg: 'node 1: OK -> DISCONNECTED (stream-closed)' }),
    line('2026-12-07T00:20:02.000Z', { change: 'flags', node: 1, msg: 'node 1: DISCONNECTED -> DISCONNECTED|UNHEALTHY (monitor)' }),
    line('2026-12-07T00:20:03.000Z', { change: 'flags', node: 2, msg: 'node 2: UNHEALTHY -> DISCONNECTED|UNHEALTHY (silence)' }),
    line('2026-12-07T00:20:04.000Z', { change: 'flags', node: 2, msg: 'node 2: DISCONNECTED -> OK (heartbeat)' }),
  ].join('\n');
  expect(countLogEvents(log, SETTLED)).toMatchObject({ disconnected: 2, fences: 0, stalls: 0, fatalExits: 0 });
});

test('counts fences, stall reports and fatal exits; lines before the lab settled and lines that are not JSON are left out', () => {
  const log = [
    line('2026-12-07T00:19:59.000Z', { component: 'fence', msg: 'fenced (no-quorum): releasing every public address' }),
    '# floatip lab: starting floatipd for node 0',
    '{"time": broken',
    line('2026-12-07T00:20:05.000Z', { component: 'fence', msg: 'fenced (no-quorum): releasing every public address' }),
    line('2026-12-07T00:20:06.000Z', { component: 'guard', msg: 'the whole process stood still for 40 ms while this node held no address: nothing to fence' }),
    line('2026-12-07T00:20:07.000Z', { component: 'daemon', fatal: true, msg: 'floatipd exits at once: the whole process stood still for 35 ms (frozen): the guardian fences' }),
  ].join('\n');
  const events = countLogEvents(log, SETTLED);
  expect(events).toMatchObject({ disconnected: 0, fences: 1, stalls: 2, fatalExits: 1 });
  expect(events.examples).toHaveLength(3); // one line each, though the exit line counts as a stall and an exit
});

test('a quiet log counts nothing', () => {
  const log = [line('2026-12-07T00:20:01.000Z', { component: 'runtime', change: 'flags', msg: 'node 1: DISCONNECTED -> OK (heartbeat)' })].join('\n');
  expect(countLogEvents(log, SETTLED)).toEqual({ disconnected: 0, fences: 0, stalls: 0, fatalExits: 0, examples: [] });
});

test('options: ultra for 10 minutes by default; bad values are refused by name', () => {
  expect(parseQuietOptions([])).toEqual({ profile: 'ultra', minutes: 10, addresses: 3, prefix: 'fq', besideSoak: false, floatipd: undefined });
  expect(parseQuietOptions(['--profile', 'fast', '--minutes', '2', '--addresses', '1000', '--beside-soak'])).toMatchObject({ profile: 'fast', minutes: 2, addresses: 1000, besideSoak: true });
  expect(() => parseQuietOptions(['--profile', 'turbo'])).toThrow(/--profile takes a comma-separated list of default, fast, ultra/);
  expect(() => parseQuietOptions(['--minutes', '0'])).toThrow(/--minutes takes a whole number >= 1/);
  expect(() => parseQuietOptions(['--prefix', 'abcdef'])).toThrow(/at most 5 characters/);
});
