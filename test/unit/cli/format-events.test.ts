// The `floatip event status|run|script list` tables.

import { formatEventResult, formatEventStatus, formatScriptList } from '../../../src/cli/format/events';
import { EventResult } from '../../../src/protocol/event-results';

const at = Date.UTC(2025, 0, 2, 3, 4, 5, 678);

const failedMonitor: EventResult = {
  event: 'monitor',
  args: [],
  status: 'ERROR',
  exitCode: 1,
  startedAtMs: at,
  durationMs: 44.2,
  scripts: [
    { name: '00.floatip', status: 'OK', exitCode: 0, startedAtMs: at, durationMs: 12.5, output: 'fine\n', outputTruncated: false },
    { name: '49.winbind', status: 'DISABLED', startedAtMs: 0, durationMs: 0, output: '', outputTruncated: false },
    {
      name: '50.samba', status: 'ERROR', exitCode: 1, startedAtMs: at + 13, durationMs: 31.7,
      output: 'samba: smbd is not listening on TCP port 445\nsamba: check smbd\n', outputTruncated: true,
    },
  ],
};

describe('formatEventResult', () => {
  it('prints CTDB-like rows with OUTPUT under the failing script only', () => {
    expect(formatEventResult(failedMonitor)).toBe([
      'monitor: ERROR(1), 0.044 s, started 2025-01-02 03:04:05.678 UTC',
      '00.floatip   OK             0.013  2025-01-02 03:04:05.678 UTC',
      '49.winbind   DISABLED',
      '50.samba     ERROR(1)       0.032  2025-01-02 03:04:05.691 UTC',
      '  OUTPUT: samba: smbd is not listening on TCP port 445',
      '          samba: check smbd',
      '          (output truncated)',
      '',
    ].join('\n'));
  });

  it('shows the event arguments, the reason of a refusal and a script that produced nothing', () => {
    const text = formatEventResult({
      event: 'takeip', args: ['veth0', '192.0.2.7', '24'], status: 'CANNOT RUN', startedAtMs: at, durationMs: 1,
      reason: '10.open: script /e/10.open can be written by a non-root user (mode 777): chmod go-w it',
      scripts: [{ name: '10.open', status: 'CANNOT RUN', startedAtMs: 0, durationMs: 0, output: '', outputTruncated: false }],
    });
    expect(text.split('\n')).toEqual([
      'takeip veth0 192.0.2.7 24: CANNOT RUN, 0.001 s, started 2025-01-02 03:04:05.678 UTC',
      '  reason: 10.open: script /e/10.open can be written by a non-root user (mode 777): chmod go-w it',
      '10.open      CANNOT RUN',
      '  OUTPUT: (no output)',
      '',
    ]);
  });

  it('says when no script handles the event', () => {
    expect(formatEventResult({ event: 'recovered', args: [], status: 'OK', startedAtMs: at, durationMs: 0.2, scripts: [] }))
      .toMatch(/recovered: OK, 0\.000 s.*\n {2}\(no script handles this event\)\n$/);
  });
});

describe('formatEventStatus', () => {
  const startup: EventResult = { event: 'startup', args: [], status: 'OK', startedAtMs: at, durationMs: 5, scripts: [] };

  it('prints one event when asked, and says when it has not run', () => {
    expect(formatEventStatus([startup, failedMonitor], 'monitor')).toBe(formatEventResult(failedMonitor));
    expect(formatEventStatus([startup], 'shutdown')).toBe('shutdown: has not run since the daemon started\n');
  });

  it('prints every event that ran, separated by a blank line', () => {
    expect(formatEventStatus([startup, failedMonitor])).toBe(`${formatEventResult(startup)}\n${formatEventResult(failedMonitor)}`);
    expect(formatEventStatus([])).toBe('No event has run since the daemon started\n');
  });
});

describe('formatScriptList', () => {
  it('lists each script with its state, events and refusal', () => {
    expect(formatScriptList([
      { name: '00.floatip', enabled: true, events: ['init', 'startup', 'monitor'] },
      { name: '50.samba', enabled: false, events: 'all' },
      { name: '60.open', enabled: true, events: [], problem: 'script /e/60.open is owned by uid 1000, not root: chown root it' },
    ])).toBe([
      '00.floatip   enabled  init startup monitor',
      '50.samba     disabled all events',
      '60.open      enabled  no events',
      '  CANNOT RUN: script /e/60.open is owned by uid 1000, not root: chown root it',
      '',
    ].join('\n'));
    expect(formatScriptList([])).toMatch(/No scripts/);
  });
});
