// The pure checks of the lab verbs: partition groups against the lab's nodes, and where exec runs.

import { LabError } from '../../../src/lab/errors';
import { checkGroups, namespaceOf } from '../../../src/lab/lab';
import { planLab } from '../../../src/lab/plan';

const plan = planLab({ prefix: 'flab', dir: '/run/floatip-lab/flab', nodes: 3, ipv4Addresses: 3, ipv6Addresses: 0, profile: 'default' });

function groupsError(groups: number[][]): string {
  try {
    checkGroups(plan, groups);
  } catch (err) {
    expect(err).toBeInstanceOf(LabError);
    expect((err as LabError).code).toBe('E_LAB_UNKNOWN_NODE');
    return (err as Error).message;
  }
  throw new Error(`accepted ${JSON.stringify(groups)}`);
}

describe('checkGroups', () => {
  it('accepts groups that name every node once, in any order', () => {
    expect(() => checkGroups(plan, [[0, 1], [2]])).not.toThrow();
    expect(() => checkGroups(plan, [[2], [1], [0]])).not.toThrow();
    expect(() => checkGroups(plan, [[0, 1, 2]])).not.toThrow();
  });

  it('refuses a node twice, a node left out, and a node the lab does not have', () => {
    expect(groupsError([[0, 1], [1, 2]])).toBe('node 1 is in more than one group: name each node once');
    expect(groupsError([[0], [1]])).toBe('node 2 in no group: name every node once, e.g. `floatip lab partition 0,1 2` for three nodes');
    expect(groupsError([[0]])).toContain('nodes 1,2 in no group');
    expect(groupsError([[0, 1], [2, 3]])).toBe('node 3 is not in this lab: it has nodes 0..2');
  });
});

describe('namespaceOf', () => {
  it('maps nodes, the client and the switch to their namespaces', () => {
    expect(namespaceOf(plan, { kind: 'node', pnn: 2 })).toBe('flab-n2');
    expect(namespaceOf(plan, { kind: 'client' })).toBe('flab-cl');
    expect(namespaceOf(plan, { kind: 'switch' })).toBe('flab-sw');
    expect(() => namespaceOf(plan, { kind: 'node', pnn: 5 })).toThrow('node 5 is not in this lab');
  });
});
