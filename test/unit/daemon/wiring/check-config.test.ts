// floatipd --check-config: exit 0 on a configuration a start would accept, 2 with the loader's FILE:LINE messages otherwise.

import { checkConfig } from '../../../../src/daemon/wiring/check-config';

function filesystem(files: Record<string, string>): (path: string) => Promise<string> {
  return async (path) => {
    if (path in files) return files[path];
    throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
  };
}

async function check(files: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await checkConfig('/etc/floatip/floatip.toml', {
    readFile: filesystem(files),
    statFile: async (path) => {
      if (path in files) return { uid: 0, mode: 0o100644 };
      throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
    },
    checkClusterKey: async (path) => (path in files ? undefined : { message: `${path}: does not exist: create it` }),
    stdout: (text) => { stdout += text; },
    stderr: (text) => { stderr += text; },
  });
  return { code, stdout, stderr };
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
});
