// The lab's state file: what it accepts, and the field it names when it does not.

import { LabError } from '../../../src/lab/errors';
import { readStateJson } from '../../../src/lab/state';

const good = {
  kind: 'floatip-lab', version: 1,
  options: { prefix: 'flab', dir: '/run/floatip-lab/flab', nodes: 3, ipv4Addresses: 3, ipv6Addresses: 0, profile: 'default' },
  daemonCommand: ['/usr/bin/node', '/opt/floatip/dist/src/daemon/main.js'],
  createdAt: '2025-01-02T03:04:05.000Z',
  partition: [[0, 1], [2]],
};

describe('readStateJson', () => {
  it('accepts a state written by up, with or without daemons and a partition', () => {
    expect(readStateJson(good, 'state.json')).toEqual(good);
    const bare = { ...good, daemonCommand: null, partition: null };
    expect(readStateJson(bare, 'state.json')).toEqual(bare);
  });

  it.each([
    ['kind', { ...good, kind: 'something-else' }],
    ['version', { ...good, version: 2 }],
    ['options', { ...good, options: 'flab' }],
    ['options.prefix', { ...good, options: { ...good.options, prefix: 7 } }],
    ['options.nodes', { ...good, options: { ...good.options, nodes: -1 } }],
    ['options.ipv6Addresses', { ...good, options: { ...good.options, ipv6Addresses: 1.5 } }],
    ['options.profile', { ...good, options: { ...good.options, profile: 'quick' } }],
    ['daemonCommand', { ...good, daemonCommand: [1, 2] }],
    ['createdAt', { ...good, createdAt: undefined }],
    ['partition', { ...good, partition: [[0, 'one']] }],
  ])('names field %s when it is wrong', (field, value) => {
    let error: unknown;
    try {
      readStateJson(value, '/run/floatip-lab/flab/lab-state.json');
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(LabError);
    expect((error as LabError).code).toBe('E_LAB_STATE');
    expect((error as LabError).message).toBe(`/run/floatip-lab/flab/lab-state.json: field ${field} is missing or wrong: `
      + 'the file is damaged or from another version; run `floatip lab down` and `up` again');
  });
});
