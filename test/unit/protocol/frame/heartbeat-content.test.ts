// sameHeartbeatContent: what makes the fast path hand a heartbeat to its worker whole again (fast-path.ts broadcast).

import { ip } from '../../../../src/core/ip';
import { HeartbeatMessage } from '../../../../src/protocol/frame-messages';
import { sameHeartbeatContent } from '../../../../src/protocol/frame-heartbeat';

const base: HeartbeatMessage = {
  kind: 'heartbeat', pnn: 1, beat: 7, flags: 0, monitor: 'healthy', epoch: 3, leader: 0,
  links: [{ iface: 'eth1', state: 'up' }], hosted: [ip('198.51.100.1'), ip('2001:db8::1')],
  partition: [0, 1, 2], heard: [{ pnn: 0, agoMs: 12 }, { pnn: 2, agoMs: 30 }], voters: [0, 1, 2],
};

test('the same content with another beat number, other hearing and fresh arrays is the same heartbeat', () => {
  expect(sameHeartbeatContent(base, {
    ...base, beat: 8, heard: [{ pnn: 0, agoMs: 1 }], links: [{ iface: 'eth1', state: 'up' }],
    hosted: [ip('198.51.100.1'), ip('2001:db8::1')], partition: [0, 1, 2], voters: [0, 1, 2],
  })).toBe(true);
});

test.each<[string, Partial<HeartbeatMessage>]>([
  ['flags', { flags: 4 }],
  ['a ban\'s time left', { banRemainingMs: 900 }],
  ['the monitor', { monitor: 'unhealthy' }],
  ['the epoch', { epoch: 4 }],
  ['the leader', { leader: 2 }],
  ['a link', { links: [{ iface: 'eth1', state: 'down' }] }],
  ['a link more', { links: [{ iface: 'eth1', state: 'up' }, { iface: 'eth2', state: 'up' }] }],
  ['an address', { hosted: [ip('198.51.100.1'), ip('2001:db8::2')] }],
  ['an address fewer', { hosted: [ip('198.51.100.1')] }],
  ['the partition', { partition: [0, 1] }],
  ['the voters', { voters: [1, 2] }],
  ['the sender', { pnn: 2 }],
])('%s changed is another heartbeat', (_what, change) => {
  expect(sameHeartbeatContent(base, { ...base, ...change })).toBe(false);
  expect(sameHeartbeatContent({ ...base, ...change }, base)).toBe(false);
});
