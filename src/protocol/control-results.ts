// What each control command answers: the JSON shapes shared by the daemon's handlers and the CLI.
//
// Addresses travel as text here (canonical, from IpAddress.text): these values go through
// JSON.stringify as they are, and `floatip ... --json` prints them unchanged.

import { Pnn } from '../core/flags';

export interface NodeStatus {
  readonly pnn: Pnn;
  /** The private address from `nodes`; null for a deleted node. */
  readonly address: string | null;
  /** `OK` or CTDB-style names joined with `|`, e.g. `UNHEALTHY|BANNED`. */
  readonly flags: string;
  readonly flagBits: number;
  readonly isLocal: boolean;
  /**
   * Peers only: the latest heartbeat round trip (PING/PONG) on the current connection, in
   * ms; null before the first PONG or while disconnected. Absent for this node.
   */
  readonly rttMs?: number | null;
  /**
   * CTDB's PARTIALLYONLINE: the node has no flag set, but one of its public interfaces has no
   * link (its addresses on other interfaces still serve). Absent from older daemons.
   */
  readonly partiallyOnline?: boolean;
}

/** A held address that another MAC also answers for (duplicate detection, DESIGN.md). */
export interface DuplicateAddressStatus {
  readonly address: string;
  /** The interface this node holds it on, where the other MAC answered. */
  readonly iface: string;
  /** The other MACs heard claiming it in the latest probe that found it. */
  readonly macs: readonly string[];
  /** First and latest detection, ms since the Unix epoch. */
  readonly since: number;
  readonly lastSeen: number;
}

export interface DuplicatesStatus {
  /** Addresses seen duplicated now: found by the latest probe of each, not cleared by a later one. */
  readonly addresses: readonly DuplicateAddressStatus[];
  /** Detections since the daemon started (an address found again after it cleared counts again). */
  readonly detections: number;
}

/** Expected votes as this node counts them (corosync votequorum's terms). */
export interface VotesStatus {
  readonly expected: number;
  /** Expected voters present in this node's partition. */
  readonly present: number;
  /** What gives quorum now: majority, tie-breaker, last-man-standing, lock; or what denies it: wait-for-all, minority. */
  readonly rule: 'lock' | 'wait-for-all' | 'majority' | 'last-man-standing' | 'tie-breaker' | 'minority';
  readonly reason: string;
  /** Nodes that left on purpose and have not rejoined; nodes last man standing dropped. */
  readonly left: readonly Pnn[];
  readonly dropped: readonly Pnn[];
}

export interface StatusResult {
  readonly pnn: Pnn;
  readonly nodes: readonly NodeStatus[];
  /** The leader this node follows, or -1. */
  readonly leader: Pnn;
  readonly epoch: number;
  readonly quorate: boolean;
  /** Nodes in this node's partition, ascending. */
  readonly partition: readonly Pnn[];
  readonly quorumRule: 'majority' | 'lock';
  /** Expected votes and the row that gives (or denies) quorum now (core/quorum-rules.ts). Absent from older daemons. */
  readonly votes?: VotesStatus;
  /** This node's own monitor state. */
  readonly monitor: 'pending' | 'healthy' | 'unhealthy';
  /** This node's duplicate detection; absent from daemons without it. */
  readonly duplicates?: DuplicatesStatus;
  /** This node's flap damping (events.monitor_flap_*): held out of hosting while its monitor flaps. */
  readonly flapDamping?: FlapDampingStatus;
  /**
   * Whether a live guardian stands behind this node. Unguarded, it reports itself UNHEALTHY
   * and hosts nothing: `reason` says why, `forMs` since when. Absent from older daemons.
   */
  readonly guardian?: { readonly guarded: true } | { readonly guarded: false; readonly reason: string; readonly forMs: number };
  /**
   * On the leader, why the takeover run it was asked for does not start yet (the takeover gate);
   * null when no run waits or it may start. Absent from older daemons.
   */
  readonly nextRun?: NextRunStatus | null;
  /**
   * Whether this node is OK, in the quorate partition and hosting what the last run gave it
   * (`floatip wait-ok`; core/readiness.ts): `rule` names the first rule that holds it back. Absent from older daemons.
   */
  readonly readiness?: ReadinessStatus;
}

export interface ReadinessStatus {
  readonly ready: boolean;
  /** 'ready', or the rule that holds: flags, quorum, leader, run, newer-run, takes, settle. */
  readonly rule: string;
  readonly reason: string;
}

