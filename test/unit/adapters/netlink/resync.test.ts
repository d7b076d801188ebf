// The resync gate and the expected notifications, without a kernel: who waits for whom, and what is swallowed.

import { NetlinkMessage } from 'netlink';
import { ExpectedNotifications, untilSeen } from '../../../../src/adapters/netlink/expected-notifications';
import { ResyncGate } from '../../../../src/adapters/netlink/resync';
import { ManualClock } from '../../../../src/adapters/memory/clock';

const message = (seq: number): NetlinkMessage => ({ type: 0, flags: 0, seq, port: 0, data: Buffer.alloc(0) });

function gate(reload: () => Promise<void> = async () => undefined) {
  const log: string[] = [];
  const delivered: number[] = [];
  const g = new ResyncGate({
    reload: async () => { log.push('reload'); await reload(); },
    isOpen: () => true,
    resynced: (reason) => log.push(`resynced: ${reason}`),
    deliver: (messages) => delivered.push(...messages.map((m) => m.seq)),
  });
  return { g, log, delivered };
}

describe('ResyncGate', () => {
  it('waits for a change under way before reading the kernel, and holds notifications until after', async () => {
    const { g, log, delivered } = gate();
    let finishChange: () => void = () => undefined;
    const change = g.change(() => new Promise<void>((resolve) => { finishChange = () => { log.push('change done'); resolve(); }; }));
    const resync = g.resync('lost');
    expect(g.hold([message(1)])).toBe(true);
    await Promise.resolve();
    expect(log).toEqual([]);
    finishChange();
    await change;
    await resync;
    expect(log).toEqual(['change done', 'reload', 'resynced: lost']);
    // Held before the read began: the read covers them, so they are dropped.
    expect(delivered).toEqual([]);
    expect(g.hold([message(2)])).toBe(false);
  });

  it('delivers what arrived during the read, and makes new changes wait for it', async () => {
    let finishRead: () => void = () => undefined;
    const { g, log, delivered } = gate(() => new Promise<void>((resolve) => { finishRead = resolve; }));
    const resync = g.resync('lost');
    await Promise.resolve();
    expect(g.hold([message(7)])).toBe(true);
    const change = g.change(async () => { log.push('change'); });
    await Promise.resolve();
    expect(log).toEqual(['reload']);
    finishRead();
    await resync;
    await change;
    expect(log).toEqual(['reload', 'resynced: lost', 'change']);
    expect(delivered).toEqual([7]);
  });

  it('reads the kernel again when more notifications are lost while it reads, and holds until the last read', async () => {
    const reads: (() => void)[] = [];
    const { g, log, delivered } = gate(() => new Promise<void>((resolve) => { reads.push(resolve); }));
    const first = g.resync('lost');
    await Promise.resolve();
    // Lost again during the read: what it returns may be older than what was lost.
    const second = g.resync('lost again');
    expect(g.hold([message(3)])).toBe(true);
    reads[0]();
    await Promise.resolve();
    await Promise.resolve();
    expect(log).toEqual(['reload', 'reload']);
    expect(g.hold([message(4)])).toBe(true);
    reads[1]();
    await Promise.all([first, second]);
    expect(log).toEqual(['reload', 'reload', 'resynced: lost']);
    // Held before the second read began, message 3 is covered by it; only 4 is news.
    expect(delivered).toEqual([4]);
  });
});

describe('ExpectedNotifications', () => {
  it('swallows our own notifications in order, and only the expected kind', () => {
    const expected = new ExpectedNotifications();
    expected.expect('k', 'added');
    expected.expect('k', 'removed');
    expect(expected.consume('k', 'removed')).toBe(false);
    expect(expected.consume('k', 'added')).toBe(true);
    expect(expected.consume('k', 'removed')).toBe(true);
    expect(expected.consume('k', 'added')).toBe(false);
  });

  it('ends a wait when the notification comes, when the kernel is re-read, or at the timeout', async () => {
    const clock = new ManualClock();
    const expected = new ExpectedNotifications();
    const ends: string[] = [];
    void untilSeen(expected.expect('a', 'added'), 2000, clock).then(() => ends.push('a'));
    void untilSeen(expected.expect('b', 'added'), 2000, clock).then(() => ends.push('b'));
    const c = expected.expect('c', 'added');
    void untilSeen(c, 2000, clock).then(() => ends.push('c'));
    expected.consume('a', 'added');
    await clock.settle();
    expect(ends).toEqual(['a']);
    await clock.advance(2000);
    expect(ends).toEqual(['a', 'b', 'c']);
    const d = expected.expect('d', 'removed');
    expected.forgetAll();
    expect(d.seen).toBe(true);
  });
});
