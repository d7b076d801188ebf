// Every `floatip` control command through runCli: the request it sends, its human and --json output, its exit code.

import { ControlCallError } from '../../../src/client/control-client';
import { ip } from '../../../src/core/ip';
import { DaemonApiError } from '../../../src/daemon/control/api';
import { EventResult, EventStatusResult } from '../../../src/protocol/event-results';
import { HISTORY, IPS, STATUS } from '../daemon/control/fake-api';
import { formatReloadNodes } from '../../../src/cli/commands/reloadnodes';
import { CliHarness } from './harness';

let h: CliHarness;
beforeEach(() => { h = new CliHarness(); });

/** argv, the request line's command and args, and the human output, exactly. */
const HUMAN: ReadonlyArray<[string[], string, unknown, string]> = [
  [['status'], 'status', {}, [
    'Number of nodes:4 (including 1 deleted node)',
    'pnn:0 192.0.2.1 OK (THIS NODE)',
    'pnn:1 192.0.2.2 UNHEALTHY',
    'pnn:2 192.0.2.3 DISCONNECTED|UNHEALTHY',
    'Epoch:12',
    'Leader:0',
    'Quorum:yes (majority; partition: 0,1)',
    'Monitor:healthy',
  ].join('\n')],
  [['ip'], 'ip', { verbose: false }, [
    'Public IPs as this node sees them',
    '203.0.113.10   0',
    '203.0.113.11   1',
    '2001:db8::10  -1',
  ].join('\n')],
  [['ip', '-v'], 'ip', { verbose: true }, [
    'Public IPs as this node sees them',
    '203.0.113.10/24 node[0]  active[veth0] available[veth0,veth1] configured[veth0,veth1]',
    '203.0.113.11/24 node[1]  active[]      available[veth0]       configured[veth0]',
    '2001:db8::10/64 node[-1] active[]      available[]            configured[veth1]',
  ].join('\n')],
  [['ifaces'], 'ifaces', {}, 'Interfaces on this node\nname:veth0 link:up   references:2\nname:veth1 link:down references:1'],
  [['disable'], 'disable', {}, 'node 0: disable'],
  [['enable', '-n', '2'], 'enable', { pnn: 2 }, 'node 2: enable'],
  [['stop', '--node=1'], 'stop', { pnn: 1 }, 'node 1: stop'],
  [['continue'], 'continue', {}, 'node 0: continue'],
  [['ban', '30', '-n', '1'], 'ban', { seconds: 30, pnn: 1 }, 'node 1: ban for 30 s'],
  [['ban', '-n', '1', '30'], 'ban', { seconds: 30, pnn: 1 }, 'node 1: ban for 30 s'],
  [['unban', '-n', '1'], 'unban', { pnn: 1 }, 'node 1: unban'],
  [['moveip', '203.0.113.10', '1'], 'moveip', { ip: '203.0.113.10', pnn: 1 }, '203.0.113.10 moved to node 1'],
  [['addip', '2001:db8::20/64', 'veth0,veth1'], 'addip', { prefix: '2001:db8::20/64', ifaces: ['veth0', 'veth1'] }, '2001:db8::20/64 added on veth0,veth1'],
  [['delip', '203.0.113.11'], 'delip', { ip: '203.0.113.11' }, '203.0.113.11 removed'],
  [['reloadips'], 'reloadips', {}, ['node 0: public addresses reloaded: 1 added, 0 removed, 0 changed', 'node 1: public addresses reloaded: 1 added, 0 removed, 0 changed', 'takeover run 13 done in 4 ms, 1 address(es) moved'].join('\n')],
  [['reloadips', '-n', '1'], 'reloadips', { nodes: [1] }, ['node 1: public addresses reloaded: 1 added, 0 removed, 0 changed', 'takeover run 13 done in 4 ms, 1 address(es) moved'].join('\n')],
  [['reloadnodes'], 'reloadnodes', {}, ['node 0: node 3 joined', 'node 1: node 3 joined', 'takeover run 14 done in 5 ms, 2 address(es) moved', 'node 3 joined'].join('\n')],
  [['reloadips', '-n', 'all'], 'reloadips', {}, ['node 0: public addresses reloaded: 1 added, 0 removed, 0 changed', 'node 1: public addresses reloaded: 1 added, 0 removed, 0 changed', 'takeover run 13 done in 4 ms, 1 address(es) moved'].join('\n')],
  [['ipreallocate'], 'ipreallocate', {}, 'takeover run 13 done'],
  [['ipreallocate', '--rebalance', '1,0,2'], 'ipreallocate', { rebalance: [1, 0, 2] }, 'takeover run 13 done'],
  [['gratarp', '203.0.113.10', 'veth0'], 'gratarp', { ip: '203.0.113.10', iface: 'veth0' }, 'announced 203.0.113.10 on veth0'],
  [['gettickles', '203.0.113.10'], 'gettickles', { ip: '203.0.113.10' }, [
    'Connections for IP: 203.0.113.10',
    'Num connections: 2',
    'SRC: 198.51.100.50:51234  DST: 203.0.113.10:445',
    'SRC: 198.51.100.7:40000   DST: 203.0.113.10:2049',
  ].join('\n')],
  [['event', 'status'], 'event-status', {}, [
    'monitor: OK, 0.013 s, started 2025-01-02 03:04:05.678 UTC',
    '00.floatip   OK             0.013  2025-01-02 03:04:05.678 UTC',
  ].join('\n')],
  [['event', 'status', 'takeip'], 'event-status', { event: 'takeip' }, 'takeip: has not run since the daemon started'],
  [['event', 'script', 'list'], 'event-script', { action: 'list' }, '00.floatip   enabled  all events\n50.samba     disabled monitor startup'],
  [['event', 'script', 'disable', '50.samba'], 'event-script', { action: 'disable', name: '50.samba' }, '50.samba disabled'],
  [['leader'], 'leader', {}, '0'],
  [['listnodes'], 'listnodes', {}, '192.0.2.1\n192.0.2.2\n192.0.2.3\n# deleted (pnn 3)'],
  [['ping'], 'ping', {}, 'response from 0 time=0.002500 sec'],
  [['uptime'], 'uptime', {}, [
    'Current time of node          :                2025-01-02 04:04:05.678 UTC',
    'floatipd start time           : (000 01:00:00) 2025-01-02 03:04:05.678 UTC',
    'Time of last takeover run     : (000 00:58:59) 2025-01-02 03:05:06.678 UTC',
    'Duration of last takeover run : 0.020040 seconds',
  ].join('\n')],
  [['history', '-l', '1'], 'history', { limit: 1 }, [
    'EPOCH  LEADER  STARTED                      STATUS  MOVES  ALLOC  RELEASE  TAKE  IPREALLOC   TOTAL  LOOP P99  REASON',
    '   12       0  2025-01-02 03:05:06.678 UTC  failed      1    0.1   1000.0   0.0        0.0  1000.5         -  node 1 flags changed',
    '  error: node 1 did not release 203.0.113.11',
    '(times in ms; LOOP P99 is the event-loop delay during the run)',
  ].join('\n')],
  // Every run the cluster made, whoever led it: node 2 led before node 0 came back.
  [['history'], 'history', {}, [
    'EPOCH  LEADER  STARTED                      STATUS  MOVES  ALLOC  RELEASE  TAKE  IPREALLOC   TOTAL  LOOP P99  REASON',
    '   12       0  2025-01-02 03:05:06.678 UTC  failed      1    0.1   1000.0   0.0        0.0  1000.5         -  node 1 flags changed',
    '  error: node 1 did not release 203.0.113.11',
    '   11       0  2025-01-02 03:04:05.678 UTC  ok          3    0.4     12.1   5.3        2.0    20.0       1.2  became leader',
    '   10       2  2025-01-02 03:03:35.678 UTC  ok          2    0.3      0.0   4.5        1.5     6.3       0.8  node 0 flags changed',
    '(times in ms; LOOP P99 is the event-loop delay during the run)',
  ].join('\n')],
];

