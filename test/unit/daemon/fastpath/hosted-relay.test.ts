// A peer's heartbeat crosses from the worker to the main thread without its address list when that is the list handed over last.

import { ip } from '../../../../src/core/ip';
import { MeshEvent } from '../../../../src/adapters/peer/port';
import { HostedReceiver, HostedSender } from '../../../../src/daemon/fastpath/hosted-relay';
import { HeartbeatMessage } from '../../../../src/protocol/frame-messages';

const H1 = [ip('203.0.113.9'), ip('2001:db8::9')];
const H2 = [ip('203.0.113.10')];

const beat = (pnn: number, n: number, hosted = H1): HeartbeatMessage => ({
  kind: 'heartbeat', pnn, beat: n, flags: 0, monitor: 'healthy', epoch: 3, leader: 0,
  links: [], hosted, partition: [0, pnn], heard: [{ pnn: 0, agoMs: 5 }], voters: [],
});
const heard = (pnn: number, message: HeartbeatMessage): MeshEvent => ({ kind: 'message', from: pnn, message });

/** Through the sender, a structured clone (as postMessage makes), and the receiver: what was posted and what came out. */
function relay(events: readonly MeshEvent[]): { ops: string[]; out: MeshEvent[] } {
  const sender = new HostedSender();
  const receiver = new HostedReceiver();
  const posted = events.map((event, i) => sender.post(event, i));
  const out = posted.map((message) => {
    const copy = structuredClone(message);
    if (copy.op !== 'event' && copy.op !== 'beat') throw new Error(`unexpected ${copy.op}`);
    return receiver.event(copy);
  });
  return { ops: posted.map((m) => m.op), out };
}

describe('peer heartbeats from the worker to the main thread', () => {
  it('sends the list once per peer while the session hands over the same array, and the main thread gets every heartbeat whole', () => {
    const events = [heard(1, beat(1, 1)), heard(2, beat(2, 1, H2)), heard(1, beat(1, 2)), heard(2, beat(2, 2, H2)), heard(1, beat(1, 3))];
    const { ops, out } = relay(events);
    expect(ops).toEqual(['event', 'event', 'beat', 'beat', 'beat']);
    expect(out).toEqual(events);
  });

  it('shares one array among the heartbeats that came without it, so later comparisons stop at identity', () => {
    const { out } = relay([heard(1, beat(1, 1)), heard(1, beat(1, 2)), heard(1, beat(1, 3))]);
    const lists = out.map((e) => (e.kind === 'message' && e.message.kind === 'heartbeat' ? e.message.hosted : undefined));
    expect(lists[1]).toBe(lists[0]);
    expect(lists[2]).toBe(lists[0]);
  });

  it('sends the list again when the array changes, even to equal addresses (a new connection\'s session)', () => {
    const events = [heard(1, beat(1, 1)), heard(1, beat(1, 2, [...H1])), heard(1, beat(1, 3, H2)), heard(1, beat(1, 4, H2))];
    const { ops, out } = relay(events);
    expect(ops).toEqual(['event', 'event', 'event', 'beat']);
    expect(out).toEqual(events);
  });

  it('forgets a peer when its connection goes, on both sides', () => {
    const down: MeshEvent = { kind: 'peer-down', pnn: 1, reason: 'closed', detail: 'the peer closed the connection' };
    const events = [heard(1, beat(1, 1)), down, { kind: 'peer-up', pnn: 1 } as MeshEvent, heard(1, beat(1, 2))];
    const { ops, out } = relay(events);
    expect(ops).toEqual(['event', 'event', 'event', 'event']);
    expect(out).toEqual(events);
  });

  it('passes every other event and message as it is', () => {
    const events: MeshEvent[] = [
      { kind: 'message', from: 1, message: { kind: 'ping', seq: 1, sentUs: 5 } },
      { kind: 'fenced', pnn: 2, cause: 'no-ticks', removed: 3 },
    ];
    expect(relay(events)).toEqual({ ops: ['event', 'event'], out: events });
  });

  it('refuses a heartbeat without a list handed over before: a bug of the sender, not something to guess at', () => {
    const receiver = new HostedReceiver();
    const { hosted: _hosted, ...rest } = beat(1, 1);
    expect(() => receiver.event({ op: 'beat', from: 1, message: rest, at: 0 })).toThrow(/node 1's heartbeat without a list handed over before/);
  });
});
