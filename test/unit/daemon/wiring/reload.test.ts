// SIGHUP reload: a bad configuration changes nothing; a good one moves only the address list and the log level live, and names the rest.

import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FloatipConfig, loadConfig } from '../../../../src/config';
import { checkClusterKeyFile } from '../../../../src/adapters/peer/cluster-key';
import { AddressListChange } from '../../../../src/daemon/runtime/address-list';
import { changedSettings, reloadConfig, ReloadTarget } from '../../../../src/daemon/wiring/reload';
import { LogLevel } from '../../../../src/daemon/logging';
import { recordingLogger } from '../runtime/harness/recording-logger';

const TOML = '/etc/floatip/floatip.toml';
const PUBLIC = '/etc/floatip/public_addresses';
const NODES = '192.0.2.1\n192.0.2.2\n192.0.2.3\n';

function filesystem(files: Record<string, string>) {
  return async (path: string): Promise<string> => {
    if (files[path] === undefined) throw Object.assign(new Error(`no ${path}`), { code: 'ENOENT' });
    return files[path];
  };
}

async function load(toml: string, publicAddresses: string): Promise<FloatipConfig> {
  const loaded = await loadConfig({ tomlPath: TOML }, filesystem({ [TOML]: toml, '/etc/floatip/nodes': NODES, [PUBLIC]: publicAddresses }));
  if (!loaded.ok) throw new Error(loaded.issues.map((i) => i.message).join('; '));
  return loaded.config;
}

function recordingTarget() {
  const calls: { addresses: string[][]; levels: LogLevel[] } = { addresses: [], levels: [] };
  const target: ReloadTarget = {
    async reloadAddresses(list): Promise<AddressListChange> {
      calls.addresses.push(list.map((l) => `${l.address.text}/${l.bits}`));
      return { added: ['198.51.100.3'], removed: ['198.51.100.2'], changed: [], release: [] };
    },
    setLogLevel: (level) => { calls.levels.push(level); },
    existingInterfaces: async () => new Set(['lo', 'eth1']),
    checkClusterKey: async () => undefined,
  };
  return { target, calls };
}

