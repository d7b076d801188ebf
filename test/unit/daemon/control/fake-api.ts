// A DaemonApi with canned answers of a three-node cluster, recording every call: the control server's test double.

import { AdminVerb, DaemonApi, DaemonApiError, IpScope } from '../../../../src/daemon/control/api';
import { Pnn } from '../../../../src/core/flags';
import { IpAddress, IpPrefix } from '../../../../src/core/ip';
import { EVENT_NAMES, isEventName } from '../../../../src/core/events';
import { EventResult, EventScriptResult, EventStatusResult, LastEventResults } from '../../../../src/protocol/event-results';
import {
  CtdbToolResult, DoneResult, IfaceStatus, IpStatus, LeaderResult, ListNodesEntry, PingResult, ReloadIpsResult, ReloadNodesResult, StatusResult, TakeoverRunRecord,
  TicklesResult, UptimeResult,
} from '../../../../src/protocol/control-results';

export const T0 = Date.UTC(2025, 0, 2, 3, 4, 5, 678);

export const STATUS: StatusResult = {
  pnn: 0,
  nodes: [
    { pnn: 0, address: '192.0.2.1', flags: 'OK', flagBits: 0, isLocal: true },
    { pnn: 1, address: '192.0.2.2', flags: 'UNHEALTHY', flagBits: 2, isLocal: false },
    { pnn: 2, address: '192.0.2.3', flags: 'DISCONNECTED|UNHEALTHY', flagBits: 3, isLocal: false },
    { pnn: 3, address: null, flags: 'DELETED', flagBits: 16, isLocal: false },
  ],
  leader: 0,
  epoch: 12,
  quorate: true,
  partition: [0, 1],
  quorumRule: 'majority',
  monitor: 'healthy',
};

export const IPS: IpStatus[] = [
  { address: '203.0.113.10', bits: 24, pnn: 0, activeInterface: 'veth0', availableInterfaces: ['veth0', 'veth1'], configuredInterfaces: ['veth0', 'veth1'] },
  { address: '203.0.113.11', bits: 24, pnn: 1, activeInterface: '', availableInterfaces: ['veth0'], configuredInterfaces: ['veth0'] },
  { address: '2001:db8::10', bits: 64, pnn: -1, activeInterface: '', availableInterfaces: [], configuredInterfaces: ['veth1'] },
];

export const IFACES: IfaceStatus[] = [
  { name: 'veth0', link: 'up', references: 2 },
  { name: 'veth1', link: 'down', references: 1 },
];

/** As the daemon answers: newest first, the cluster's runs whoever led them (reasons as the leader writes them). */
export const HISTORY: TakeoverRunRecord[] = [
  {
    epoch: 12, leader: 0, startedAt: T0 + 61_000, reason: 'node 1 flags changed', status: 'failed', error: 'node 1 did not release 203.0.113.11',
    moves: 1, phases: { allocate: 0.1, release: 1000, take: 0, ipreallocated: 0, total: 1000.5 }, loopDelayP99Ms: null,
  },
  {
    epoch: 11, leader: 0, startedAt: T0, reason: 'became leader', status: 'ok', error: '', moves: 3,
    phases: { allocate: 0.42, release: 12.06, take: 5.31, ipreallocated: 2, total: 20.04 }, loopDelayP99Ms: 1.23,
  },
  {
    epoch: 10, leader: 2, startedAt: T0 - 30_000, reason: 'node 0 flags changed', status: 'ok', error: '', moves: 2,
    phases: { allocate: 0.3, release: 0, take: 4.5, ipreallocated: 1.5, total: 6.3 }, loopDelayP99Ms: 0.8,
  },
];

export const TICKLES: TicklesResult = {
  address: '203.0.113.10',
  connections: [
    { client: '198.51.100.50', clientPort: 51234, serverPort: 445 },
    { client: '198.51.100.7', clientPort: 40000, serverPort: 2049 },
  ],
};

export const EVENT_RESULT: EventResult = {
  event: 'monitor', args: [], status: 'OK', startedAtMs: T0, durationMs: 12.5,
  scripts: [{ name: '00.floatip', status: 'OK', exitCode: 0, startedAtMs: T0, durationMs: 12.5, output: '', outputTruncated: false }],
};

export interface ApiCall {
  readonly method: keyof DaemonApi;
  readonly args: readonly unknown[];
}

const done = (message: string): DoneResult => ({ done: true, message });

/** Every method answers from the constants above; `failWith` makes the next calls of a method throw. */
export class FakeDaemonApi implements DaemonApi {
  readonly calls: ApiCall[] = [];
  private readonly failures = new Map<keyof DaemonApi, unknown>();
  /** Resolves pending slow calls (see `slow`). */
  private readonly gates = new Map<keyof DaemonApi, Promise<void>>();

  /** Makes `method` throw `error` (a DaemonApiError, or anything else) until cleared. */
  failWith(method: keyof DaemonApi, error: unknown): void {
    this.failures.set(method, error);
  }

  clearFailures(): void {
    this.failures.clear();
  }

  /** Makes `method` wait for `gate` before answering. */
  slow(method: keyof DaemonApi, gate: Promise<void>): void {
    this.gates.set(method, gate);
  }

  private record(method: keyof DaemonApi, args: readonly unknown[]): void {
    this.calls.push({ method, args });
    if (this.failures.has(method)) throw this.failures.get(method);
  }

  private async recordAsync(method: keyof DaemonApi, args: readonly unknown[]): Promise<void> {
    this.record(method, args);
    await this.gates.get(method);
  }

