// floatip import-ctdb's mapping: CTDB's ctdb.conf, ctdb.tunables and script.options to floatip.toml
// text that floatip's own loader accepts, and the list of what has no counterpart.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { CtdbFiles, CtdbImport, importCtdb } from '../../../src/config/import-ctdb';
import { formatIssue } from '../../../src/config/issues';
import { FloatipConfig, loadConfig } from '../../../src/config/load';

const DEBIAN = path.resolve(__dirname, '../fixtures/ctdb-debian');
const debian = (name: string): string => readFileSync(path.join(DEBIAN, name), 'utf8');

/** Loads the imported text as /etc/floatip/floatip.toml beside a nodes file that has 192.0.2.11. */
async function loaded(result: CtdbImport): Promise<FloatipConfig> {
  const files: Record<string, string> = {
    '/etc/floatip/floatip.toml': result.toml,
    '/etc/floatip/nodes': '192.0.2.11\n192.0.2.12\n192.0.2.13\n',
    '/etc/floatip/public_addresses': '198.51.100.10/24 eth1\n',
  };
  const load = await loadConfig({ tomlPath: '/etc/floatip/floatip.toml' }, async (p) => {
    if (files[p] === undefined) throw Object.assign(new Error(`ENOENT ${p}`), { code: 'ENOENT' });
    return files[p];
  });
  if (!load.ok) throw new Error(`floatip refuses the import:\n${load.issues.map(formatIssue).join('\n')}\n---\n${result.toml}`);
  return { ...load.config };
}

const only = (files: Omit<CtdbFiles, 'dir'>): CtdbImport => importCtdb({ dir: '/etc/ctdb', ...files });
const conf = (text: string): CtdbImport => only({ conf: text });
const tunables = (text: string): CtdbImport => only({ tunables: text });

