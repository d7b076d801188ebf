// The generated node files: what they say, and that loadConfig (the daemon's own loader) accepts them.

import { loadConfig } from '../../../src/config';
import { LabError } from '../../../src/lab/errors';
import { checkNodeFiles, labcheckScriptText, nodesFileText, nodeTextFiles, publicAddressesText } from '../../../src/lab/node-config';
import { LabOptions, MAX_IPV4_ADDRESSES, planLab } from '../../../src/lab/plan';

const base: LabOptions = { prefix: 'flab', dir: '/run/floatip-lab/flab', nodes: 3, ipv4Addresses: 2, ipv6Addresses: 1, profile: 'fast' };

describe('node files', () => {
  it('lists the private addresses in node order, with no comment (a "#" line is a deleted node)', () => {
    expect(nodesFileText(planLab(base))).toBe('192.0.2.1\n192.0.2.2\n192.0.2.3\n');
  });

  it('lists every public address on the public interface, in CTDB\'s format', () => {
    expect(publicAddressesText(planLab(base)).split('\n').filter((l) => !l.startsWith('#'))).toEqual([
      '198.51.100.1/24 flab-pub', '198.51.100.2/24 flab-pub', '2001:db8:100::1/64 flab-pub', '',
    ]);
  });

  it.each([
    ['3 nodes, default profile', { profile: 'default' as const }],
    ['3 nodes, fast profile', {}],
    ['1 node', { nodes: 1 }],
    ['32 nodes, every IPv4 address and 1000 IPv6', { nodes: 32, ipv4Addresses: MAX_IPV4_ADDRESSES, ipv6Addresses: 1000 }],
  ])('loadConfig accepts what every node gets: %s', async (_name, change) => {
    const plan = planLab({ ...base, ...change });
    for (const node of plan.nodes) {
      const files = nodeTextFiles(plan, node);
      await expect(checkNodeFiles(plan, node, files)).resolves.toBeUndefined();
    }
  });

  it('gives loadConfig the node, paths and profile the lab means', async () => {
    const plan = planLab(base);
    const node = plan.nodes[2];
    const files = nodeTextFiles(plan, node);
    const texts = new Map([[node.configPath, files.toml], [`${node.dir}/nodes`, files.nodes], [`${node.dir}/public_addresses`, files.publicAddresses]]);
    const loaded = await loadConfig({ tomlPath: node.configPath }, async (p) => texts.get(p) as string);
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.issues));
    const { config } = loaded;
    expect(config.node.pnn).toBe(2);
    expect(config.node.address?.text).toBe('192.0.2.3');
    expect(config.timing.profile).toBe('fast');
    expect(config.timing.dead_after).toBe(250);
    expect(config.cluster.key_file).toBe(node.keyPath);
    expect(config.events.dir).toBe(node.eventsDir);
    expect(config.control.socket).toBe(node.controlSocket);
    expect(config.events.monitor_schedule).toEqual({ kind: 'interval', every: 1000 });
    expect(loaded.warnings).toEqual([]);
  });

  it('refuses files the daemon would refuse, naming file, line and key', async () => {
    const plan = planLab(base);
    const node = plan.nodes[0];
    const files = nodeTextFiles(plan, node);
    const broken = { ...files, toml: files.toml.replace('profile = "fast"', 'profile = "quick"') };
    const err = await checkNodeFiles(plan, node, broken).then(() => undefined, (e: LabError) => e);
    expect(err).toBeInstanceOf(LabError);
    expect(err?.code).toBe('E_LAB_CONFIG');
    expect(err?.message).toMatch(/node0\/floatip\.toml:[0-9]+: timing\.profile: /);
  });

  it('refuses files that load but describe another node than the plan\'s', async () => {
    const plan = planLab(base);
    const files = nodeTextFiles(plan, plan.nodes[0]);
    const err = await checkNodeFiles(plan, plan.nodes[1], { ...files, toml: nodeTextFiles(plan, plan.nodes[1]).toml.replace('pnn = 1', 'pnn = 0') })
      .then(() => undefined, (e: LabError) => e);
    expect(err?.code).toBe('E_LAB_CONFIG');
    expect(err?.message).toContain('node.pnn is 0, not 1');
  });

  it('writes a labcheck script that handles monitor only and fails while the node\'s flag file exists', () => {
    const plan = planLab(base);
    const script = labcheckScriptText(plan, plan.nodes[1]);
    expect(script.startsWith('#!/bin/sh\n')).toBe(true);
    expect(script).toContain('# floatip-events: monitor\n');
    expect(script).toContain("flag='/run/floatip-lab/flab/node1/fail-monitor'");
    expect(script).toContain('if [ -e "$flag" ]; then');
    expect(script).toContain('exit 1');
  });
});
