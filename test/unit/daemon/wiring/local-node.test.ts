// Which line of `nodes` this host is: explicit settings win, else the one live address configured here.

import { FloatipConfig, loadConfig } from '../../../../src/config';
import { ip } from '../../../../src/core/ip';
import { withLocalNode } from '../../../../src/daemon/wiring/local-node';

async function configWith(toml: string, nodes = '192.0.2.1\n192.0.2.2\n#192.0.2.3\n192.0.2.4\n'): Promise<FloatipConfig> {
  const files: Record<string, string> = { '/etc/floatip/floatip.toml': toml, '/etc/floatip/nodes': nodes, '/etc/floatip/public_addresses': '' };
  const loaded = await loadConfig({ tomlPath: '/etc/floatip/floatip.toml' }, async (path) => {
    if (files[path] === undefined) throw Object.assign(new Error('missing'), { code: 'ENOENT' });
    return files[path];
  });
  if (!loaded.ok) throw new Error(loaded.issues.map((i) => i.message).join('; '));
  return loaded.config;
}

describe('withLocalNode', () => {
  test('node.pnn from floatip.toml is kept whatever the host carries', async () => {
    const config = await configWith('[node]\npnn = 1\n');
    const out = withLocalNode(config, [ip('192.0.2.4')], '/etc/floatip/nodes');
    expect(out.node.pnn).toBe(1);
  });

  test('otherwise the live node whose address is on this host; bind_address follows it', async () => {
    const out = withLocalNode(await configWith(''), [ip('127.0.0.1'), ip('192.0.2.4'), ip('fe80::1')], '/etc/floatip/nodes');
    expect(out.node).toMatchObject({ pnn: 3, address: ip('192.0.2.4'), bind_address: ip('192.0.2.4') });
  });

  test('an explicit bind_address stays', async () => {
    const out = withLocalNode(await configWith('[node]\nbind_address = "192.0.2.200"\n'), [ip('192.0.2.2')], 'nodes');
    expect(out.node).toMatchObject({ pnn: 1, bind_address: ip('192.0.2.200') });
  });

  test('a deleted line does not count', async () => {
    const config = await configWith('');
    expect(() => withLocalNode(config, [ip('192.0.2.3')], '/etc/floatip/nodes'))
      .toThrow(expect.objectContaining({ code: 'E_LOCAL_NODE_NONE', message: expect.stringMatching(/none of the addresses in \/etc\/floatip\/nodes.*set node\.pnn/) }));
  });

  test('two local addresses of nodes: the admin must say which', async () => {
    const config = await configWith('');
    expect(() => withLocalNode(config, [ip('192.0.2.1'), ip('192.0.2.2')], 'nodes'))
      .toThrow(expect.objectContaining({ code: 'E_LOCAL_NODE_AMBIGUOUS', message: expect.stringMatching(/node 0 = 192\.0\.2\.1, node 1 = 192\.0\.2\.2.*node\.pnn/) }));
  });
});
