// The message router's table: which part handles each kind, and the two rules before it (forged sender, stopping).

import { Pnn } from '../../../../src/core/flags';
import { SessionMessage } from '../../../../src/daemon/runtime/messages';
import { MessageRouter, nodeRoutes, RoutedParts } from '../../../../src/daemon/runtime/router';
import { LogLine, recordingLogger } from './harness/recording-logger';

const SELF = 1;

/** Parts that record `part.method` for every call, and a router over them. */
function rig(stopping = false): { parts: RoutedParts; router: MessageRouter; calls: string[]; log: LogLine[] } {
  const calls: string[] = [];
  const log: LogLine[] = [];
  const recorder = <T extends object>(name: string, methods: readonly string[]): T =>
    Object.fromEntries(methods.map((m) => [m, () => { calls.push(`${name}.${m}`); return false; }])) as T;
  const parts: RoutedParts = {
    self: SELF,
    clock: { now: () => 0 },
    state: recorder('state', ['observe', 'observeLeave', 'setPeerVoters', 'setAddressList']),
    leader: recorder('leader', ['requestRun', 'onAck']),
    orders: recorder('orders', ['handle']),
    roundTrips: recorder('roundTrips', ['onPing', 'onPong']),
    tracker: recorder('tracker', ['onFull', 'onDelta']),
    admin: recorder('admin', ['onRequest', 'onReply']),
    clusterReload: recorder('clusterReload', ['onRequest', 'onReply']),
    history: recorder('history', ['add']),
  };
  return { parts, router: new MessageRouter(nodeRoutes(parts), { stopping: () => stopping, log: recordingLogger(log) }), calls, log };
}

const heartbeat = (pnn: Pnn): SessionMessage => ({
  kind: 'heartbeat', pnn, beat: 1, flags: 0, monitor: 'healthy', epoch: 1, leader: 0, links: [], hosted: [], partition: [], heard: [], voters: [],
});
const leaving = (pnn: Pnn): SessionMessage => ({ kind: 'leaving', pnn, reason: 'shutdown' });
const addresses = (pnn: Pnn): SessionMessage => ({ kind: 'public-addresses', pnn, addresses: [] });
const ping: SessionMessage = { kind: 'ping', seq: 1, sentUs: 5 };
const releaseAck: SessionMessage = { kind: 'release-ack', epoch: 1, released: [], failed: [] };
const adminReply: SessionMessage = { kind: 'admin-reply', requestId: 1, status: 'ok', message: '' };
const reloadReply: SessionMessage = { kind: 'reload-reply', requestId: 1, status: 'ok', message: '' };
const runRecord: SessionMessage = {
  kind: 'run-record', epoch: 3, leader: 2, startedAtMs: 5, reason: 'became leader', status: 'ok', error: '', moves: 1,
  phasesUs: { allocate: 1, release: 2, take: 3, ipreallocated: 4, total: 10 },
};
const adminRequest: SessionMessage = { kind: 'admin-request', requestId: 1, request: { action: 'enable', pnn: 0 } };

describe('MessageRouter', () => {
  it.each<[string, boolean, Pnn, SessionMessage, readonly string[], number]>([
    // [case, stopping, from, message, calls, forged]
    ['a heartbeat of its sender', false, 0, heartbeat(0), ['state.observe', 'state.setPeerVoters'], 0],
    ['a LEAVING of its sender: a graceful leave', false, 0, leaving(0), ['state.observeLeave'], 0],
    ['a heartbeat claiming another node', false, 0, heartbeat(2), [], 1],
    ['a LEAVING claiming another node', false, 0, leaving(2), [], 1],
    ['a list claiming another node', false, 0, addresses(2), [], 1],
    ['a list of its sender (unchanged: no run)', false, 0, addresses(0), ['state.setAddressList'], 0],
    ['a PING from a peer', false, 0, ping, ['roundTrips.onPing'], 0],
    ['a PING from ourselves (sendTo) gets no answer', false, SELF, ping, [], 0],
    ['an admin request', false, 0, adminRequest, ['admin.onRequest'], 0],
    ['a run another node led, passed on by a peer (no sender check: it is history, not the sender\'s word)', false, 0, runRecord, ['history.add'], 0],
    ['stopping: a run record is ignored', true, 0, runRecord, [], 0],
    ['stopping: a heartbeat is ignored', true, 0, heartbeat(0), [], 0],
    ['stopping: a forged heartbeat is not even counted', true, 0, heartbeat(2), [], 0],
    ['stopping: an admin request is ignored', true, 0, adminRequest, [], 0],
    ['stopping: a RELEASE-ACK still reaches the leader', true, 0, releaseAck, ['leader.onAck'], 0],
    ['stopping: an admin reply still arrives', true, 0, adminReply, ['admin.onReply'], 0],
    ['stopping: a reload reply still arrives', true, 0, reloadReply, ['clusterReload.onReply'], 0],
  ])('%s', (_case, stopping, from, message, calls, forged) => {
    const r = rig(stopping);
    r.router.route(from, message);
    expect(r.calls).toEqual(calls);
    expect(r.router.forged).toBe(forged);
    expect(r.log.filter((l) => /claiming to be node/.test(l.message))).toHaveLength(forged);
  });

  it('names the sender for exactly the messages that carry their own node number, and lets exactly three replies through a stop', () => {
    const routes = nodeRoutes(rig().parts);
    expect(Object.keys(routes).filter((kind) => routes[kind as SessionMessage['kind']].namesSender).sort()).toEqual(['heartbeat', 'leaving', 'public-addresses']);
    expect(Object.keys(routes).filter((kind) => routes[kind as SessionMessage['kind']].whileStopping !== undefined).sort())
      .toEqual(['admin-reply', 'release-ack', 'reload-reply']);
  });
});