describe('reloadConfig', () => {
  test('a configuration with problems is refused whole: nothing is applied, every problem is logged', async () => {
    const current = await load('[node]\npnn = 0\n', '198.51.100.1/24 eth1\n');
    const { target, calls } = recordingTarget();
    const log = recordingLogger();
    const files = filesystem({ [TOML]: '[node]\npnn = 0\n[log]\nlevel = "loud"\n', '/etc/floatip/nodes': NODES, [PUBLIC]: '198.51.100.300/24 eth1\n' });
    const outcome = await reloadConfig(current, TOML, files, target, log);
    expect(outcome.kind).toBe('refused');
    expect(calls).toEqual({ addresses: [], levels: [] });
    const refusal = log.lines.find((l) => l.level === 'error');
    expect(refusal?.message).toMatch(/reload refused: .* 2 problem\(s\); nothing changed/);
    expect(refusal?.fields.problems).toEqual([
      expect.stringMatching(/^\/etc\/floatip\/floatip\.toml:4: log\.level: /),
      expect.stringMatching(/^\/etc\/floatip\/public_addresses:1: .*198\.51\.100\.300/),
    ]);
  });

  test('a node\'s private address in public_addresses is refused with file:line, at start and on SIGHUP', async () => {
    const files = { [TOML]: '[node]\npnn = 0\n', '/etc/floatip/nodes': NODES, [PUBLIC]: '198.51.100.1/24 eth1\n192.0.2.2/24 eth1\n' };
    const start = await loadConfig({ tomlPath: TOML }, filesystem(files));
    expect(start.ok).toBe(false);
    if (!start.ok) {
      expect(start.issues).toEqual([expect.objectContaining({ code: 'E_PUBLIC_PRIVATE', file: PUBLIC, line: 2,
        message: expect.stringMatching(/192\.0\.2\.2 is node 1's private address \(nodes line 2\)/) })]);
    }
    const current = await load('[node]\npnn = 0\n', '198.51.100.1/24 eth1\n');
    const { target, calls } = recordingTarget();
    const log = recordingLogger();
    const outcome = await reloadConfig(current, TOML, filesystem(files), target, log);
    expect(outcome).toEqual({ kind: 'refused', problems: [expect.stringMatching(/^\/etc\/floatip\/public_addresses:2: 192\.0\.2\.2 is node 1's private address/)] });
    expect(calls.addresses).toEqual([]);
  });

  test('a good one reloads the address list and the log level, and names settings that need a restart', async () => {
    const current = await load('[node]\npnn = 0\n', '198.51.100.1/24 eth1\n198.51.100.2/24 eth1\n');
    const { target, calls } = recordingTarget();
    const log = recordingLogger();
    const files = filesystem({
      [TOML]: '[node]\npnn = 0\n[log]\nlevel = "debug"\n[timing]\ndead_after = "2s"\n',
      '/etc/floatip/nodes': NODES, [PUBLIC]: '198.51.100.1/24 eth1\n198.51.100.3/24 eth1\n',
    });
    const outcome = await reloadConfig(current, TOML, files, target, log);
    expect(calls).toEqual({ addresses: [['198.51.100.1/24', '198.51.100.3/24']], levels: ['debug'] });
    expect(outcome).toMatchObject({ kind: 'applied', restartNeeded: ['timing.dead_after'] });
    if (outcome.kind !== 'applied') return;
    // The daemon keeps running on its old timings: only what was applied is in the new current config.
    expect(outcome.config.timing.dead_after).toBe(1000);
    expect(outcome.config.log.level).toBe('debug');
    expect(outcome.config.public_addresses.map((l) => l.address.text)).toEqual(['198.51.100.1', '198.51.100.3']);
    expect(log.lines.some((l) => l.level === 'warn' && /timing\.dead_after changed; .*restarted/.test(l.message))).toBe(true);
  });

  test('a public address on an interface this node lacks is applied with a warning naming file:line and the interface', async () => {
    const current = await load('[node]\npnn = 0\n', '198.51.100.1/24 eth1\n');
    const { target, calls } = recordingTarget();
    const log = recordingLogger();
    const files = filesystem({ [TOML]: '[node]\npnn = 0\n', '/etc/floatip/nodes': NODES,
      [PUBLIC]: '198.51.100.1/24 eth1\n# a bond brought up later\n198.51.100.2/24 bond7\n198.51.100.3/24 bond7,eth1\n' });
    const outcome = await reloadConfig(current, TOML, files, target, log);
    expect(outcome.kind).toBe('applied');
    expect(calls.addresses).toEqual([['198.51.100.1/24', '198.51.100.2/24', '198.51.100.3/24']]);
    expect(log.lines.filter((l) => l.fields.code === 'W_PUBLIC_INTERFACE_MISSING').map((l) => [l.level, l.message])).toEqual([
      ['warn', expect.stringMatching(/^\/etc\/floatip\/public_addresses:3: interface bond7 does not exist on this node, so this node cannot host 198\.51\.100\.2\/24 .*: create the interface/)],
      ['warn', expect.stringMatching(/^\/etc\/floatip\/public_addresses:4: interface bond7 does not exist on this node; 198\.51\.100\.3\/24 can use only eth1 here/)],
    ]);
  });

  test('a kernel that cannot list its interfaces does not stop the reload: one warning says the check was skipped', async () => {
    const current = await load('[node]\npnn = 0\n', '');
    const { target, calls } = recordingTarget();
    const log = recordingLogger();
    const files = filesystem({ [TOML]: '[node]\npnn = 0\n', '/etc/floatip/nodes': NODES, [PUBLIC]: '198.51.100.2/24 bond7\n' });
    const outcome = await reloadConfig(current, TOML, files, { ...target, existingInterfaces: async () => { throw new Error('ENOBUFS'); } }, log);
    expect(outcome.kind).toBe('applied');
    expect(calls.addresses).toEqual([['198.51.100.2/24']]);
    expect(log.lines.filter((l) => l.level === 'warn').map((l) => l.message)).toContainEqual(expect.stringMatching(/cannot list this node's interfaces .*ENOBUFS/));
  });

  test('a changed nodes file is not applied by SIGHUP: the log says to run reloadnodes', async () => {
    const current = await load('[node]\npnn = 0\n', '');
    const { target } = recordingTarget();
    const log = recordingLogger();
    const files = filesystem({ [TOML]: '[node]\npnn = 0\n', '/etc/floatip/nodes': `${NODES}198.51.100.9\n`, [PUBLIC]: '' });
    const outcome = await reloadConfig(current, TOML, files, target, log);
    expect(outcome).toMatchObject({ kind: 'applied' });
    expect(outcome.kind === 'applied' && outcome.restartNeeded).toContain('nodes');
    const warnings = log.lines.filter((l) => l.level === 'warn').map((l) => l.message);
    expect(warnings).toContainEqual(expect.stringMatching(/nodes changed; SIGHUP does not apply it: .*run `floatip reloadnodes`/));
    // Not among the settings that wait for a restart.
    expect(warnings.filter((w) => /take effect when floatipd is restarted/.test(w))).not.toContainEqual(expect.stringMatching(/\bnodes\b/));
  });

  test('a node found by its local address keeps that identity across a reload', async () => {
    const current = { ...(await load('', '')), node: { ...(await load('[node]\npnn = 2\n', '')).node } };
    const { target } = recordingTarget();
    const outcome = await reloadConfig(current, TOML, filesystem({ [TOML]: '', '/etc/floatip/nodes': NODES, [PUBLIC]: '' }), target, recordingLogger());
    expect(outcome).toMatchObject({ kind: 'applied', restartNeeded: [] });
  });
});

describe('reloadConfig and cluster.key_file: checked at once, as floatipd reads it at start', () => {
  let dir: string;
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'fy-reload-key-')); });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const keyFile = (name: string, bytes: number, mode: number): string => {
    const file = join(dir, name);
    writeFileSync(file, Buffer.alloc(bytes, 7), { mode });
    chmodSync(file, mode);
    return file;
  };

  async function reloadKey(before: string, after: string) {
    const toml = (file: string) => `[node]\npnn = 0\n[cluster]\nkey_file = "${file}"\n`;
    const current = await load(toml(before), '');
    const { target } = recordingTarget();
    const log = recordingLogger();
    const files = filesystem({ [TOML]: toml(after), '/etc/floatip/nodes': NODES, [PUBLIC]: '' });
    const outcome = await reloadConfig(current, TOML, files, { ...target, checkClusterKey: checkClusterKeyFile }, log);
    const keyLines = log.lines.filter((l) => /key/.test(l.message)).map((l) => [l.level, l.message]);
    return { outcome, keyLines };
  }

  test('a new, valid key file: one line says so and that it takes effect at restart', async () => {
    const old = keyFile('old.key', 32, 0o600);
    const next = keyFile('new.key', 32, 0o400);
    const { outcome, keyLines } = await reloadKey(old, next);
    expect(outcome).toMatchObject({ kind: 'applied', restartNeeded: ['cluster.key_file'] });
    expect(keyLines).toEqual([['warn', `reload: cluster.key_file changed to ${next}: the new key file is valid; it takes effect at restart `
      + '(nodes with different keys cannot talk: copy the same file to every node and restart them all)']]);
  });

  test.each([
    ['readable by others', (): string => keyFile('new.key', 32, 0o644), /has mode 0644, .*: run `chmod 600 .*new\.key`/],
    ['too short', (): string => keyFile('new.key', 8, 0o600), /holds 8 bytes, fewer than the 16 a cluster key needs/],
    ['absent', (): string => join(dir, 'absent.key'), /does not exist: create it with `head -c 32 \/dev\/urandom/],
  ])('a new key file that is %s: an error line with the precise problem and what to do', async (_what, make, problem) => {
    const old = keyFile('old.key', 32, 0o600);
    const next = make();
    const { outcome, keyLines } = await reloadKey(old, next);
    expect(outcome.kind).toBe('applied');
    expect(keyLines).toEqual([['error', expect.stringMatching(new RegExp(
      `^reload: cluster\\.key_file changed to ${next.replace(/[.]/g, '\\.')}, but that file ${problem.source}.*would not start again until this is fixed`))]]);
  });

  test('the same path: silent while the file is valid, an error once it was broken since the start', async () => {
    const file = keyFile('cluster.key', 32, 0o600);
    expect((await reloadKey(file, file)).keyLines).toEqual([]);
    chmodSync(file, 0o640);
    expect((await reloadKey(file, file)).keyLines).toEqual([['error', expect.stringMatching(/^reload: the cluster key file .*cluster\.key \(unchanged path\) has mode 0640, so other users can read or change the cluster key: run `chmod 600 /)]]);
  });
});

describe('changedSettings', () => {
  test('names each changed option, and nodes as a whole', async () => {
    const before = await load('', '');
    const after = { ...(await load('[garp]\ncount = 5\n[ipalloc]\nalgorithm = "deterministic"\n', '198.51.100.9/24 eth1\n')), nodes: before.nodes.slice(0, 2) };
    expect(changedSettings(before, after)).toEqual(['ipalloc.algorithm', 'garp.count', 'nodes']);
  });

  test('equal configurations differ in nothing', async () => {
    expect(changedSettings(await load('[timing]\nprofile = "fast"\n', ''), await load('[timing]\nprofile = "fast"\n', ''))).toEqual([]);
  });
});
