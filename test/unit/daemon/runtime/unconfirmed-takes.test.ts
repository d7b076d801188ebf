// What a node told to take may hold beyond its heartbeats, until an ack shows its heartbeats caught up.

import { UnconfirmedTakes } from '../../../../src/daemon/runtime/unconfirmed-takes';

describe('unconfirmed takes', () => {
  it('keeps a TAKE until the node acks it or a later order', () => {
    const takes = new UnconfirmedTakes();
    takes.ordered(2, 7, ['192.0.2.2', '192.0.2.1']);
    takes.ordered(2, 8, ['192.0.2.3']);
    expect(takes.of(2)).toEqual(['192.0.2.1', '192.0.2.2', '192.0.2.3']);
    expect(takes.of(1)).toEqual([]);
    takes.acked(2, 'take-ack', 7);
    expect(takes.of(2)).toEqual(['192.0.2.3']);
    takes.acked(2, 'ipreallocated-ack', 8);
    expect(takes.of(2)).toEqual([]);
  });

  it('does not count the RELEASE ack of the same run: that order came before the TAKE', () => {
    const takes = new UnconfirmedTakes();
    takes.ordered(2, 7, ['192.0.2.1']);
    takes.acked(2, 'release-ack', 7); // a late ack of run 7's release phase
    expect(takes.of(2)).toEqual(['192.0.2.1']);
    takes.acked(2, 'release-ack', 8); // the next run's confirm: run 7's TAKE is done
    expect(takes.of(2)).toEqual([]);
  });

  it('forgets a node that went away, and takes no note of an empty TAKE', () => {
    const takes = new UnconfirmedTakes();
    takes.ordered(2, 7, ['192.0.2.1']);
    takes.ordered(3, 7, []);
    takes.forget(2);
    expect([takes.of(2), takes.of(3)]).toEqual([[], []]);
  });
});
