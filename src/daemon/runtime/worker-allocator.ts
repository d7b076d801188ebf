// Runs big allocations in a worker thread so heartbeats keep flowing while LCP2 works.
//
// Small states stay inline: posting a state to a worker and back costs more than
// allocating a few hundred addresses. The worker is started on first use and kept.

import { Worker } from 'node:worker_threads';
import { join } from 'node:path';
import { allocate, AllocResult, AllocState } from '../../core/ipalloc';
import { AllocAnswer, AllocJob } from './alloc-worker';
import { Allocator } from './allocator';

export interface WorkerAllocatorInit {
  /**
   * States with at least this many addresses go to the worker.
   * @default 256
   */
  readonly minAddresses?: number;
  /**
   * The compiled worker script.
   * @default alloc-worker.js next to this file
   */
  readonly script?: string;
}

export class AllocatorWorkerError extends Error {
  readonly code = 'E_ALLOC_WORKER';
}

export function workerAllocator(init: WorkerAllocatorInit = {}): Allocator {
  const minAddresses = init.minAddresses ?? 256;
  const script = init.script ?? join(__dirname, 'alloc-worker.js');
  let worker: Worker | undefined;
  let nextId = 1;
  const pending = new Map<number, { resolve: (r: AllocResult) => void; reject: (e: Error) => void }>();

  const failAll = (error: Error): void => {
    for (const waiter of pending.values()) waiter.reject(error);
    pending.clear();
    worker = undefined;
  };
  const start = (): Worker => {
    const w = new Worker(script);
    w.unref();
    w.on('message', (answer: AllocAnswer) => {
      const waiter = pending.get(answer.id);
      if (!waiter) return;
      pending.delete(answer.id);
      if (answer.ok) waiter.resolve(answer.result);
      else waiter.reject(new AllocatorWorkerError(`allocation failed in the worker: ${answer.message}`));
    });
    w.on('error', (error) => failAll(new AllocatorWorkerError(`the allocator worker failed: ${error.message}`)));
    w.on('exit', (code) => failAll(new AllocatorWorkerError(`the allocator worker exited with code ${code}`)));
    return w;
  };

  return {
    allocate(state: AllocState): Promise<AllocResult> {
      if (state.addresses.length < minAddresses) return Promise.resolve(allocate(state));
      worker ??= start();
      const id = nextId++;
      const job: AllocJob = { id, state };
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        worker?.postMessage(job);
      });
    },
    async close() {
      const w = worker;
      worker = undefined;
      if (w) await w.terminate();
    },
  };
}
