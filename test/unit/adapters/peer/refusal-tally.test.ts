// The refusal tally: the first refusal reported at once, then one report of the counts per interval, none when quiet.

import { describeRefusals, RefusalReport, RefusalTally } from '../../../../src/adapters/peer/refusal-tally';

function tally() {
  const reports: RefusalReport[] = [];
  const pending: Array<() => void> = [];
  const counter = new RefusalTally((r) => reports.push(r), {
    schedule: (_ms, callback) => {
      pending.push(callback);
      return () => { pending.splice(pending.indexOf(callback), 1); };
    },
  }, 10_000);
  const endInterval = (): void => { pending.shift()?.(); };
  return { counter, reports, pending, endInterval };
}

test('1000 refusals in one interval make two reports: the first at once, then the counts by code and source', () => {
  const { counter, reports, endInterval } = tally();
  for (let i = 0; i < 1000; i++) counter.refused(i % 10 === 0 ? 'E_HANDSHAKE_TIMEOUT' : 'E_TOO_MANY_HANDSHAKES', '192.0.2.1');
  expect(reports).toEqual([{ counts: { E_HANDSHAKE_TIMEOUT: 1 }, sources: { '192.0.2.1': 1 }, intervalMs: 0 }]);
  endInterval();
  expect(reports[1]).toEqual({ counts: { E_HANDSHAKE_TIMEOUT: 99, E_TOO_MANY_HANDSHAKES: 900 }, sources: { '192.0.2.1': 999 }, intervalMs: 10_000 });
  expect(describeRefusals(reports[1])).toBe(
    'refused 999 more mesh connection(s) in the last 10 s: E_TOO_MANY_HANDSHAKES 900, E_HANDSHAKE_TIMEOUT 99 (from 192.0.2.1 999)');
});

test('a quiet interval ends the reporting; the next refusal is reported at once again', () => {
  const { counter, reports, pending, endInterval } = tally();
  counter.refused('E_UNKNOWN_PEER', '203.0.113.9');
  counter.refused('E_UNKNOWN_PEER', '203.0.113.9');
  endInterval();
  endInterval();
  expect(pending).toEqual([]);
  counter.refused('E_UNKNOWN_PEER', '203.0.113.9');
  expect(reports.map((r) => r.intervalMs)).toEqual([0, 10_000, 0]);
});

test('flush reports what is counted and stops the interval', () => {
  const { counter, reports, pending } = tally();
  counter.refused('E_OWN_ADDRESS', '192.0.2.2');
  counter.refused('E_OWN_ADDRESS', '192.0.2.2');
  counter.flush();
  expect(pending).toEqual([]);
  expect(reports.map((r) => r.counts)).toEqual([{ E_OWN_ADDRESS: 1 }, { E_OWN_ADDRESS: 1 }]);
});