describe('floatip control commands', () => {
  it.each(HUMAN)('floatip %j sends %s %j and prints its text', async (argv, command, args, text) => {
    const run = await h.run(...argv);
    expect(run).toEqual({ code: 0, stdout: `${text}\n`, stderr: '' });
    expect(h.sent.map((s) => s.command)).toEqual([command]);
    expect(h.lastArgs()).toEqual(args);
  });

  it.each(HUMAN)('floatip %j --json prints the daemon\'s result unchanged', async (argv) => {
    const json = await h.run(...argv, '--json');
    expect(json.code).toBe(0);
    expect(json.stderr).toBe('');
    expect(h.received).toHaveLength(1);
    expect(JSON.parse(json.stdout)).toEqual(h.received[0]);
    expect(json.stdout).toBe(`${JSON.stringify(h.received[0], null, 2)}\n`);
  });

  it('prints JSON results as the daemon sent them', async () => {
    expect(JSON.parse((await h.run('status', '--json')).stdout)).toEqual(STATUS);
    expect(JSON.parse((await h.run('ip', '-v', '--json')).stdout)).toEqual(IPS);
    expect(JSON.parse((await h.run('history', '--json')).stdout)).toEqual(HISTORY);
  });

  it('reloadips names every node that failed with its error and exits 1, also with --json', async () => {
    const run = await h.run('reloadips', '-n', '1,2');
    expect(h.lastArgs()).toEqual({ nodes: [1, 2] });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe([
      'node 1: public addresses reloaded: 1 added, 0 removed, 0 changed',
      'node 2: FAILED: node 2 is not connected: check `floatip status`, then reload it when it is back',
      'takeover run 13 done in 4 ms, 1 address(es) moved',
    ].join('\n') + '\n');
    const json = await h.run('reloadips', '-n', '2', '--json');
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, nodes: [{ pnn: 2, status: 'failed' }] });
  });

  it('reloadnodes names a node whose nodes file differs and exits 1', async () => {
    expect(formatReloadNodes({
      ok: false, added: [3], removed: [], run: null,
      message: 'refused on every node, nothing changed: every node must have the same nodes file (node 2: its nodes file differs (line 4: no line here, 192.0.2.4 on the coordinator))',
      nodes: [{ pnn: 0, status: 'ok', message: 'same nodes file' }, { pnn: 2, status: 'refused', message: 'its nodes file differs (line 4: no line here, 192.0.2.4 on the coordinator)' }],
    })).toEqual({
      exitCode: 1,
      text: ['node 0: same nodes file', 'node 2: REFUSED: its nodes file differs (line 4: no line here, 192.0.2.4 on the coordinator)',
        'reloadnodes: refused on every node, nothing changed: every node must have the same nodes file (node 2: its nodes file differs (line 4: no line here, 192.0.2.4 on the coordinator))'].join('\n') + '\n',
    });
  });

  it.each([['-n', '1,x'], ['-n', '1,1'], ['-n', '']])('reloadips %s %j is a usage error', async (...argv) => {
    const run = await h.run('reloadips', ...argv);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/PNN-LIST/);
    expect(h.sent).toEqual([]);
  });

  it.each([['--rebalance', '1,x'], ['--rebalance', '1,1'], ['--rebalance', '']])('ipreallocate %s %j is a usage error', async (...argv) => {
    const run = await h.run('ipreallocate', ...argv);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--rebalance (PNN-LIST: |needs a value)/);
    expect(h.sent).toEqual([]);
  });

  it('gives takeover verbs a long timeout and other commands a short one', async () => {
    await h.run('status');
    await h.run('ipreallocate');
    await h.run('ban', '5');
    expect(h.sent.map((s) => s.timeoutMs)).toEqual([10_000, 60_000, 60_000]);
  });

  it('event run: reads the timeout from floatip.toml, and --timeout overrides it', async () => {
    h.files['/etc/floatip/floatip.toml'] = '[events]\ndefault_timeout = "20s"\n[events.timeouts]\ntakeip = "7s"\n';
    await h.run('event', 'run', 'takeip', 'veth0', '203.0.113.10', '24');
    expect(h.lastArgs()).toEqual({ event: 'takeip', args: ['veth0', '203.0.113.10', '24'], timeoutMs: 7000 });
    expect(h.sent[0].timeoutMs).toBe(12_000);
    await h.run('event', 'run', 'monitor');
    expect(h.lastArgs()).toEqual({ event: 'monitor', args: [], timeoutMs: 20_000 });
    await h.run('event', 'run', 'monitor', '--timeout', '1.5', '--', '-x');
    expect(h.lastArgs()).toEqual({ event: 'monitor', args: ['-x'], timeoutMs: 1500 });
  });

  it('event status: reads the daemon\'s map of every event (null for those that never ran) and a single result', async () => {
    const monitor: EventResult = { event: 'monitor', args: [], status: 'OK', startedAtMs: 1000, durationMs: 2, scripts: [] };
    const startup: EventResult = { ...monitor, event: 'startup' };
    h.api.eventStatus = (event) => (event === undefined ? { init: null, startup, monitor, shutdown: null } : event === 'monitor' ? monitor : null);
    const all = await h.run('event', 'status');
    expect(all.code).toBe(0);
    expect(all.stdout).toBe('startup: OK, 0.002 s, started 1970-01-01 00:00:01.000 UTC\n  (no script handles this event)\n\n'
      + 'monitor: OK, 0.002 s, started 1970-01-01 00:00:01.000 UTC\n  (no script handles this event)\n');
    expect((await h.run('event', 'status', 'monitor')).stdout).toBe('monitor: OK, 0.002 s, started 1970-01-01 00:00:01.000 UTC\n  (no script handles this event)\n');
    expect((await h.run('event', 'status', 'takeip')).stdout).toBe('takeip: has not run since the daemon started\n');
    h.api.eventStatus = () => ({ init: null });
    expect((await h.run('event', 'status')).stdout).toBe('No event has run since the daemon started\n');
    // A broken answer: the CLI names what it lacks.
    h.api.eventStatus = () => ({ monitor: { event: 'monitor' } }) as unknown as EventStatusResult;
    expect((await h.run('event', 'status')).stderr).toContain('the daemon\'s answer to event status (monitor) has no field \'args\'');
  });

  it('event run: exits 1 when the event failed, and shows the failing output', async () => {
    h.api.eventRun = async () => ({
      event: 'monitor', args: [], status: 'ERROR', exitCode: 1, startedAtMs: 1, durationMs: 5,
      scripts: [{ name: '50.samba', status: 'ERROR', exitCode: 1, startedAtMs: 1, durationMs: 5, output: 'smbd is down\n', outputTruncated: false }],
    });
    const run = await h.run('event', 'run', 'monitor', '--timeout', '3');
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('OUTPUT: smbd is down');
  });

  it('leader: exits 1 when this node follows no leader', async () => {
    h.api.leader = () => ({ leader: -1, epoch: 4 });
    expect(await h.run('leader')).toEqual({ code: 1, stdout: 'none: this node\'s partition has no quorum, so it follows no leader\n', stderr: '' });
  });

  it('status: says when this node has no quorum', async () => {
    h.api.status = () => ({ ...STATUS, quorate: false, leader: -1, partition: [2] });
    const run = await h.run('status');
    expect(run.stdout).toContain('Leader:none\nQuorum:NO (majority; partition: 2)\n');
    expect(run.stdout).toContain('This node has no quorum');
  });

  it('a refusal from the daemon: its message and code on stderr, exit 1', async () => {
    h.api.failWith('admin', new DaemonApiError('E_NOT_QUORATE', 'this node has no quorum: start more nodes first'));
    expect(await h.run('disable')).toEqual({
      code: 1, stdout: '', stderr: 'floatip disable: this node has no quorum: start more nodes first [E_NOT_QUORATE]\n',
    });
  });

  it('status with no daemon says so plainly and exits 3', async () => {
    h.unreachable = new ControlCallError('E_DAEMON_NOT_RUNNING', 'floatipd is not running on this node (no control socket at /run/floatip/control.sock)');
    const run = await h.run('status');
    expect(run.code).toBe(3);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe('floatip status: floatipd is not running on this node (no control socket at /run/floatip/control.sock) [E_DAEMON_NOT_RUNNING]\n');
  });

  it('a reply of the wrong shape is a clear error, not a crash', async () => {
    h.api.status = () => ({ pnn: 0 } as never);
    const run = await h.run('status');
    expect(run.code).toBe(1);
    expect(run.stderr).toBe('floatip status: the daemon\'s answer to status has no field \'nodes\': are floatip and floatipd the same version? [E_CONTROL_BAD_REPLY]\n');
  });

  it.each([
    [['ban'], 'missing SECONDS'],
    [['ban', '0'], 'SECONDS must be a whole number 1..4294967295, not \'0\''],
    [['ban', '10', '-n'], '--node needs a value: PNN'],
    [['ban', '10', '-n', 'x'], '-n PNN must be a whole number'],
    [['disable', '--frob'], 'unknown option \'--frob\' (this command takes -n|--node, --json, --socket)'],
    [['status', 'extra'], 'takes no arguments, but got \'extra\''],
    [['moveip', '203.0.113.10'], 'missing PNN'],
    [['moveip', '203.0.113.300', '1'], 'IP must be an IPv4 or IPv6 address'],
    [['addip', '203.0.113.10', 'veth0'], 'IP/BITS must be ADDR/BITS, e.g. 198.51.100.7/24'],
    [['addip', '203.0.113.10/0', 'veth0'], 'IP/BITS needs a prefix length of 1 or more'],
    [['addip', '203.0.113.10/24', 'veth0,veth0'], 'IFACE list names veth0 twice'],
    [['addip', '203.0.113.10/24', 'a-very-long-interface'], 'IFACE 1 must be an interface name'],
    [['gratarp', '203.0.113.10'], 'missing IFACE'],
    [['gettickles'], 'missing IP'],
    [['event'], 'missing status, run or script'],
    [['event', 'frob'], 'unknown event subcommand \'frob\''],
    [['event', 'run'], 'missing EVENT'],
    [['event', 'run', 'bogus'], 'unknown event \'bogus\': use one of init, setup'],
    [['event', 'run', 'monitor', '--timeout', '0'], '--timeout must be seconds between 0.001 and 3600'],
    [['event', 'status', '--timeout', '3'], '--timeout goes with event run only'],
    [['event', 'script', 'enable'], 'missing NAME'],
    [['event', 'script', 'enable', 'samba'], 'NAME must be a script name NN.name'],
    [['event', 'script', 'zap', '50.samba'], 'unknown script action \'zap\''],
    [['history', '-l', '0'], '--limit must be a whole number 1..100000'],
    [['ip', '--json=yes'], '--json takes no value'],
  ])('floatip %j is a usage error (exit 2): %s', async (argv, message) => {
    const run = await h.run(...argv);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(`floatip ${argv[0]}: ${message}`);
    expect(run.stderr).toContain(`Try 'floatip ${argv[0]} --help'.`);
    expect(h.sent).toEqual([]);
  });

  it('every command has --help with its usage and the shared options', async () => {
    const top = await h.run('--help');
    const names = top.stdout.split('\n').filter((l) => /^ {2}[a-z]/.test(l)).map((l) => l.trim().split(/\s+/)[0]);
    expect(names).toEqual(expect.arrayContaining(['status', 'ip', 'ifaces', 'disable', 'enable', 'stop', 'continue', 'ban', 'unban',
      'moveip', 'addip', 'delip', 'reloadips', 'ipreallocate', 'gratarp', 'gettickles', 'event', 'leader', 'listnodes', 'ping',
      'uptime', 'history', 'cleanup']));
    for (const name of names) {
      const help = await h.run(name, '--help');
      expect(help.code).toBe(0);
      expect(help.stdout).toMatch(new RegExp(`^usage: floatip ${name}\\b`));
      if (!['ipalloc', 'lab', 'cleanup', 'keygen', 'import-ctdb', 'config', 'version'].includes(name)) expect(help.stdout).toContain('--socket PATH');
    }
    expect(h.sent).toEqual([]);
  });
});