/** The takeover gate's answer for a pending run (core/takeover-gate.ts). */
export interface NextRunStatus {
  /** `wait`: until a moment, `waitMs` from now; `held`: until a view change lifts the hold. */
  readonly decision: 'wait' | 'held';
  /** The gate's rule: reload, crash, silence, rejoin or agreement. */
  readonly rule: string;
  /** Completes "next run held …", e.g. `for node 2's guardian to delete its 3 addresses (its stream broke)`. */
  readonly reason: string;
  /** Ms left of a wait; null when held. */
  readonly waitMs: number | null;
}

export interface FlapDampingStatus {
  readonly heldOut: boolean;
  /** Changes of the monitor's verdict within the window. */
  readonly flips: number;
  /** Hold-down left, ms; null when not held out. */
  readonly heldForMs: number | null;
  /** Hold-downs started since the daemon started. */
  readonly holds: number;
  readonly reason: string;
}

export interface IpStatus {
  readonly address: string;
  readonly bits: number;
  /** Node hosting it per the current assignment, or -1. */
  readonly pnn: Pnn;
  /** The interface it is on, with or without -v (empty when not hosted, or hosted by another node than the one listed). */
  readonly activeInterface: string;
  /** With -v: the configured interfaces with link, and all configured ones. */
  readonly availableInterfaces: readonly string[];
  readonly configuredInterfaces: readonly string[];
  /** With -v, on the node that holds it: other MACs that answered for it (duplicate detection); absent when none. */
  readonly duplicateMacs?: readonly string[];
}

export interface IfaceStatus {
  readonly name: string;
  /**
   * `missing`: named in public_addresses but not on this node (yet): no address goes on it,
   * as with `down`, until it appears. CTDB's `-X ifaces` LinkStatus is 0 for both.
   */
  readonly link: 'up' | 'down' | 'missing';
  /** Public addresses of this node configured on the interface. */
  readonly references: number;
}

export interface LeaderResult {
  readonly leader: Pnn;
  readonly epoch: number;
}

export interface ListNodesEntry {
  readonly pnn: Pnn;
  readonly address: string | null;
  readonly deleted: boolean;
}

/** Which node answered; the CLI times the round trip itself (the daemon's part takes no measurable time). */
export interface PingResult {
  readonly pnn: Pnn;
}

export interface UptimeResult {
  /** ms since the epoch: when floatipd started, when the last takeover run ended. */
  readonly startedAt: number;
  readonly lastTakeoverAt: number | null;
  readonly lastTakeoverMs: number | null;
}

export interface TickleEntry {
  readonly client: string;
  readonly clientPort: number;
  readonly serverPort: number;
}

export interface TicklesResult {
  readonly address: string;
  readonly connections: readonly TickleEntry[];
}

/** One takeover run as the leader recorded it (`floatip history`). */
export interface TakeoverRunRecord {
  readonly epoch: number;
  readonly leader: Pnn;
  readonly startedAt: number;
  readonly reason: string;
  readonly status: 'ok' | 'failed' | 'superseded';
  readonly error: string;
  readonly moves: number;
  /** Phase durations in ms: allocate, release, take, ipreallocated, total. */
  readonly phases: { readonly allocate: number; readonly release: number; readonly take: number; readonly ipreallocated: number; readonly total: number };
  /** Event-loop delay p99 during the run, ms (perf_hooks), when measured. */
  readonly loopDelayP99Ms: number | null;
}

/** Answer of admin verbs and other commands with no data of their own. */
export interface DoneResult {
  readonly done: true;
  readonly message: string;
}

/** One listed node of a cluster-wide reloadips: `failed` with its error when it could not reload. */
export interface ReloadIpsNode {
  readonly pnn: Pnn;
  readonly status: 'ok' | 'refused' | 'failed';
  readonly message: string;
}

/** Answer of `reloadips`: every listed node's reload, then the one takeover run; `ok` only when all of it succeeded. */
export interface ReloadIpsResult {
  readonly ok: boolean;
  readonly nodes: readonly ReloadIpsNode[];
  readonly run: { readonly status: 'ok' | 'refused' | 'failed'; readonly message: string };
}

/**
 * Answer of `reloadnodes`: the nodes that joined and left, each asked node's answer (a node
 * whose nodes file differs is `refused`, and then nothing changed anywhere), and the one run.
 */
export interface ReloadNodesResult {
  readonly ok: boolean;
  readonly message: string;
  readonly added: readonly Pnn[];
  readonly removed: readonly Pnn[];
  readonly nodes: readonly ReloadIpsNode[];
  readonly run: { readonly status: 'ok' | 'refused' | 'failed'; readonly message: string } | null;
}

/** What the `ctdb` stand-in prints and exits with, as ctdb would for the same argv. */
export interface CtdbToolResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}
