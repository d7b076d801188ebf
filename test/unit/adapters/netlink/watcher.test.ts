// The notification watcher over a fake reader: what a loss reports, and how a failed socket is reopened.

import { ManualClock } from '../../../../src/adapters/memory/clock';
import { NotificationReader, NotificationWatcher, OpenReader, ReaderEvent } from '../../../../src/adapters/netlink/watcher';

/** An RTM_NEWLINK header with an empty body: enough for parseMessages. */
const DATAGRAM = Buffer.from([16, 0, 0, 0, 16, 0, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0]);

interface FakeReader extends NotificationReader {
  readonly emit: (event: ReaderEvent) => void;
  stopped: boolean;
}

function harness() {
  const clock = new ManualClock();
  const log: string[] = [];
  const readers: FakeReader[] = [];
  let failOpen = 0;
  const open: OpenReader = (_bytes, groups, onEvent) => {
    if (failOpen > 0) {
      failOpen--;
      throw new Error('socket(NETLINK_ROUTE notifications): Too many open files');
    }
    expect(groups).toEqual([1, 5, 9]);
    const reader: FakeReader = { emit: onEvent, stopped: false, stop: () => { reader.stopped = true; } };
    readers.push(reader);
    return reader;
  };
  const watcher = new NotificationWatcher({
    clock,
    openReader: open,
    onMessages: (messages) => log.push(`messages ${messages.map((m) => m.seq).join(',')}`),
    onReady: (restarted) => log.push(`ready ${restarted}`),
    onLost: (reason) => log.push(`lost ${reason}`),
  });
  const failed = (): ReaderEvent => ({ kind: 'failed', error: new Error('recvmsg(NETLINK_ROUTE notifications): Bad address') });
  return { clock, log, readers, watcher, failed, failOpenNext: (times: number) => { failOpen = times; } };
}

describe('NotificationWatcher', () => {
  it('reports an overflow as a loss and at once as ready again, reading on with the same socket', async () => {
    const { log, readers, watcher } = harness();
    await watcher.start();
    expect(watcher.pid).toBe(process.pid);
    readers[0].emit({ kind: 'datagram', data: DATAGRAM });
    readers[0].emit({ kind: 'overflow' });
    readers[0].emit({ kind: 'datagram', data: DATAGRAM });
    expect(log).toEqual(['ready false', 'messages 7', 'lost notifications were lost: the receive buffer overflowed (ENOBUFS)', 'ready true', 'messages 7']);
    expect(readers).toHaveLength(1);
    expect(readers[0].stopped).toBe(false);
    expect(watcher.restartCount).toBe(1);
  });

  it('closes a failed socket, says why, and opens a new one at once', async () => {
    const { clock, log, readers, watcher, failed } = harness();
    await watcher.start();
    readers[0].emit(failed());
    expect(readers[0].stopped).toBe(true);
    expect(log).toEqual(['ready false', 'lost the notification socket failed: recvmsg(NETLINK_ROUTE notifications): Bad address']);
    await clock.advance(0);
    expect(readers).toHaveLength(2);
    expect(log[2]).toBe('ready true');
    // A late event of the closed reader is not heard.
    readers[0].emit({ kind: 'datagram', data: DATAGRAM });
    expect(log).toHaveLength(3);
  });

  it('backs off while new sockets fail before delivering anything, and starts over once one delivers', async () => {
    const { clock, readers, watcher, failed } = harness();
    await watcher.start();
    const reopenedAfter: number[] = [];
    for (let failure = 0; failure < 4; failure++) {
      const before = readers.length;
      const failedAt = clock.now();
      readers[readers.length - 1].emit(failed());
      await clock.advance(0);
      while (readers.length === before) await clock.advance(10);
      reopenedAfter.push(clock.now() - failedAt);
    }
    expect(reopenedAfter).toEqual([0, 50, 100, 150]);
    readers[readers.length - 1].emit({ kind: 'datagram', data: DATAGRAM });
    const failedAt = clock.now();
    const before = readers.length;
    readers[readers.length - 1].emit(failed());
    await clock.advance(0);
    expect(readers.length).toBe(before + 1);
    expect(clock.now()).toBe(failedAt);
  });

  it('keeps trying when reopening fails, and says so each time', async () => {
    const { clock, log, readers, watcher, failed, failOpenNext } = harness();
    await watcher.start();
    failOpenNext(2);
    readers[0].emit(failed());
    await clock.advance(1000);
    expect(readers).toHaveLength(2);
    expect(log.filter((l) => l.startsWith('lost reopening'))).toEqual([
      'lost reopening the notification socket failed: socket(NETLINK_ROUTE notifications): Too many open files',
      'lost reopening the notification socket failed: socket(NETLINK_ROUTE notifications): Too many open files',
    ]);
    expect(log[log.length - 1]).toBe('ready true');
    expect(watcher.restartCount).toBe(3);
  });

  it('opens nothing more once stopped, even with a restart pending', async () => {
    const { clock, readers, watcher, failed } = harness();
    await watcher.start();
    readers[0].emit(failed());
    watcher.stop();
    await clock.advance(5000);
    expect(readers).toHaveLength(1);
    expect(watcher.pid).toBeUndefined();
  });

  it('rejects start when the socket cannot be opened, saying what to check', async () => {
    const { watcher, failOpenNext } = harness();
    failOpenNext(1);
    await expect(watcher.start()).rejects.toThrow(/Too many open files; is this Linux with rtnetlink/);
  });
});
