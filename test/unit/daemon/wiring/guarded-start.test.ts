// The runtime joins while floatipd's first guardian starts; the node is guarded the moment the guardian is ready.

import { GUARDIAN_STARTING, GuardedRuntime, startGuardedRuntime } from '../../../../src/daemon/wiring/guarded-start';

function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void; reject: (e: unknown) => void } {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => { resolve = res; reject = rej; });
  return { promise, resolve, reject };
}

class FakeRuntime implements GuardedRuntime {
  readonly calls: string[] = [];
  readonly started = deferred<void>();
  guardianStarting(why: string): void { this.calls.push(`starting: ${why}`); }
  setUnguarded(why: string | undefined): void { this.calls.push(why === undefined ? 'guarded' : `unguarded: ${why}`); }
  start(): Promise<void> { this.calls.push('start'); return this.started.promise; }
}

const turn = (): Promise<void> => new Promise((resolve) => { setImmediate(resolve); });

describe('startGuardedRuntime', () => {
  it('starts the runtime while the guardian is still starting, unguarded until it is ready', async () => {
    const runtime = new FakeRuntime();
    const guardian = deferred<string>();
    const done = startGuardedRuntime(runtime, () => guardian.promise);
    runtime.started.resolve();
    await turn();
    // The runtime started (and finished) while no guardian was ready yet.
    expect(runtime.calls).toEqual([`starting: ${GUARDIAN_STARTING}`, 'start']);
    let settled = false;
    void done.then(() => { settled = true; });
    await turn();
    expect(settled).toBe(false);
    guardian.resolve('keeper');
    await expect(done).resolves.toBe('keeper');
    expect(runtime.calls).toEqual([`starting: ${GUARDIAN_STARTING}`, 'start', 'guarded']);
  });

  it('marks the node guarded when the guardian is ready, before the runtime\'s start (its first monitor) ends', async () => {
    const runtime = new FakeRuntime();
    const done = startGuardedRuntime(runtime, async () => 'keeper');
    await turn();
    expect(runtime.calls).toEqual([`starting: ${GUARDIAN_STARTING}`, 'start', 'guarded']);
    runtime.started.resolve();
    await expect(done).resolves.toBe('keeper');
  });

  it('fails the start when the guardian cannot start, leaving the node unguarded', async () => {
    const runtime = new FakeRuntime();
    const done = startGuardedRuntime(runtime, async () => { throw new Error('floatip-guardian not found'); });
    runtime.started.resolve();
    await expect(done).rejects.toThrow('floatip-guardian not found');
    expect(runtime.calls).not.toContain('guarded');
  });

  it('fails the start when the runtime cannot start, after the guardian settled', async () => {
    const runtime = new FakeRuntime();
    const done = startGuardedRuntime(runtime, async () => 'keeper');
    runtime.started.reject(new Error('cluster.quorum = "lock" needs a cluster lock'));
    await expect(done).rejects.toThrow('needs a cluster lock');
  });
});