describe('socket path', () => {
  it('--socket wins over FLOATIP_SOCKET', async () => {
    await h.run('ping', '--socket', '/tmp/other.sock');
    expect(h.sent[0].socketPath).toBe('/tmp/other.sock');
  });

  it('FLOATIP_SOCKET wins over floatip.toml', async () => {
    h.files['/etc/floatip/floatip.toml'] = '[control]\nsocket = "/srv/f.sock"\n';
    await h.run('ping');
    expect(h.sent[0].socketPath).toBe('/tmp/test-floatip.sock');
  });

  it('reads control.socket from floatip.toml (relative to its directory), else the default', async () => {
    h.env = { FLOATIP_CONFIG: '/opt/f/floatip.toml' };
    h.files['/opt/f/floatip.toml'] = '[control]\nsocket = "run/c.sock"\n';
    await h.run('ping');
    h.env = {};
    await h.run('ping');
    expect(h.sent.map((s) => s.socketPath)).toEqual(['/opt/f/run/c.sock', '/run/floatip/control.sock']);
  });

  it('ignores problems elsewhere in floatip.toml but reports a bad control.socket with file and line', async () => {
    h.env = {};
    h.files['/etc/floatip/floatip.toml'] = '[timing]\nbogus = 1\n';
    expect((await h.run('ping')).code).toBe(0);
    h.files['/etc/floatip/floatip.toml'] = '\n[control]\nsocket = 5\n';
    const run = await h.run('ping');
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^floatip ping: \/etc\/floatip\/floatip\.toml:3: control\.socket: /);
    expect(run.stderr).toContain('give the socket with --socket PATH');
  });

  it('a floatip.toml that is not TOML: the default socket, and one warning line naming file:line and the socket', async () => {
    h.env = { FLOATIP_CONFIG: '/opt/f/floatip.toml' };
    h.files['/opt/f/floatip.toml'] = '[control]\nsocket = "run/c.sock"\n[timing\n';
    const run = await h.run('ping');
    expect(run.code).toBe(0);
    expect(h.sent[0].socketPath).toBe('/run/floatip/control.sock');
    expect(run.stderr).toMatch(/^floatip ping: warning: \/opt\/f\/floatip\.toml:3: .*; using the default socket \/run\/floatip\/control\.sock \(fix the file, or give the socket with --socket PATH\)\n$/);
  });

  it('event run with a floatip.toml that is not TOML: default timeouts, each fallback said once', async () => {
    h.env = {};
    h.files['/etc/floatip/floatip.toml'] = 'x = = 1\n';
    const run = await h.run('event', 'run', 'monitor');
    expect(run.code).toBe(0);
    expect(run.stderr.split('\n').filter((line) => line !== '')).toEqual([
      expect.stringMatching(/^floatip event: warning: \/etc\/floatip\/floatip\.toml:1: .*using the default event timeouts/),
      expect.stringMatching(/^floatip event: warning: \/etc\/floatip\/floatip\.toml:1: .*using the default socket/),
    ]);
  });

  it('a missing FLOATIP_CONFIG file is an error (the default one may be absent)', async () => {
    h.env = { FLOATIP_CONFIG: '/nope/floatip.toml' };
    const run = await h.run('ping');
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('cannot read /nope/floatip.toml');
  });
});

