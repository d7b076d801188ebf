// The event-script worker thread's entry: runs each script it is sent with process.ts and answers with its outcome (process-host.ts says why).

import { parentPort } from 'node:worker_threads';
import { FromScriptWorker, ToScriptWorker } from './process-host';
import { runScriptProcess, ScriptRun } from './process';

const port = parentPort;
if (!port) throw new Error('process-worker-main runs as a worker thread of floatipd (process-host.ts)');
const running = new Map<number, AbortController>();

port.on('message', (message: ToScriptWorker) => {
  if (message.op === 'cancel') {
    running.get(message.id)?.abort();
    return;
  }
  const abort = new AbortController();
  running.set(message.id, abort);
  const answer = (run: ScriptRun): void => {
    running.delete(message.id);
    port.postMessage({ op: 'done', id: message.id, run } satisfies FromScriptWorker);
  };
  // runScriptProcess answers every start failure itself; a throw past it is a bug, answered as one.
  runScriptProcess({ ...message.request, signal: abort.signal }).then(answer, (error: unknown) => answer({
    outcome: { kind: 'failed-to-start', reason: `the event-script worker failed: ${error instanceof Error ? error.message : String(error)}` },
    startedAtMs: Date.now(), durationMs: 0, output: '', outputTruncated: false,
  }));
});
