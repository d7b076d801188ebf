// ClusterState.addressLine: a node's line for one address, from an index that follows the node's list as it changes.

import { ManualClock } from '../../../../src/adapters/memory/clock';
import { ClusterState } from '../../../../src/daemon/runtime/cluster-state';
import { lines, TestCluster } from './harness/cluster';
import { recordingLogger } from './harness/recording-logger';

function state(): ClusterState {
  return new ClusterState(new TestCluster({ nodes: 3, addresses: ['192.0.2.1/24', '192.0.2.2/24'] }).initFor(0), new ManualClock().forOwner('n'), recordingLogger());
}

test('finds this node\'s line by address text, and nothing for an address it does not list', () => {
  const s = state();
  expect(s.addressLine(0, '192.0.2.2')).toMatchObject({ bits: 24, interfaces: ['eth0', 'eth1'] });
  expect(s.addressLine(0, '192.0.2.9')).toBeUndefined();
});

test('a peer whose list is unknown has no line; once it tells its list, the line is found', () => {
  const s = state();
  expect(s.addressLine(1, '192.0.2.1')).toBeUndefined();
  s.setAddressList(1, lines(['192.0.2.1/24'], ['eth7']));
  expect(s.addressLine(1, '192.0.2.1')?.interfaces).toEqual(['eth7']);
});

test('a changed list is read anew, not from the index of the old one', () => {
  const s = state();
  expect(s.addressLine(0, '192.0.2.1')?.interfaces).toEqual(['eth0', 'eth1']); // indexed now
  s.setAddressList(0, lines(['192.0.2.1/24', '192.0.2.3/24'], ['eth2']));
  expect(s.addressLine(0, '192.0.2.1')?.interfaces).toEqual(['eth2']);
  expect(s.addressLine(0, '192.0.2.3')).toBeDefined();
  expect(s.addressLine(0, '192.0.2.2')).toBeUndefined();
});
