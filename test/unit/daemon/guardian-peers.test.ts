// The guardian's peer list on its pipe: taken out of the tick stream whole, across chunk boundaries, with addresses that hold the goodbye byte.

import { GUARDIAN_BYE, GUARDIAN_TICK, GuardianWatch } from '../../../src/daemon/guardian';
import { peersLine, PeersLineReader } from '../../../src/daemon/guardian-peers';
import { ManualClock } from '../../../src/adapters/memory/clock';

const PEERS = [{ pnn: 1, address: '198.51.100.2' }, { pnn: 3, address: '2001:db8::b' }];

describe('the peer line on the guardian pipe', () => {
  it('is read whole between ticks, and the ticks reach the watch', () => {
    const reader = new PeersLineReader();
    const bytes = Buffer.concat([Buffer.from([GUARDIAN_TICK]), peersLine(PEERS), Buffer.from([GUARDIAN_TICK])]);
    const { rest, lists } = reader.input(bytes);
    expect(lists).toEqual([PEERS]);
    expect([...rest]).toEqual([GUARDIAN_TICK, GUARDIAN_TICK]);
  });

  it('survives being cut into one-byte chunks', () => {
    const reader = new PeersLineReader();
    const lists = [];
    const rest: number[] = [];
    for (const byte of Buffer.concat([peersLine(PEERS), Buffer.from([GUARDIAN_TICK]), peersLine([])])) {
      const out = reader.input(Uint8Array.of(byte));
      lists.push(...out.lists);
      rest.push(...out.rest);
    }
    expect(lists).toEqual([PEERS, []]);
    expect(rest).toEqual([GUARDIAN_TICK]);
  });

  it('keeps the "b" of an IPv6 address from the watch, which would read it as a goodbye and leave without fencing', () => {
    const clock = new ManualClock();
    const verdicts: string[] = [];
    const watch = new GuardianWatch(700, clock, (v) => verdicts.push(v.kind));
    watch.start();
    watch.input(new PeersLineReader().input(peersLine(PEERS)).rest);
    expect(verdicts).toEqual([]);
    // Without the reader the same bytes end the guardian as a goodbye.
    expect(peersLine(PEERS).includes(GUARDIAN_BYE)).toBe(true);
  });

  it('drops a line that is not a peer list and counts it', () => {
    const reader = new PeersLineReader();
    expect(reader.input(Buffer.from('p1@198.51.100.2 garbage\n')).lists).toEqual([]);
    expect(reader.badLines).toBe(1);
  });
});
