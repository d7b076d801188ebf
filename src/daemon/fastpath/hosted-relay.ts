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

/** A peer's heartbeat, with whom it came from; undefined for every other event. */
function heartbeatOf(event: MeshEvent): { readonly from: Pnn; readonly beat: HeartbeatMessage } | undefined {
  return event.kind === 'message' && event.message.kind === 'heartbeat' ? { from: event.from, beat: event.message } : undefined;
}

/** What both halves remember, the list last handed over whole per peer, kept by the same events on each side. */
class LastLists {
  private readonly byPeer = new Map<Pnn, readonly IpAddress[]>();

  get(pnn: Pnn): readonly IpAddress[] | undefined {
    return this.byPeer.get(pnn);
  }

  /** An event handed over whole: a heartbeat's list is the peer's now; a closed stream forgets it. */
  note(event: MeshEvent): void {
    const heard = heartbeatOf(event);
    if (heard !== undefined) this.byPeer.set(heard.from, heard.beat.hosted);
    else if (event.kind === 'peer-down') this.byPeer.delete(event.pnn);
  }
}

/** The worker's half: what to post for a mesh event received `at`. */
export class HostedSender {
  private readonly lists = new LastLists();

  post(event: MeshEvent, at: number): FromWorker {
    const heard = heartbeatOf(event);
    if (heard !== undefined && this.lists.get(heard.from) === heard.beat.hosted) {
      const { hosted: _hosted, ...rest } = heard.beat;
      return { op: 'beat', from: heard.from, message: rest, at };
    }
    this.lists.note(event);
    return { op: 'event', event, at };
  }
}

/** The main thread's half: the mesh event a posted `event` or `beat` stands for. */
export class HostedReceiver {
  private readonly lists = new LastLists();

  event(message: Extract<FromWorker, { op: 'event' | 'beat' }>): MeshEvent {
    if (message.op === 'event') {
      this.lists.note(message.event);
      return message.event;
    }
    const hosted = this.lists.get(message.from);
    // The sender posts `beat` only after an `event` that left this list here: a bug if not.
    if (hosted === undefined) throw new Error(`the fast-path worker sent node ${message.from}'s heartbeat without a list handed over before`);
    return { kind: 'message', from: message.from, message: { ...message.message, hosted } };
  }
}
