// The lab with a cluster lock: every node's floatip.toml names the lock and quorum = "lock", checked by loadConfig.

import { parseLabArgs } from '../../../src/lab/args';
import { LabError } from '../../../src/lab/errors';
import { checkNodeFiles, floatipTomlText, nodeTextFiles } from '../../../src/lab/node-config';
import { LabOptions, planLab } from '../../../src/lab/plan';
import { readStateJson } from '../../../src/lab/state';

const base: LabOptions = { prefix: 'flck', dir: '/run/floatip-lab/flck', nodes: 2, ipv4Addresses: 2, ipv6Addresses: 0, profile: 'default' };

describe('lab --cluster-lock', () => {
  it.each([
    'fcntl:/tmp/flck/lock',
    '!/usr/libexec/ctdb/ctdb_mutex_fcntl_helper /tmp/flck/reclock 1',
    'etcd:http://192.0.2.200:2379/floatip/lock',
  ])('%s: each node gets cluster_lock and quorum = "lock", and floatipd would accept the files', async (spec) => {
    const plan = planLab({ ...base, clusterLock: spec });
    for (const node of plan.nodes) {
      const toml = floatipTomlText(plan, node);
      expect(toml).toContain(`cluster_lock = "${spec}"\nquorum = "lock"\n`);
      await expect(checkNodeFiles(plan, node, nodeTextFiles(plan, node))).resolves.toBeUndefined();
    }
  });

  it('without it the lab keeps majority quorum and writes no lock', () => {
    const plan = planLab(base);
    expect(floatipTomlText(plan, plan.nodes[0])).not.toMatch(/cluster_lock|quorum/);
  });

  it.each([
    ['relative/lock', /is not a cluster lock/],
    ['etcd:ftp://192.0.2.200/k', /http:\/\//],
    ['fcntl:/tmp/a"b', /without quotes/],
  ])('refuses %s with a plan error naming --cluster-lock', (spec, why) => {
    let error: unknown;
    try { planLab({ ...base, clusterLock: spec }); } catch (e) { error = e; }
    expect(error).toBeInstanceOf(LabError);
    expect((error as LabError).code).toBe('E_LAB_PLAN');
    expect((error as LabError).message).toMatch(/^--cluster-lock: /);
    expect((error as LabError).message).toMatch(why);
  });

  it('the state file keeps the lock, and a lock that is not a string is a damaged file', () => {
    const state = { kind: 'floatip-lab', version: 1, options: { ...base, clusterLock: 'fcntl:/tmp/l' }, daemonCommand: null, createdAt: 'x', partition: null };
    expect(readStateJson(state, 'f').options.clusterLock).toBe('fcntl:/tmp/l');
    expect(() => readStateJson({ ...state, options: { ...base, clusterLock: 7 } }, 'f')).toThrow(/options\.clusterLock/);
  });
});

describe('floatip lab up --cluster-lock', () => {
  it('is read into the up request, and left out when not given', () => {
    const up = parseLabArgs(['up', '--nodes', '2', '--cluster-lock', 'fcntl:/tmp/l'], '/');
    expect(up).toMatchObject({ verb: 'up', up: { nodes: 2, clusterLock: 'fcntl:/tmp/l' } });
    const plain = parseLabArgs(['up'], '/');
    expect(plain.verb === 'up' && 'clusterLock' in plain.up).toBe(false);
  });

  it('needs a value', () => {
    expect(() => parseLabArgs(['up', '--cluster-lock'], '/')).toThrow(/--cluster-lock needs a value: SPEC/);
  });
});
