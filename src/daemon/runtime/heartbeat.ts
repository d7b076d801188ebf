// Heartbeats out (every heartbeat_interval, and at once after a change) and the clock ticks of the view.
//
// Our partition goes out at once when it changes: a leader holds its run until every
// member reports the same partition (core/quorum.ts partitionAgreed), so waiting for
// the next interval would add up to heartbeat_interval to every failover.
// The tick timer is armed for the exact next moment time alone changes something
// (a peer's fence or dead deadline, a ban's end), so a minority fences at
// fence_after and a silent peer is DISCONNECTED at dead_after, not a tick later.

import { NodeFlag, Pnn, SELF_REPORTED_FLAGS } from '../../core/flags';
import { sameInOrder } from '../../core/lists';
import { nodeFlags } from '../../core/membership';
import { heardReports } from '../../protocol/frame-heartbeat';
import { partitionMembers } from '../../core/quorum';
import { MonitorState } from '../../protocol/frame-messages';
import { CancelTimer, Clock, every, OneTimer } from '../../adapters/clock';
import { ClusterState } from './cluster-state';
import { HeartbeatMessage } from './messages';
import { LocalAddresses } from './hosting';

export interface HeartbeatComponents {
  readonly state: ClusterState;
  readonly hosting: LocalAddresses;
  readonly clock: Clock;
  readonly monitor: () => MonitorState;
  readonly broadcast: (message: HeartbeatMessage) => void;
  /** Hands over what the mesh received but has not delivered yet (PeerMesh.flush), before time alone changes the view. */
  readonly flush?: () => void;
}

export class Heartbeats {
  /** Counts every heartbeat we send, on all connections: always increasing, so each stream sees it grow. */
  private beat = 0;
  private cancelPace: CancelTimer | undefined;
  private stopWatching: (() => void) | undefined;
  /** The partition our last broadcast heartbeat reported. */
  private sentPartition: readonly Pnn[] = [];
  private readonly tickTimer: OneTimer;
  /** stop() was called: the node is leaving, and says nothing more (see node.ts stop). */
  private ended = false;
  sent = 0;

  constructor(private readonly intervalMs: number, private readonly components: HeartbeatComponents) {
    this.tickTimer = new OneTimer(components.clock);
  }

  start(): void {
    this.cancelPace = every(this.components.clock, this.intervalMs, () => this.sendNow());
    this.stopWatching = this.components.state.onChange(() => {
      if (!sameInOrder(partitionMembers(this.components.state.view), this.sentPartition)) this.sendNow();
    });
    this.armTick();
  }

  /** True once stop() was called: no heartbeat goes out any more. */
  get stopped(): boolean {
    return this.ended;
  }

  stop(): void {
    this.ended = true;
    this.cancelPace?.();
    this.cancelPace = undefined;
    this.stopWatching?.();
    this.stopWatching = undefined;
    this.tickTimer.clear();
  }

  /** Our heartbeat as it would go out now. */
  message(): HeartbeatMessage {
    const { state, hosting, clock } = this.components;
    const local = state.view.nodes[state.localPnn];
    const flags = nodeFlags(local) & SELF_REPORTED_FLAGS;
    const banned = (flags & NodeFlag.BANNED) !== 0;
    const remaining = banned && local.bannedUntil !== undefined ? Math.max(1, Math.ceil(local.bannedUntil - clock.now())) : undefined;
    return {
      kind: 'heartbeat',
      pnn: state.localPnn,
      beat: ++this.beat,
      flags,
      ...(remaining !== undefined ? { banRemainingMs: Math.min(remaining, 0xffffffff) } : {}),
      monitor: this.components.monitor(),
      epoch: local.epoch,
      leader: local.leader,
      links: [...local.links].map(([iface, linkState]) => ({ iface, state: linkState })),
      hosted: hosting.addresses(),
      partition: partitionMembers(state.view),
      heard: heardReports(state.view, clock.now()),
      voters: state.reportedVoters(),
    };
  }

  sendNow(): void {
    if (this.ended) return;
    this.sent++;
    const message = this.message();
    this.sentPartition = message.partition;
    this.components.broadcast(message);
  }

  /** Arms the tick for the view's next deadline; call after every view change. */
  armTick(): void {
    const next = this.components.state.nextDeadline();
    if (next === undefined) {
      this.tickTimer.clear();
      return;
    }
    if (this.tickTimer.due === next) return;
    this.tickTimer.set(Math.max(0, next - this.components.clock.now()), () => {
      // After a stall of this loop, heartbeats that arrived meanwhile wait behind this timer: hear them before judging silence.
      this.components.flush?.();
      this.components.state.tick();
      this.armTick();
    });
  }
}