describe('importCtdb: Debian\'s shipped files', () => {
  const result = importCtdb({ dir: '/etc/ctdb', conf: debian('ctdb.conf'), tunables: debian('ctdb.tunables'), scriptOptions: debian('script.options') });

  it('maps the log level, lists syslog and the script option, and floatip loads it', async () => {
    expect(result.written).toEqual(['log.level']);
    expect(result.toml).toMatch(/^level = "info" {2}# from ctdb\.conf:\d+ \[logging\] log level = NOTICE; floatip has no NOTICE: info$/m);
    expect(result.unmapped.map((u) => `${u.where.split(':')[0]} ${u.setting}`)).toEqual([
      'ctdb.conf [logging] location = syslog',
      'script.options CTDB_RPCINFO_LOCALHOST="127.0.0.1"',
    ]);
    expect(result.toml).toContain('#   script.options:16 CTDB_RPCINFO_LOCALHOST="127.0.0.1": an event-script option: copy script.options to /etc/floatip/script.options');
    expect((await loaded(result)).log.level).toBe('info');
  });

  it('ignores the commented-out cluster lock and tunables', () => {
    expect(result.toml).not.toMatch(/cluster_lock|MutexEnabled/);
  });
});

describe('importCtdb: each mapped option', () => {
  it.each([
    ['[cluster]\n\tcluster lock = /clusterfs/.ctdb/reclock\n', (c: FloatipConfig) => {
      expect(c.cluster.cluster_lock).toEqual({ kind: 'fcntl', path: '/clusterfs/.ctdb/reclock' });
      expect(c.cluster.quorum).toBe('lock');
    }],
    ['[cluster]\nrecovery lock = !/usr/libexec/ctdb/ctdb_mutex_fcntl_helper /clusterfs/lock 5\n', (c: FloatipConfig) => {
      expect(c.cluster.cluster_lock).toEqual({ kind: 'helper', command: '/usr/libexec/ctdb/ctdb_mutex_fcntl_helper', args: ['/clusterfs/lock', '5'] });
    }],
    ['[cluster]\nnode address = 192.0.2.12\n', (c: FloatipConfig) => expect(c.node.address?.text).toBe('192.0.2.12')],
    ['[logging]\nlog level = DEBUG\n', (c: FloatipConfig) => expect(c.log.level).toBe('debug')],
    ['[logging]\nlog level = WARNING\n', (c: FloatipConfig) => expect(c.log.level).toBe('warn')],
  ])('ctdb.conf %j', async (text, check) => {
    const result = conf(text);
    expect(result.unmapped).toEqual([]);
    check(await loaded(result));
  });

  it.each([
    ['NoIPFailback=1', (c: FloatipConfig) => expect(c.ipalloc.no_ip_failback).toBe(true)],
    ['NoIPTakeover=1', (c: FloatipConfig) => expect(c.ipalloc.no_ip_takeover).toBe(true)],
    ['noiptakeover=0', (c: FloatipConfig) => expect(c.ipalloc.no_ip_takeover).toBe(false)],
    ['IPAllocAlgorithm=0', (c: FloatipConfig) => expect(c.ipalloc.algorithm).toBe('deterministic')],
    ['IPAllocAlgorithm=1', (c: FloatipConfig) => expect(c.ipalloc.algorithm).toBe('nondeterministic')],
    ['IPAllocAlgorithm=2', (c: FloatipConfig) => expect(c.ipalloc.algorithm).toBe('lcp2')],
    ['MonitorInterval=15', (c: FloatipConfig) => expect(c.events.monitor_schedule).toEqual({ kind: 'interval', every: 15_000 })],
    ['EventScriptTimeout=60', (c: FloatipConfig) => expect(c.events.default_timeout).toBe(60_000)],
    ['MonitorTimeoutCount=5', (c: FloatipConfig) => expect(c.events.monitor_timeouts_before_failure).toBe(5)],
    ['EnableBans=0', (c: FloatipConfig) => expect(c.ban.enabled).toBe(false)],
    ['RecoveryBanPeriod=600', (c: FloatipConfig) => expect(c.ban.period).toBe(600_000)],
    ['RecoveryGracePeriod=60', (c: FloatipConfig) => expect(c.ban.grace_period).toBe(60_000)],
  ])('ctdb.tunables %s', async (line, check) => {
    const result = tunables(`# tunables\n${line}\n`);
    expect(result.unmapped).toEqual([]);
    expect(result.toml).toContain(`# from ctdb.tunables:2 ${line}`);
    check(await loaded(result));
  });

  it('KeepaliveInterval/Limit: heartbeat every interval, dead after both, fence_after and takeover_deadline kept valid', async () => {
    const result = tunables('KeepaliveInterval=2\nKeepaliveLimit=4\n');
    expect(result.unmapped).toEqual([]);
    const { timing } = await loaded(result);
    expect(timing).toMatchObject({ heartbeat_interval: 2000, dead_after: 8000, fence_after: 5600, takeover_deadline: 13_000 });
    expect(result.toml).toContain('dead_after = "8s"  # from ctdb.tunables:1, ctdb.tunables:2 KeepaliveInterval=2 KeepaliveLimit=4');
  });

  it('KeepaliveLimit alone takes CTDB\'s default interval of 5 s; a short dead_after keeps the default deadline', async () => {
    expect((await loaded(tunables('KeepaliveLimit=10\n'))).timing).toMatchObject({ heartbeat_interval: 5000, dead_after: 50_000, fence_after: 35_000 });
    const short = tunables('KeepaliveInterval=1\nKeepaliveLimit=3\n');
    expect(short.written).not.toContain('timing.takeover_deadline');
    expect((await loaded(short)).timing).toMatchObject({ dead_after: 3000, fence_after: 2100, takeover_deadline: 5000 });
  });

  it('a later line of the same setting wins, as in CTDB', async () => {
    expect((await loaded(tunables('MonitorInterval=15\nMonitorInterval=30\n'))).events.monitor_schedule).toEqual({ kind: 'interval', every: 30_000 });
  });

  it('[failover] disabled = false is floatip\'s way anyway: nothing to write, nothing listed', () => {
    expect(conf('[failover]\ndisabled = false\n')).toMatchObject({ written: [], unmapped: [] });
  });
});

describe('importCtdb: what has no counterpart', () => {
  it.each([
    ['[failover]\ndisabled = true\n', 'floatip\'s only job is failover'],
    ['[database]\nvolatile database directory = /var/lib/ctdb/volatile\n', 'floatip keeps no databases'],
    ['[cluster]\nleader timeout = 10\n', 'floatip elects no leader'],
    ['[legacy]\nstart as disabled = true\n', 'run `floatip disable` after the start'],
    ['[cluster]\ncluster lokc = /x\n', 'not an option of ctdb.conf(5)'],
    ['[logging]\nlog level = LOUD\n', 'log level LOUD is not one of'],
    ['[cluster]\njust words\n', 'not a `key = value` line'],
  ])('ctdb.conf %j is listed: %s', async (text, reason) => {
    const result = conf(text);
    expect(result.written).toEqual([]);
    expect(result.unmapped).toEqual([expect.objectContaining({ where: 'ctdb.conf:2', reason: expect.stringContaining(reason) })]);
    expect(result.toml).toContain(`#   ctdb.conf:2 `);
    await loaded(result);
  });

  it.each([
    ['TakeoverTimeout=9', 'one deadline per run'],
    ['MutexEnabled=1', 'no counterpart in floatip'],
    ['IPAllocAlgorithm=7', 'IPAllocAlgorithm 7 is none of'],
    ['MonitorInterval=fast', 'a tunable is a whole number'],
    ['KeepaliveInterval=5\nKeepaliveLimit=1', 'raise KeepaliveLimit to 2 or more'],
    ['KeepaliveInterval=0', 'an interval or limit of 0'],
  ])('ctdb.tunables %j is listed: %s', async (text, reason) => {
    const result = tunables(`${text}\n`);
    expect(result.written).toEqual([]);
    expect(result.unmapped).toEqual([expect.objectContaining({ reason: expect.stringContaining(reason) })]);
    await loaded(result);
  });

  it('a value floatip refuses is dropped with its whole CTDB setting, and listed with floatip\'s reason', async () => {
    // dead_after = 20 s x 5 = 100 s is above floatip's 1 minute; heartbeat 20 s above its 10 s.
    const result = tunables('KeepaliveInterval=20\nKeepaliveLimit=5\nNoIPFailback=1\n');
    expect(result.written).toEqual(['ipalloc.no_ip_failback']);
    expect(result.unmapped).toEqual([expect.objectContaining({
      where: 'ctdb.tunables:1, ctdb.tunables:2', reason: expect.stringMatching(/^floatip refuses timing\.\w+ = /),
    })]);
    expect((await loaded(result)).timing.dead_after).toBe(1000);
  });

  it('a cluster lock floatip cannot read is listed, not written', async () => {
    const result = conf('[cluster]\ncluster lock = relative/lock\n');
    expect(result.written).toEqual([]);
    expect(result.unmapped[0].reason).toMatch(/floatip refuses cluster\.cluster_lock = "relative\/lock": .*is not a cluster lock/);
    await loaded(result);
  });
});
