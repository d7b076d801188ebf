// Where the guardian runs: a systemd scope only for a systemd service on a systemd host, with systemd-run; the command it becomes.

import { choosePlacement, placedCommand, PlacementFacts } from '../../../src/daemon/guardian-placement';

const SERVICE: PlacementFacts = { invocationId: '0123abcd', systemdBooted: true, systemdRunExists: true };

describe('choosePlacement', () => {
  test.each([
    ['a systemd service', SERVICE, 'systemd-scope', /own/],
    ['systemd is not init (a container, this lab)', { ...SERVICE, systemdBooted: false }, 'beside', /not the init system/],
    ['started from a shell on a systemd host', { ...SERVICE, invocationId: undefined }, 'beside', /not started by systemd/],
    ['systemd-run missing', { ...SERVICE, systemdRunExists: false }, 'beside', /systemd-run is missing/],
  ] as const)('%s -> %s', (_name, facts, kind, why) => {
    const chosen = choosePlacement(facts);
    expect(chosen.placement.kind).toBe(kind);
    expect(chosen.why).toMatch(why);
  });
});

describe('placedCommand', () => {
  const guardian = { execPath: '/usr/lib/floatip/build/Release/floatip-guardian', args: ['--fence-after-ms=700'] };

  test('beside: the command as it is', () => {
    expect(placedCommand(guardian, { kind: 'beside' }, 42, 1)).toBe(guardian);
  });

  test('scope: systemd-run --scope execs the guardian in place, one unit name per guardian', () => {
    const placed = placedCommand(guardian, { kind: 'systemd-scope', systemdRun: '/usr/bin/systemd-run', unitPrefix: 'floatip-guardian' }, 42, 3);
    expect(placed.execPath).toBe('/usr/bin/systemd-run');
    expect(placed.args).toEqual([
      '--scope', '--quiet', '--collect', '--unit=floatip-guardian-42-3', '--description=floatip guardian of floatipd (pid 42)',
      '--property=TimeoutStopSec=65s', '--', '/usr/lib/floatip/build/Release/floatip-guardian', '--fence-after-ms=700',
    ]);
  });
});
