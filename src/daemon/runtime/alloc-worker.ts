// The worker thread's body: keeps the address lines it was sent, answers framed states with framed results (core/ipalloc is pure).

import { parentPort } from 'node:worker_threads';
import { PublicAddress } from '../../core/address';
import { allocate } from '../../core/ipalloc';
import { AllocAnswer, AllocJob, decodeState, encodeResult, lineIndex } from './alloc-frame';

let version = -1;
let lines: readonly PublicAddress[] = [];
let index = new Map<string, number>();

parentPort?.on('message', (job: AllocJob) => {
  if (job.kind === 'lines') {
    ({ version, lines } = job);
    index = lineIndex(lines);
    return;
  }
  try {
    // Messages arrive in the order they were posted, so a state's lines came before it.
    if (job.version !== version) throw new Error(`the state refers to lines version ${job.version}, but this worker has version ${version}`);
    const { message, transfer } = encodeResult(job.id, allocate(decodeState(job, lines)), index);
    parentPort?.postMessage(message, transfer);
  } catch (error) {
    const answer: AllocAnswer = { id: job.id, ok: false, message: error instanceof Error ? error.message : String(error) };
    parentPort?.postMessage(answer);
  }
});
