// `floatip wait-ok`: asks status until the daemon says ready, waits through a daemon that is starting, gives up with the reason.

import { ControlCallError } from '../../../src/client/control-client';
import { StatusResult } from '../../../src/protocol/control-results';
import { STATUS } from '../daemon/control/fake-api';
import { CliHarness } from './harness';

const notReady = (reason: string, rule = 'run'): StatusResult => ({ ...STATUS, readiness: { ready: false, rule, reason } });
const ready: StatusResult = { ...STATUS, readiness: { ready: true, rule: 'ready', reason: 'OK, quorate, hosting what run 7 gave it' } };

describe('floatip wait-ok', () => {
  it('exits 0 at once when the node is ready', async () => {
    const cli = new CliHarness();
    cli.api.statusAnswer = ready;
    const run = await cli.run('wait-ok');
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toMatch(/^node 0 is OK: OK, quorate, hosting what run 7 gave it \(waited 0\.0 s\)\n$/);
    expect(cli.sent.map((c) => c.command)).toEqual(['status']);
  });

  it('asks again until the daemon says ready', async () => {
    const cli = new CliHarness();
    const answers = [notReady('this node is UNHEALTHY', 'flags'), notReady('no takeover run has finished here since it became OK'), ready];
    cli.api.statusAnswer = answers.shift() as StatusResult;
    cli.onSleep = () => { cli.api.statusAnswer = answers.shift() ?? ready; };
    const run = await cli.run('wait-ok', '--json');
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ pnn: 0, ready: true, reason: 'OK, quorate, hosting what run 7 gave it' });
    expect(cli.sent).toHaveLength(3);
  });

  it('gives up after --timeout with the reason and rule of the last answer (exit 1)', async () => {
    const cli = new CliHarness();
    cli.api.statusAnswer = notReady('its partition (node 2) has no quorum', 'quorum');
    const run = await cli.run('wait-ok', '--timeout', '2');
    expect(run.code).toBe(1);
    expect(run.stderr).toBe('floatip wait-ok: node 0 not OK after 2 s: its partition (node 2) has no quorum [quorum]\n');
    // Polled every 100 ms for 2 s (the harness clock also moves 2.5 ms per reading).
    expect(cli.sent.length).toBeGreaterThan(10);
    expect(cli.sent.length).toBeLessThanOrEqual(21);
  });

  it('waits through a daemon that does not answer yet (starting), exits 3 if it never does', async () => {
    const cli = new CliHarness();
    cli.unreachable = new ControlCallError('E_DAEMON_NOT_RUNNING', 'floatipd is not running (no socket at /tmp/test-floatip.sock)');
    let polls = 0;
    cli.onSleep = () => { if (++polls === 5) { cli.unreachable = undefined; cli.api.statusAnswer = ready; } };
    expect((await cli.run('wait-ok', '--timeout', '5')).code).toBe(0);

    cli.unreachable = new ControlCallError('E_DAEMON_NOT_RUNNING', 'floatipd is not running (no socket at /tmp/test-floatip.sock)');
    cli.onSleep = undefined;
    const never = await cli.run('wait-ok', '--timeout', '1');
    expect(never.code).toBe(3);
    expect(never.stderr).toBe('floatip wait-ok: floatipd did not answer within 1 s: floatipd is not running (no socket at /tmp/test-floatip.sock) [E_DAEMON_NOT_RUNNING]\n');
  });

  it('refuses a daemon too old to report readiness, and bad arguments', async () => {
    const cli = new CliHarness();
    const old = await cli.run('wait-ok');
    expect(old.code).toBe(1);
    expect(old.stderr).toMatch(/does not report readiness .* \[E_TOO_OLD\]/);
    expect((await cli.run('wait-ok', '--timeout', 'soon')).code).toBe(2);
    expect((await cli.run('wait-ok', 'extra')).code).toBe(2);
  });
});
