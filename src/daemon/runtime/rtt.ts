// Heartbeat round trips: a PING to each connected peer every heartbeat_interval x 5 (and on connect), PONG answers, the latest per peer.
//
// HEARTBEAT is a one-way broadcast, so it cannot time a round trip; PING/PONG is the
// smallest echo that can. The round trip is our monotonic clock at the PONG minus our
// own record of when that seq went to that peer: the echoed sentUs must match the
// record, but the figure never rests on a peer's word or clock. A PONG we have no
// record of (unsolicited, repeated, from a connection that has since dropped) changes
// nothing and is counted. Every sample goes to the listeners (the metrics histogram).

import { Pnn } from '../../core/flags';
import { PingMessage, PongMessage } from '../../protocol/frame-messages';
import { CancelTimer, Clock, every } from '../../adapters/clock';

/** PING period in heartbeat intervals: 1 s at the default 200 ms, 250 ms in the fast profile. */
export const PING_EVERY_HEARTBEATS = 5;
/** PINGs kept per peer waiting for their PONG; older ones are forgotten (a peer that slow is counted by dead_after, not here). */
export const MAX_OUTSTANDING_PINGS = 4;

export type RoundTripListener = (peer: Pnn, ms: number) => void;

export interface RoundTripComponents {
  readonly clock: Clock;
  /** Sends to every connected peer; returns the peers it was queued for. */
  readonly broadcast: (message: PingMessage) => Pnn[];
  /** Sends to one peer; false when there is no session with it. */
  readonly send: (to: Pnn, message: PingMessage | PongMessage) => boolean;
}

export interface RoundTripStats {
  readonly pingsSent: number;
  readonly samples: number;
  readonly unmatchedPongs: number;
}

export class RoundTrips {
  private seq = 0;
  /** peer -> seq -> sentUs, in sending order. */
  private readonly outstanding = new Map<Pnn, Map<number, number>>();
  private readonly latest = new Map<Pnn, number>();
  private readonly listeners = new Set<RoundTripListener>();
  private cancelPace: CancelTimer | undefined;
  private pingsSent = 0;
  private samples = 0;
  private unmatchedPongs = 0;

  constructor(private readonly intervalMs: number, private readonly components: RoundTripComponents) {}

  start(): void {
    this.cancelPace ??= every(this.components.clock, this.intervalMs, () => this.pingAll());
  }

  stop(): void {
    this.cancelPace?.();
    this.cancelPace = undefined;
  }

  /** One PING to every connected peer. */
  pingAll(): void {
    const ping = this.nextPing();
    for (const peer of this.components.broadcast(ping)) this.remember(peer, ping);
  }

  /** One PING to `peer` (a session just came up: no need to wait for the next round). */
  ping(peer: Pnn): void {
    const ping = this.nextPing();
    if (this.components.send(peer, ping)) this.remember(peer, ping);
  }

  /** Answers at once, echoing both fields. */
  onPing(from: Pnn, ping: PingMessage): void {
    this.components.send(from, { kind: 'pong', seq: ping.seq, sentUs: ping.sentUs });
  }

  /** Returns the round trip in ms, or undefined when the PONG answers no PING of ours. */
  onPong(from: Pnn, pong: PongMessage): number | undefined {
    const pending = this.outstanding.get(from);
    const sentUs = pending?.get(pong.seq);
    if (pending === undefined || sentUs === undefined || sentUs !== pong.sentUs) {
      this.unmatchedPongs++;
      return undefined;
    }
    // The stream is ordered: PINGs sent before this one will get no PONG any more.
    for (const seq of pending.keys()) {
      pending.delete(seq);
      if (seq === pong.seq) break;
    }
    const ms = Math.max(0, this.nowUs() - sentUs) / 1000;
    this.latest.set(from, ms);
    this.samples++;
    for (const listener of this.listeners) listener(from, ms);
    return ms;
  }

  /** The connection is gone: its PINGs will get no PONG, and its last figure says nothing about the next one. */
  peerDown(peer: Pnn): void {
    this.outstanding.delete(peer);
    this.latest.delete(peer);
  }

  /** The latest round trip to `peer` on its current connection, or null before the first PONG. */
  latestMs(peer: Pnn): number | null {
    return this.latest.get(peer) ?? null;
  }

  /** Every sample from now on; the returned function removes the listener. */
  subscribe(listener: RoundTripListener): () => void {
    this.listeners.add(listener);
    return () => { this.listeners.delete(listener); };
  }

  get stats(): RoundTripStats {
    return { pingsSent: this.pingsSent, samples: this.samples, unmatchedPongs: this.unmatchedPongs };
  }

  private nowUs(): number {
    return Math.round(this.components.clock.now() * 1000);
  }

  private nextPing(): PingMessage {
    this.seq = (this.seq + 1) >>> 0;
    return { kind: 'ping', seq: this.seq, sentUs: this.nowUs() };
  }

  private remember(peer: Pnn, ping: PingMessage): void {
    this.pingsSent++;
    let pending = this.outstanding.get(peer);
    if (!pending) {
      pending = new Map();
      this.outstanding.set(peer, pending);
    }
    pending.delete(ping.seq);
    pending.set(ping.seq, ping.sentUs);
    while (pending.size > MAX_OUTSTANDING_PINGS) pending.delete(pending.keys().next().value as number);
  }
}
