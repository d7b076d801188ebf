// The fast-path worker thread's entry: the TCP mesh and the guardian's pipe on a loop of their own (liveness.ts says why).

import { MessagePort, workerData } from 'node:worker_threads';
import { createTcpMesh } from '../../adapters/peer/tcp-mesh';
import { raiseLivenessPriority, threadId } from '../../adapters/sched/priority';
import { GuardianLink } from '../guardian-client';
import { Liveness } from './liveness';
import { FastPathSettings, FromWorker, monotonicNow, ToWorker } from './messages';
import { Outbox } from './outbox';

interface WorkerData {
  readonly settings: FastPathSettings;
  readonly port: MessagePort;
}

function main({ settings, port }: WorkerData): void {
  // A peer's burst (its tickle lists, 333 frames) reaches the main thread as one array, not 333 wake-ups.
  const outbox = new Outbox<FromWorker>((batch) => port.postMessage(batch));
  const post = (message: FromWorker): void => outbox.add(message);
  const tid = threadId();
  if (tid !== undefined) post({ op: 'priority', of: 'fast path', outcome: raiseLivenessPriority(tid) });
  const mesh = createTcpMesh(settings.mesh);
  let guardian: GuardianLink | undefined;
  /** When the guardian was last ordered to fence: its answer's delay goes in the main thread's log. */
  let fenceOrderedAt = 0;
  const fenceGuardian = (): boolean => {
    fenceOrderedAt = monotonicNow();
    return guardian?.fence() ?? false;
  };
  const liveness = new Liveness(settings, {
    mesh, now: monotonicNow, post, abandonGuardian: () => guardian?.abandon(), fenceGuardian,
    confirmGuardian: (done) => guardian?.confirm(done) ?? false,
  });
  mesh.subscribe((event) => liveness.meshEvent(event));
  setInterval(() => liveness.watch(), settings.pulseMs);

  const handlers: { readonly [K in ToWorker['op']]: (message: Extract<ToWorker, { op: K }>) => void } = {
    start: () => {
      mesh.start().then(() => post({ op: 'started' }), (error: unknown) => {
        const { code, message } = error as { code?: string; message?: string };
        post({ op: 'start-failed', code: code ?? 'E_MESH', message: message ?? String(error) });
      });
    },
    // The watch goes on after the mesh stops: the guardian is still ticked until the goodbye, and the main thread still judges by the pulse.
    stop: () => {
      // A mesh that fails to stop is stopped as far as it goes: the main thread waits for 'stopped' either way.
      mesh.stop().then(() => post({ op: 'stopped' }), () => post({ op: 'stopped' }));
    },
    send: (message) => liveness.send(message.to, message.message),
    broadcast: (message) => liveness.broadcast(message.message),
    'beat-again': () => liveness.beatAgain(),
    reset: (message) => mesh.reset(message.to, message.detail),
    'set-nodes': (message) => {
      mesh.setNodes(message.nodes);
      liveness.setNodes(message.nodes);
    },
    'set-quorum': (message) => liveness.setQuorum(message.rule, message.ballot),
    'guardian-peers': (message) => guardian?.setPeers(message.peers),
    'guardian-start': (message) => {
      // Ticked every tickEveryMs, so a worker gap up to frozenAfter() cannot have let it fence.
      GuardianLink.start({ ...message.options, tickEveryMs: settings.tickEveryMs }, {
        ended: (end) => {
          liveness.setGuarded(false);
          post({ op: 'guardian-ended', end });
        },
        silent: (unansweredMs) => post({ op: 'guardian-silent', unansweredMs }),
        fenced: () => post({ op: 'fence-done', ms: monotonicNow() - fenceOrderedAt }),
      }).then((link) => {
        guardian = link;
        liveness.setGuarded(true);
        if (link.pid !== undefined) post({ op: 'priority', of: 'guardian', outcome: raiseLivenessPriority(link.pid) });
        post({ op: 'guardian-ready', pid: link.pid });
      }, (error: unknown) => post({ op: 'guardian-failed', message: error instanceof Error ? error.message : String(error) }));
    },
    'guardian-bye': () => {
      const link = guardian;
      guardian = undefined;
      liveness.setGuarded(false);
      // The link's own 'exit' does not report a goodbye ending; say it here.
      (link?.bye() ?? Promise.resolve('bye' as const)).then((end) => post({ op: 'guardian-ended', end }), () => post({ op: 'guardian-ended', end: 'failed' }));
    },
    'guardian-kill': () => guardian?.kill(),
  };
  port.on('message', (batch: readonly ToWorker[]) => {
    for (const message of batch) (handlers[message.op] as (m: ToWorker) => void)(message);
  });
}

main(workerData as WorkerData);
