// floatipd --check-config: exit 0 on a configuration a start would accept, 2 with the loader's FILE:LINE messages otherwise.

import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkClusterKeyFile } from '../../../../src/adapters/peer/cluster-key';
import { checkConfig, CheckConfigIo } from '../../../../src/daemon/wiring/check-config';
import { captureIo } from '../../cli/harness';

function filesystem(files: Record<string, string>): (path: string) => Promise<string> {
  return async (path) => {
    if (path in files) return files[path];
    throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
  };
}

async function check(files: Record<string, string>, keyCheck?: CheckConfigIo['checkClusterKey']): Promise<{ code: number; stdout: string; stderr: string }> {
  const { io, out, err } = captureIo();
  const code = await checkConfig('/etc/floatip/floatip.toml', {
    readFile: filesystem(files),
    statFile: async (path) => {
      if (path in files) return { uid: 0, mode: 0o100644 };
      throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
    },
    checkClusterKey: keyCheck ?? (async (path) => (path in files ? undefined : { message: `${path}: does not exist: create it` })),
    stdout: io.stdout,
    stderr: io.stderr,
  });
  return { code, stdout: out(), stderr: err() };
}

const VALID = {
  '/etc/floatip/floatip.toml': '[timing]\nprofile = "fast"\n',
  '/etc/floatip/nodes': '192.0.2.11\n192.0.2.12\n192.0.2.13\n',
  '/etc/floatip/public_addresses': '198.51.100.10/24 eth1\n',
  '/etc/floatip/cluster.key': 'k'.repeat(32),
};

describe('checkConfig', () => {
  test('a valid configuration exits 0 and says what it found', async () => {
    const result = await check(VALID);
    expect(result).toEqual({ code: 0, stdout: expect.stringContaining('valid (3 node(s), 1 public address(es))'), stderr: '' });
  });

  test('every problem is named with its file and line, exit 2', async () => {
    const result = await check({
      ...VALID,
      '/etc/floatip/floatip.toml': '[timing]\nprofile = "fastest"\n',
      '/etc/floatip/public_addresses': '198.51.100.10/24 eth1\n198.51.100.300/24 eth1\n',
    });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/\/etc\/floatip\/floatip\.toml:2: timing\.profile: /);
    expect(result.stderr).toMatch(/\/etc\/floatip\/public_addresses:2: /);
  });

  test('the key file and script.options are checked too, through the shared checker', async () => {
    const { '/etc/floatip/cluster.key': _key, ...withoutKey } = VALID;
    const result = await check({ ...withoutKey, '/etc/floatip/script.options': 'FLOATIP_SAMBA_PORTS=445 139\n' });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('/etc/floatip/cluster.key: cluster.key_file: does not exist');
    expect(result.stderr).toMatch(/\/etc\/floatip\/script\.options:1: FLOATIP_SAMBA_PORTS: .*unquoted space/);
  });

  test('a missing nodes file is a problem, not a crash', async () => {
    const { '/etc/floatip/nodes': _nodes, ...withoutNodes } = VALID;
    const result = await check(withoutNodes);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/\/etc\/floatip\/nodes: .*create it/);
  });

  describe('cluster.key_file, checked as floatipd reads it at start (so systemctl reload refuses a key it could not start with)', () => {
    let dir: string;
    beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'fj-check-key-')); });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    const withKey = (file: string): Record<string, string> => ({ ...VALID, '/etc/floatip/floatip.toml': `[timing]\nprofile = "fast"\n[cluster]\nkey_file = "${file}"\n` });
    const keyFile = (bytes: number, mode: number): string => {
      const file = join(dir, 'cluster.key');
      writeFileSync(file, Buffer.alloc(bytes, 9), { mode });
      chmodSync(file, mode);
      return file;
    };

    test('a valid key file: exit 0', async () => {
      expect((await check(withKey(keyFile(32, 0o600)), checkClusterKeyFile)).code).toBe(0);
    });

    test.each([
      ['missing', (): string => join(dir, 'absent.key'), /absent\.key: cluster\.key_file: does not exist: create it with/],
      ['readable by others', (): string => keyFile(32, 0o644), /cluster\.key: cluster\.key_file: has mode 0644, .*run `chmod 600 /],
      ['too short', (): string => keyFile(15, 0o600), /cluster\.key: cluster\.key_file: holds 15 bytes, fewer than the 16 a cluster key needs/],
    ])('a key file %s: exit 2, the problem and what to do on stderr', async (_what, make, problem) => {
      const result = await check(withKey(make()), checkClusterKeyFile);
      expect([result.code, result.stdout]).toEqual([2, '']);
      expect(result.stderr).toMatch(new RegExp(`^floatipd: /etc/floatip/floatip\\.toml: 1 problem\\(s\\), the configuration is not valid:\n  .*${problem.source}.*floatipd would not start with it`));
    });

    test('the key is checked once the files are valid: its path comes from them', async () => {
      let asked = 0;
      const result = await check({ ...VALID, '/etc/floatip/public_addresses': '198.51.100.300/24 eth1\n' }, async () => { asked++; return undefined; });
      expect([result.code, asked]).toEqual([2, 0]);
    });
  });
});