  /** What status() answers (wait-ok tests change it between polls). */
  statusAnswer: StatusResult = STATUS;
  status(): StatusResult { this.record('status', []); return this.statusAnswer; }
  ips(verbose: boolean, scope?: IpScope): IpStatus[] { this.record('ips', scope === undefined ? [verbose] : [verbose, scope]); return IPS; }
  ifaces(pnn?: Pnn): IfaceStatus[] { this.record('ifaces', pnn === undefined ? [] : [pnn]); return IFACES; }

  async admin(verb: AdminVerb, pnn: Pnn | undefined, banSeconds?: number): Promise<DoneResult> {
    await this.recordAsync('admin', [verb, pnn, banSeconds]);
    return done(`node ${pnn ?? 0}: ${verb}${banSeconds === undefined ? '' : ` for ${banSeconds} s`}`);
  }

  async moveIp(address: IpAddress, pnn: Pnn): Promise<DoneResult> {
    await this.recordAsync('moveIp', [address.text, pnn]);
    if (pnn > 2) throw new DaemonApiError('E_NO_SUCH_NODE', `node ${pnn} is not in the cluster: use a pnn from floatip listnodes`);
    return done(`${address.text} moved to node ${pnn}`);
  }

  async addIp(prefix: IpPrefix, ifaces: readonly string[]): Promise<DoneResult> {
    await this.recordAsync('addIp', [`${prefix.address.text}/${prefix.bits}`, [...ifaces]]);
    return done(`${prefix.address.text}/${prefix.bits} added on ${ifaces.join(',')}`);
  }

  async delIp(address: IpAddress): Promise<DoneResult> {
    await this.recordAsync('delIp', [address.text]);
    return done(`${address.text} removed`);
  }

  /** Node 2 is DISCONNECTED in STATUS: listing it shows a failed node. */
  async reloadIps(nodes: readonly Pnn[] | undefined): Promise<ReloadIpsResult> {
    await this.recordAsync('reloadIps', nodes === undefined ? [] : [[...nodes]]);
    const results = (nodes ?? [0, 1]).map((pnn) => (pnn === 2
      ? { pnn, status: 'failed' as const, message: 'node 2 is not connected: check `floatip status`, then reload it when it is back' }
      : { pnn, status: 'ok' as const, message: 'public addresses reloaded: 1 added, 0 removed, 0 changed' }));
    return { ok: results.every((r) => r.status === 'ok'), nodes: results, run: { status: 'ok', message: 'takeover run 13 done in 4 ms, 1 address(es) moved' } };
  }
  async reloadNodes(): Promise<ReloadNodesResult> {
    await this.recordAsync('reloadNodes', []);
    return {
      ok: true, message: 'node 3 joined', added: [3], removed: [],
      nodes: [0, 1].map((pnn) => ({ pnn, status: 'ok' as const, message: 'node 3 joined' })),
      run: { status: 'ok', message: 'takeover run 14 done in 5 ms, 2 address(es) moved' },
    };
  }
  async ipReallocate(rebalance?: readonly Pnn[]): Promise<DoneResult> {
    await this.recordAsync('ipReallocate', rebalance === undefined ? [] : [[...rebalance]]);
    return done('takeover run 13 done');
  }

  async gratArp(address: IpAddress, iface: string): Promise<DoneResult> {
    await this.recordAsync('gratArp', [address.text, iface]);
    return done(`announced ${address.text} on ${iface}`);
  }

  getTickles(address: IpAddress): TicklesResult { this.record('getTickles', [address.text]); return TICKLES; }

  /** Only `monitor` has run. */
  eventStatus(event: string | undefined): EventStatusResult {
    this.record('eventStatus', [event]);
    const last = (name: string): EventResult | null => (name === EVENT_RESULT.event ? EVENT_RESULT : null);
    return event === undefined ? Object.fromEntries(EVENT_NAMES.map((name) => [name, last(name)])) as LastEventResults : last(event);
  }

  async eventRun(event: string, args: readonly string[], timeoutMs: number): Promise<EventResult> {
    await this.recordAsync('eventRun', [event, [...args], timeoutMs]);
    return { ...EVENT_RESULT, event: isEventName(event) ? event : EVENT_RESULT.event, args: [...args] };
  }

  async eventScript(action: 'list' | 'enable' | 'disable', name: string | undefined): Promise<EventScriptResult> {
    await this.recordAsync('eventScript', [action, name]);
    if (action === 'list') return [{ name: '00.floatip', enabled: true, events: 'all' }, { name: '50.samba', enabled: false, events: ['monitor', 'startup'] }];
    return { done: true, message: `${name} ${action}d` };
  }

  leader(): LeaderResult { this.record('leader', []); return { leader: 0, epoch: 12 }; }

  listNodes(): ListNodesEntry[] {
    this.record('listNodes', []);
    return STATUS.nodes.map((n) => ({ pnn: n.pnn, address: n.address, deleted: n.flags === 'DELETED' }));
  }

  ping(): PingResult { this.record('ping', []); return { pnn: 0 }; }
  uptime(): UptimeResult { this.record('uptime', []); return { startedAt: T0, lastTakeoverAt: T0 + 61_000, lastTakeoverMs: 20.04 }; }
  async ctdbTool(argv: readonly string[], stdin: string): Promise<CtdbToolResult> {
    await this.recordAsync('ctdbTool', [argv, stdin]);
    return { exitCode: 0, stdout: `${argv.join(' ')}\n`, stderr: '' };
  }

  history(limit: number | undefined): TakeoverRunRecord[] { this.record('history', [limit]); return HISTORY.slice(0, limit); }
}
