// Stops a resumed daemon before it acts: frames to and from peers and address takes first ask whether the loop stood still.
//
// After a SIGSTOP (or a loop blocked for fence_after) the guardian has removed this
// node's addresses and the cluster has moved them. When the process runs again, libuv
// hands it the I/O that waited (peer frames, netlink events) before any timer runs, so
// the stall watch's interval would notice too late: a heartbeat could already tell the
// leader this node is fine, and reconcile could put an address back that a survivor now
// holds. So every outward step and every peer event passes this gate, which checks the
// gap since the stall watch last ran, synchronously, and ends the process when it is too
// long (GuardianKeeper.checkStall calls the daemon's fatal exit).
// A node holding nothing lives on after a stall (guardian-spawn.ts), so the keeper must
// know an address being added is held already: `countTakes` says how many adds are under way.

import { PeerMesh } from '../../adapters/peer/port';
import { Takeover } from '../../adapters/takeover/port';
import { FastPath } from '../fastpath/fast-path';

/** True when the loop stood still long enough that this process must not act (it is exiting). */
export type StallCheck = () => boolean;

export class StalledError extends Error {
  readonly code = 'E_STALLED';
  constructor() {
    super('floatipd was frozen or blocked long enough for its guardian to fence: it does nothing more and exits');
  }
}

export function gateMesh(mesh: PeerMesh, stalled: StallCheck): PeerMesh {
  return {
    start: () => mesh.start(),
    stop: () => mesh.stop(),
    send: (to, message) => !stalled() && mesh.send(to, message),
    broadcast: (message) => (stalled() ? [] : mesh.broadcast(message)),
    connected: () => mesh.connected(),
    reset: (to, detail) => mesh.reset(to, detail),
    setNodes: (nodes) => mesh.setNodes(nodes),
    subscribe: (listener) => mesh.subscribe((event, ageMs) => { if (!stalled()) listener(event, ageMs); }),
    ...(mesh.flush ? { flush: () => mesh.flush?.() } : {}),
  };
}

/** An add refused because the fast path ordered the guardian to fence and the main loop has not taken it in yet. */
export class FencePendingError extends Error {
  readonly code = 'E_FENCE_PENDING';
  constructor() {
    super('no quorum: the guardian was just told to remove every public address, so this node adds none until it has released them');
  }
}

/** An add refused because the process stood still with addresses held and the guardian has not said yet that it did not fence. */
export class StallUnconfirmedError extends Error {
  readonly code = 'E_STALL_UNCONFIRMED';
  constructor() {
    super('floatipd stood still long enough that its guardian may have fenced: it adds no address until the guardian answers');
  }
}

/** Why the fast path refuses adds now (FastPath.fencePending, confirmPending), or undefined. */
export function fastPathRefusal(fastPath: Pick<FastPath, 'fencePending' | 'confirmPending'>): Error | undefined {
  if (fastPath.fencePending()) return new FencePendingError();
  if (fastPath.confirmPending()) return new StallUnconfirmedError();
  return undefined;
}

/**
 * `takeover` whose adds first ask whether the process stalled (it exits) and then `refusal`:
 * a fence the fast path ordered and this thread has not taken in yet (an add that passed before
 * the order but landed after the guardian's deletes would stand on a node without quorum), or a
 * freeze the guardian has not answered for yet (it may have fenced).
 */
export function gateTakeover(takeover: Takeover, stalled: StallCheck, refusal: () => Error | undefined = () => undefined): Takeover {
  const refused = (): Error | undefined => (stalled() ? new StalledError() : refusal());
  const gate = <T>(add: () => Promise<T>): Promise<T> => {
    const error = refused();
    return error ? Promise.reject(error) : add();
  };
  return {
    take: (address, iface, options) => gate(() => takeover.take(address, iface, options)),
    move: (address, from, to) => gate(() => takeover.move(address, from, to)),
    takeMany: (requests) => gate(() => takeover.takeMany(requests)),
    // Releasing is always safe, and a stopping daemon must still be able to do it.
    release: (address) => takeover.release(address),
    releaseMany: (addresses) => takeover.releaseMany(addresses),
  };
}

/**
 * `takeover` whose adds (take, move, takeMany) are counted while under way: the kernel may hold the address before the record does.
 * `onAdd` hears each add as it starts, before the kernel is asked (the fast path raises its holding slot: FastPath.adding).
 */
export function countTakes(takeover: Takeover, onAdd?: () => void): { readonly takeover: Takeover; readonly underway: () => number } {
  let underway = 0;
  const counted = <T>(work: () => Promise<T>): Promise<T> => {
    underway++;
    onAdd?.();
    let finished: Promise<T>;
    try {
      finished = work();
    } catch (error) {
      finished = Promise.reject(error);
    }
    return finished.finally(() => { underway--; });
  };
  return {
    takeover: {
      take: (address, iface, options) => counted(() => takeover.take(address, iface, options)),
      move: (address, from, to) => counted(() => takeover.move(address, from, to)),
      takeMany: (requests) => counted(() => takeover.takeMany(requests)),
      release: (address) => takeover.release(address),
      releaseMany: (addresses) => takeover.releaseMany(addresses),
    },
    underway: () => underway,
  };
}
