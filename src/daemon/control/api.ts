// The daemon as the control socket sees it: one method per control command.
//
// The control server decodes a request (protocol/control.ts), calls the method, and encodes
// what it returns; a thrown DaemonApiError becomes an error reply with its code. The runtime
// implements this interface; tests of the control server use a fake of it.

import { Pnn } from '../../core/flags';
import { IpAddress, IpPrefix } from '../../core/ip';
import {
  CtdbToolResult, DoneResult, IfaceStatus, IpStatus, LeaderResult, ListNodesEntry, PingResult, ReloadIpsResult, ReloadNodesResult, StatusResult,
  TakeoverRunRecord, TicklesResult, UptimeResult,
} from '../../protocol/control-results';
import { EventResult, EventScriptResult, EventStatusResult } from '../../protocol/event-results';

/** Whose public addresses `ip` lists: every node's (CTDB's `ip all`), this node's, or node N's. */
export type IpScope = 'all' | 'local' | Pnn;

export type AdminVerb = 'disable' | 'enable' | 'stop' | 'continue' | 'ban' | 'unban';

/** A refused or failed command: `code` is stable (E_...), `message` tells the admin what to do. */
export class DaemonApiError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
    this.name = 'DaemonApiError';
  }
}

export interface DaemonApi {
  status(): StatusResult;
  /** `scope` defaults to 'all'. With verbose, the interfaces are those of the listed node, or of the holder for 'all'. */
  ips(verbose: boolean, scope?: IpScope): IpStatus[];
  /** Interfaces of node `pnn` (default: this node). */
  ifaces(pnn?: Pnn): IfaceStatus[];
  /** Admin verbs on `pnn` (default: this node); relayed to the leader, which applies them. */
  admin(verb: AdminVerb, pnn: Pnn | undefined, banSeconds?: number): Promise<DoneResult>;
  moveIp(address: IpAddress, pnn: Pnn): Promise<DoneResult>;
  /** Adds to this node's public addresses (and `public_addresses` is not rewritten: runtime only, as CTDB). */
  addIp(prefix: IpPrefix, ifaces: readonly string[]): Promise<DoneResult>;
  delIp(address: IpAddress): Promise<DoneResult>;
  /**
   * Cluster-wide reloadips: runs held everywhere, the listed nodes (default: every node)
   * re-read `public_addresses`, then one takeover run; only what changed moves.
   */
  reloadIps(nodes: readonly Pnn[] | undefined): Promise<ReloadIpsResult>;
  /** Cluster-wide reloadnodes: every node must read the same `nodes`; appended lines join, commented-out lines leave, one run. */
  reloadNodes(): Promise<ReloadNodesResult>;
  /** `rebalance`: LCP2 may move addresses onto these nodes although they hold some. */
  ipReallocate(rebalance?: readonly Pnn[]): Promise<DoneResult>;
  gratArp(address: IpAddress, iface: string): Promise<DoneResult>;
  getTickles(address: IpAddress): TicklesResult;
  /** One event's last result (null: not run since the daemon started), or with no event every event's. */
  eventStatus(event: string | undefined): EventStatusResult;
  eventRun(event: string, args: readonly string[], timeoutMs: number): Promise<EventResult>;
  /** `list`: the scripts; `enable`/`disable`: done. */
  eventScript(action: 'list' | 'enable' | 'disable', name: string | undefined): Promise<EventScriptResult>;
  leader(): LeaderResult;
  listNodes(): ListNodesEntry[];
  ping(): PingResult;
  uptime(): UptimeResult;
  history(limit: number | undefined): TakeoverRunRecord[];
  /** One call of the `ctdb` stand-in of event scripts (ctdb-tool.ts). */
  ctdbTool(argv: readonly string[], stdin: string): Promise<CtdbToolResult>;
}