describe('floatip cleanup', () => {
  it('removes only floatip-tagged addresses and lists them', async () => {
    h.netlink.externalAdd('veth1', ip('203.0.113.11'), 24, { owned: true });
    h.netlink.externalAdd('veth0', ip('2001:db8::10'), 64, { owned: true });
    h.netlink.externalAdd('veth0', ip('203.0.113.10'), 24, { owned: true });
    h.netlink.externalAdd('veth0', ip('192.0.2.1'), 24, { owned: false });
    const run = await h.run('cleanup');
    expect(run).toEqual({
      code: 0,
      stdout: 'removed  203.0.113.10/24  veth0\nremoved  2001:db8::10/64  veth0\nremoved  203.0.113.11/24  veth1\n',
      stderr: '',
    });
    await h.netlink.start();
    expect((await h.netlink.listAddresses()).map((a) => a.address.text)).toEqual(['192.0.2.1']);
    expect(await h.run('cleanup', '--json')).toEqual({ code: 0, stdout: '[]\n', stderr: '' });
  });

  it('--json lists what it removed', async () => {
    h.netlink.externalAdd('veth0', ip('203.0.113.10'), 24, { owned: true });
    expect(JSON.parse((await h.run('cleanup', '--json')).stdout)).toEqual([{ interface: 'veth0', address: '203.0.113.10', bits: 24 }]);
  });
});
