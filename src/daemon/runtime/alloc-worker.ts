// The worker thread's body: receives allocator states, answers with results (core/ipalloc is pure).

import { parentPort } from 'node:worker_threads';
import { allocate, AllocState } from '../../core/ipalloc';

export interface AllocJob { readonly id: number; readonly state: AllocState }
export type AllocAnswer =
  | { readonly id: number; readonly ok: true; readonly result: ReturnType<typeof allocate> }
  | { readonly id: number; readonly ok: false; readonly message: string };

parentPort?.on('message', (job: AllocJob) => {
  let answer: AllocAnswer;
  try {
    answer = { id: job.id, ok: true, result: allocate(job.state) };
  } catch (error) {
    answer = { id: job.id, ok: false, message: error instanceof Error ? error.message : String(error) };
  }
  parentPort?.postMessage(answer);
});
