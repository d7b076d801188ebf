// What the membership view learns from: the timed observations of one node (or of time alone), as typed values parsed at the edge.

import { LinkState } from './address';
import { NodeFlags, Pnn } from './flags';
import { IpAddress } from './ip';

/** A peer's periodic report about itself, parsed from its frame at the edge. */
export interface HeartbeatObservation {
  readonly kind: 'heartbeat';
  readonly pnn: Pnn;
  readonly at: number;
  /** Increases with every heartbeat on one stream; a new stream may start again from anything. */
  readonly seq: number;
  /** The sender's own flags: only SELF_REPORTED_FLAGS (core/flags.ts). */
  readonly flags: NodeFlags;
  /** With BANNED: how long the ban still runs. A duration, because the sender's clock is not ours. */
  readonly banRemainingMs?: number;
  readonly epoch: number;
  readonly leader: Pnn;
  /** Parsed at the edge (the frame decoder); the view sorts them and drops repeats. */
  readonly hosted: readonly IpAddress[];
  readonly links: Readonly<Record<string, LinkState>>;
  /** The nodes the sender is connected to, itself included; left out = the sender has not said. */
  readonly partition?: readonly Pnn[];
  /** For each peer the sender is connected to: how many ms before sending it last heard that peer. */
  readonly heard: readonly HeardReport[];
}

/** One peer in a heartbeat's `heard` list. */
export interface HeardReport {
  readonly pnn: Pnn;
  readonly agoMs: number;
}

/** The TCP stream to a peer closed: it is DISCONNECTED at once. */
export interface StreamClosedObservation {
  readonly kind: 'stream-closed';
  readonly pnn: Pnn;
  readonly at: number;
}

/** The local monitor's verdict (event `monitor`). */
export interface HealthObservation {
  readonly kind: 'health';
  readonly pnn: Pnn;
  readonly at: number;
  readonly healthy: boolean;
}

/** A local interface's link state, from netlink. */
export interface LinkObservation {
  readonly kind: 'link';
  readonly pnn: Pnn;
  readonly at: number;
  readonly iface: string;
  readonly state: LinkState;
}

export type AdminAction = 'disable' | 'enable' | 'stop' | 'continue' | 'ban' | 'unban';

/** An administrator's command on the local node; `until` (a clock reading) is required for `ban`. */
export interface AdminObservation {
  readonly kind: 'admin';
  readonly pnn: Pnn;
  readonly at: number;
  readonly action: AdminAction;
  readonly until?: number;
}

/** The addresses the local node holds now (from the executor / kernel check). */
export interface HostingObservation {
  readonly kind: 'hosting';
  readonly pnn: Pnn;
  readonly at: number;
  readonly addresses: readonly IpAddress[];
}

/** The local node adopted a takeover epoch from a leader. */
export interface EpochObservation {
  readonly kind: 'epoch';
  readonly pnn: Pnn;
  readonly at: number;
  readonly epoch: number;
  readonly leader: Pnn;
}

/** Time passed: expire silent peers and ended bans. */
export interface TickObservation {
  readonly kind: 'tick';
  readonly at: number;
}

export type NodeObservation =
  | HeartbeatObservation | StreamClosedObservation | HealthObservation | LinkObservation
  | AdminObservation | HostingObservation | EpochObservation;
export type Observation = NodeObservation | TickObservation;
export type NodeObservationKind = NodeObservation['kind'];
