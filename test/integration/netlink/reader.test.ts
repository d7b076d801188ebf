// The in-process notification reader (native/netlink_watch.cc through watcher.ts) on the real kernel, in a namespace.

import * as path from 'node:path';
import { cleanupNamespaces, createNamespace, createVeth, finished, PREFIX, runTsInNamespace } from '../helpers/netns-netlink';

const NS = `${PREFIX}-rd`;
const PEER_NS = `${PREFIX}-rdp`;
const IFACE = `${PREFIX}0rd`;

jest.setTimeout(120000);

/** Runs one scenario of reader-host.ts in the namespace and returns what it printed. */
async function scenario<T>(name: string): Promise<T> {
  const result = await finished(runTsInNamespace(NS, path.join(__dirname, 'reader-host.ts'), [name, IFACE]));
  if (result.code !== 0) throw new Error(`scenario ${name} exited (${result.signal ?? result.code}): ${result.stderr}`);
  return JSON.parse(result.stdout.trim().split('\n').pop() as string) as T;
}

type Counts = { fds: number; threads: number };

describe('the in-process netlink notification reader', () => {
  beforeAll(() => {
    cleanupNamespaces(`${PREFIX}-rd`);
    createNamespace(NS);
    createNamespace(PEER_NS);
    createVeth(NS, IFACE, PEER_NS, `${PREFIX}0rdp`);
  });
  afterAll(() => cleanupNamespaces(`${PREFIX}-rd`));

  it('leaves no descriptor and no thread behind after 200 starts and stops', async () => {
    const { before, after, peakThreads } = await scenario<{ before: Counts; after: Counts; peakThreads: number }>('leak');
    expect(after).toEqual(before);
    // While started there was one thread more: the reader.
    expect(peakThreads).toBe(before.threads + 1);
  });

  it('reports an overflow while the event loop is blocked, then reads on', async () => {
    const { lost, ready, restartCount } = await scenario<{ lost: string[]; ready: boolean[]; restartCount: number }>('overflow');
    expect(lost.length).toBeGreaterThanOrEqual(1);
    for (const reason of lost) expect(reason).toMatch(/overflow/);
    // First start, then one onReady(true) per loss, so the caller re-reads the kernel each time.
    expect(ready).toEqual([false, ...lost.map(() => true)]);
    expect(restartCount).toBe(lost.length);
  });

  it('stops while its thread waits for a queue slot, and delivers nothing after stop', async () => {
    const r = await scenario<{ before: Counts; threadsWhileFull: number; after: Counts; heardAtStop: number; heardAfterStop: number }>('stop');
    expect(r.heardAtStop).toBe(0); // the loop was blocked from the burst to stop(): nothing reached it
    expect(r.heardAfterStop).toBe(0);
    expect(r.threadsWhileFull).toBe(r.before.threads);
    expect(r.after.threads).toBe(r.before.threads - 1);
    expect(r.after.fds).toBe(r.before.fds - 2);
  });

  it('passes on only what the kernel sent, not a notification forged by another socket', async () => {
    const { portId, forgedSeen, heard } = await scenario<{ portId: number; forgedSeen: number; heard: number }>('foreign');
    expect(portId).toBeGreaterThan(0);
    expect(heard).toBeGreaterThanOrEqual(1);
    expect(forgedSeen).toBe(0);
  });
});
