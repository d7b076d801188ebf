// The native SCHED_RR call on the real kernel: a worker thread raises itself, the rest of the process and its children stay ordinary.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { nativeAddon } from '../../../src/adapters/packet/native';
import { LIVENESS_RT_PRIORITY } from '../../../src/adapters/sched/priority';
import { runScriptProcess } from '../../../src/adapters/scripts/process';

interface SchedCalls {
  realtimePriority(tid: number): number;
  setRealtime(tid: number, priority: number): void;
}
const sched = nativeAddon() as unknown as SchedCalls;

/** A worker that raises its own thread with the module under test, then spawns a child and reports both classes. */
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { raiseLivenessPriority, threadId } = require(workerData.module);
const tid = threadId();
const outcome = raiseLivenessPriority(tid);
const spawned = require('node:child_process').execFileSync('sh', ['-c', 'chrt -p $$']).toString();
parentPort.postMessage({ tid, outcome, spawned });
setInterval(() => undefined, 1000); // alive until terminated, so its class can be read from outside
`;

test('a thread raised by raiseLivenessPriority runs in SCHED_RR; the main thread and what the thread spawns do not', async () => {
  // The compiled module (integration tests run after \`npm run build\`): a worker thread cannot load .ts here.
  const module = join(__dirname, '..', '..', '..', 'dist', 'src', 'adapters', 'sched', 'priority.js');
  const worker = new Worker(WORKER, { eval: true, workerData: { module } });
  const report = await new Promise<{ tid: number; outcome: unknown; spawned: string }>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  try {
    expect(report.outcome).toEqual({ kind: 'realtime', priority: LIVENESS_RT_PRIORITY });
    expect(sched.realtimePriority(report.tid)).toBe(LIVENESS_RT_PRIORITY);
    expect(sched.realtimePriority(process.pid)).toBe(0);
    // SCHED_RESET_ON_FORK: the guardian (spawned by this thread) starts in the ordinary class.
    expect(report.spawned).toMatch(/SCHED_OTHER/);
  } finally {
    await worker.terminate();
  }
});

test('a thread that does not exist: ESRCH, named', () => {
  expect(() => sched.setRealtime(0x3ffffffe, LIVENESS_RT_PRIORITY)).toThrow(expect.objectContaining({ code: 'ESRCH', syscall: 'sched_setscheduler' }));
  expect(execFileSync('chrt', ['-p', String(process.pid)]).toString()).toMatch(/SCHED_OTHER/);
});

test('an event script is forked ahead of ordinary threads, then the thread and the script run in the ordinary class', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fsched-'));
  try {
    const script = join(dir, 'report');
    writeFileSync(script, '#!/bin/sh\nchrt -p $$\n', { mode: 0o755 });
    const run = await runScriptProcess({ path: script, args: [], env: {}, timeoutMs: 5000, outputLimitBytes: 4096 });
    expect(run.outcome).toEqual({ kind: 'exited', exitCode: 0 });
    expect(run.output).toMatch(/SCHED_OTHER/);
    expect(sched.realtimePriority(0)).toBe(0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
