// Runs event-script processes from a worker thread, so the main loop never waits for a fork and exec.
//
// Why: child_process.spawn returns only once the child has called exec (libuv reads a
// close-on-exec pipe until it closes). The child starts in the ordinary class
// (sched/priority.ts aheadWhileForking), so on a busy machine the spawning thread waits for the
// child to be scheduled: 50-220 ms per script in --cpu-prof of the lab's daemons, three scripts
// per monitor. Spawned from this worker, that wait is the worker's; the main loop goes on. The
// worker runs process.ts unchanged: deadline, cancel, capped output, process group.

import { Worker } from 'node:worker_threads';
import { ScriptRun, ScriptRunRequest } from './process';

/** What the host asks of the worker (process-worker-main.ts). */
export type ToScriptWorker =
  | { readonly op: 'run'; readonly id: number; readonly request: Omit<ScriptRunRequest, 'signal'> }
  | { readonly op: 'cancel'; readonly id: number };

/** The worker's answer: one per run. */
export interface FromScriptWorker {
  readonly op: 'done';
  readonly id: number;
  readonly run: ScriptRun;
}

/** How the runner starts one script (runner.ts): runScriptProcess in this thread, or a ScriptProcessHost's run. */
export type ScriptProcessRunner = (request: ScriptRunRequest) => Promise<ScriptRun>;

/** The worker ended while scripts ran: a bug or an exhausted system. The runner reports the event CANNOT RUN. */
export class ScriptWorkerError extends Error {
  readonly code = 'E_SCRIPT_WORKER';
}

interface Pending {
  readonly resolve: (run: ScriptRun) => void;
  readonly reject: (error: Error) => void;
  readonly cleanup: () => void;
}

export class ScriptProcessHost {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;

  /** `script`: the compiled process-worker-main (siblingScript). The worker starts now, so its loading is over before the node joins. */
  constructor(private readonly script: string) {
    this.started();
  }

  /** Runs one script in the worker; a cancel of `request.signal` kills its process group there. */
  readonly run: ScriptProcessRunner = (request) => {
    const { signal, ...plain } = request;
    const worker = this.started();
    const id = this.nextId++;
    return new Promise<ScriptRun>((resolve, reject) => {
      const onAbort = (): void => worker.postMessage({ op: 'cancel', id } satisfies ToScriptWorker);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.pending.set(id, { resolve, reject, cleanup: () => signal?.removeEventListener('abort', onAbort) });
      // A script runs while the daemon lives: while one runs, the worker keeps the process up.
      if (this.pending.size === 1) worker.ref();
      worker.postMessage({ op: 'run', id, request: plain } satisfies ToScriptWorker);
      if (signal?.aborted) onAbort();
    });
  };

  /**
   * Ends the worker, after the last event (shutdown). A script still running is cancelled first
   * (its process group killed, its run answers `cancelled`): ending the worker alone would leave it.
   */
  async close(): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    const answered = [...this.pending.keys()].map((id) => new Promise<void>((resolve) => {
      const pending = this.pending.get(id);
      if (pending) this.pending.set(id, { ...pending, cleanup: () => { pending.cleanup(); resolve(); } });
      worker.postMessage({ op: 'cancel', id } satisfies ToScriptWorker);
    }));
    await Promise.all(answered);
    this.worker = undefined;
    await worker.terminate();
  }

  private started(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(this.script);
    worker.unref();
    worker.on('message', (message: FromScriptWorker) => this.settle(message.id, (p) => p.resolve(message.run)));
    worker.on('error', (error) => this.lost(worker, `the event-script worker failed: ${error.message}`));
    worker.on('exit', (code) => this.lost(worker, `the event-script worker exited (status ${code})`));
    this.worker = worker;
    return worker;
  }

  private settle(id: number, how: (pending: Pending) => void): void {
    const pending = this.pending.get(id);
    if (!pending) return;
    this.pending.delete(id);
    pending.cleanup();
    if (this.pending.size === 0) this.worker?.unref();
    how(pending);
  }

  /** The worker is gone: its runs fail (the runner answers CANNOT RUN), and the next run starts a new worker. */
  private lost(worker: Worker, why: string): void {
    if (this.worker === worker) this.worker = undefined;
    for (const id of [...this.pending.keys()]) this.settle(id, (p) => p.reject(new ScriptWorkerError(`${why}: the script's outcome is unknown`)));
  }
}
