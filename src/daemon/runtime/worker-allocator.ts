// Runs big allocations in a worker thread so heartbeats keep flowing while LCP2 works.
//
// Small states stay inline: posting a state to a worker and back costs more than
// allocating a few hundred addresses. The worker is started on first use and kept.
// Address lines go to it once per change, states and answers as typed arrays
// (alloc-frame.ts): cloning whole states cost the event loop 10-100 ms (issue 17).
// A node that may lead later starts it ahead (prepare, from failure-forecast.ts): started by
// the first run after the leader died, the thread's start and its cold first allocation were
// ~100 ms of a 1000-address kill -9.

import { Worker } from 'node:worker_threads';
import { join } from 'node:path';
import { PublicAddress } from '../../core/address';
import { NO_NODE } from '../../core/flags';
import { allocate, AllocResult, AllocState } from '../../core/ipalloc';
import { AllocAnswer, decodeResult, encodeState, LinesJob, linesOf } from './alloc-frame';
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
  /** The lines the worker holds; a new worker has none. */
  let sent: { version: number; lines: readonly PublicAddress[] } | undefined;
  let nextVersion = 1;
  const pending = new Map<number, { resolve: (answer: Extract<AllocAnswer, { ok: true }>) => void; reject: (e: Error) => void }>();

  const failAll = (error: Error): void => {
    for (const waiter of pending.values()) waiter.reject(error);
    pending.clear();
    worker = undefined;
    sent = undefined;
  };
  const start = (): Worker => {
    const w = new Worker(script);
    w.unref();
    w.on('message', (answer: AllocAnswer) => {
      const waiter = pending.get(answer.id);
      if (!waiter) return;
      pending.delete(answer.id);
      if (answer.ok) waiter.resolve(answer);
      else waiter.reject(new AllocatorWorkerError(`allocation failed in the worker: ${answer.message}`));
    });
    w.on('error', (error) => failAll(new AllocatorWorkerError(`the allocator worker failed: ${error.message}`)));
    w.on('exit', (code) => failAll(new AllocatorWorkerError(`the allocator worker exited with code ${code}`)));
    return w;
  };

  const allocator: Allocator = {
    allocate(state: AllocState): Promise<AllocResult> {
      if (state.addresses.length < minAddresses) return Promise.resolve(allocate(state));
      const w = worker ?? start();
      worker = w;
      const lines = linesOf(state);
      if (!sent || !sameLines(sent.lines, lines)) {
        sent = { version: nextVersion++, lines };
        const job: LinesJob = { kind: 'lines', ...sent };
        w.postMessage(job);
      }
      const id = nextId++;
      const { message, transfer } = encodeState(state, id, sent.version);
      return new Promise((resolve, reject) => {
        const settle = (answer: Extract<AllocAnswer, { ok: true }>): void => {
          try {
            resolve(decodeResult(answer, lines));
          } catch (error) {
            reject(new AllocatorWorkerError(`the allocator worker's answer does not fit the state: ${error instanceof Error ? error.message : String(error)}`));
          }
        };
        pending.set(id, { resolve: settle, reject });
        w.postMessage(message, transfer);
      });
    },
    /**
     * Starts the worker, gives it the lines and has it allocate `state` once as it is and once
     * with every address unheld, so the code a failover runs (placing a dead node's addresses)
     * is compiled too: 63 ms cold against 29 ms after, for 333 of 1000 addresses here.
     */
    prepare(state: AllocState): boolean {
      if (state.addresses.length < minAddresses) return false;
      const unheld = { ...state, addresses: state.addresses.map((address) => ({ ...address, holder: NO_NODE })) };
      // A failure is the next run's to report.
      for (const each of [state, unheld]) allocator.allocate(each).catch(() => undefined);
      return true;
    },
    async close() {
      const w = worker;
      worker = undefined;
      sent = undefined;
      if (w) await w.terminate();
    },
  };
  return allocator;
}

/** The same line objects in the same order: the run inputs keep them while no list changes (run-inputs.ts). */
function sameLines(a: readonly PublicAddress[], b: readonly PublicAddress[]): boolean {
  return a.length === b.length && a.every((line, k) => line === b[k]);
}
