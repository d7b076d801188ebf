// Peer heartbeats from the worker to the main thread without their address list when it is the one handed over last time.
//
// postMessage copies what it is given: a peer heartbeat listing 333 addresses is ~700 objects
// cloned in the worker and made again on the main thread, 40 times a second with two peers at
// the fast profile, although at rest every one lists the same addresses. The peer session keeps
// the array of the last whole HEARTBEAT for its HEARTBEAT-BRIEFs (frame-session.ts), so the
// same list arrives as the same array: the worker then sends `beat` without it, and the main
// thread puts back the array it was handed last for that peer. Both sides update their memory
// on the same messages in the same order (one queue, outbox.ts), so they always agree.

import { Pnn } from '../../core/flags';
import { IpAddress } from '../../core/ip';
import { MeshEvent } from '../../adapters/peer/port';
import { HeartbeatMessage } from '../../protocol/frame-messages';
import { FromWorker } from './messages';

/** A peer's heartbeat that arrives with another array than the one last handed over. */
function heartbeatOf(event: MeshEvent): HeartbeatMessage | undefined {
  return event.kind === 'message' && event.message.kind === 'heartbeat' ? event.message : undefined;
}

/** The worker's half: what to post for a mesh event received `at`. */
export class HostedSender {
  private readonly last = new Map<Pnn, readonly IpAddress[]>();

  post(event: MeshEvent, at: number): FromWorker {
    const beat = heartbeatOf(event);
    if (beat !== undefined && event.kind === 'message') {
      if (this.last.get(event.from) === beat.hosted) {
        const { hosted: _hosted, ...rest } = beat;
        return { op: 'beat', from: event.from, message: rest, at };
      }
      this.last.set(event.from, beat.hosted);
    }
    if (event.kind === 'peer-down') this.last.delete(event.pnn);
    return { op: 'event', event, at };
  }
}

/** The main thread's half: the mesh event a posted `event` or `beat` stands for. */
export class HostedReceiver {
  private readonly last = new Map<Pnn, readonly IpAddress[]>();

  event(message: Extract<FromWorker, { op: 'event' | 'beat' }>): MeshEvent {
    if (message.op === 'beat') {
      const hosted = this.last.get(message.from);
      // The sender posts `beat` only after an `event` that left this list here: a bug if not.
      if (hosted === undefined) throw new Error(`the fast-path worker sent node ${message.from}'s heartbeat without a list handed over before`);
      return { kind: 'message', from: message.from, message: { ...message.message, hosted } };
    }
    const { event } = message;
    const beat = heartbeatOf(event);
    if (beat !== undefined && event.kind === 'message') this.last.set(event.from, beat.hosted);
    if (event.kind === 'peer-down') this.last.delete(event.pnn);
    return event;
  }
}
