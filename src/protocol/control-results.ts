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
  /** This node's own monitor state. */
  readonly monitor: 'pending' | 'healthy' | 'unhealthy';
}

export interface IpStatus {
  readonly address: string;
  readonly bits: number;
  /** Node hosting it per the current assignment, or -1. */
  readonly pnn: Pnn;
  /** With -v: the interface it is on (empty when not hosted), and the ones it may use. */
  readonly activeInterface: string;
  readonly availableInterfaces: readonly string[];
  readonly configuredInterfaces: readonly string[];
}

export interface IfaceStatus {
  readonly name: string;
  readonly link: 'up' | 'down';
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

export interface PingResult {
  readonly pnn: Pnn;
  /** Round trip of the control request inside the daemon, microseconds. */
  readonly handledUs: number;
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

/** What the `ctdb` stand-in prints and exits with, as ctdb would for the same argv. */
export interface CtdbToolResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}
