// DaemonApi over the runtime: what the control socket's handlers call, one method per command.

import { NO_NODE, formatFlags, hasFlag, Pnn } from '../../core/flags';
import { compareIp, IpAddress, IpPrefix, parseIp } from '../../core/ip';
import { claimedHolders, nodeFlags } from '../../core/membership';
import { EVENT_NAMES, EventArgumentError, isEventName } from '../../adapters/scripts/events';
import { EventResult, EventScriptResult, EventStatusResult, LastEventResults } from '../../protocol/event-results';
import {
  CtdbToolResult, DoneResult, FlapDampingStatus, IfaceStatus, IpStatus, LeaderResult, ListNodesEntry, PingResult, ReloadIpsResult, ReloadNodesResult, StatusResult, TakeoverRunRecord,
  TicklesResult, UptimeResult,
} from '../../protocol/control-results';
import { PublicAddress } from '../../core/address';
import { EventRunner } from '../../adapters/scripts/port';
import { MonitorState } from '../../protocol/frame-messages';
import { AdminVerb, DaemonApi, DaemonApiError, IpScope } from '../control/api';
import { CtdbToolKernel, runCtdbTool } from '../control/ctdb-tool';
import { AdminOutcome, AdminRelay } from './admin';
import { AddressListChange } from './address-list';
import { Clock } from '../../adapters/clock';
import { ClusterNodes } from './cluster-nodes';
import { ClusterReload } from './cluster-reload';
import { ClusterState } from './cluster-state';
import { DuplicateWatch } from './duplicate-probe';
import { FlapDamper } from './flap-damping';
import { GuardState } from './guard';
import { ReadinessWatch } from './readiness';
import { RunHistory } from './history';
import { LocalAddresses } from './hosting';
import { TakeoverLeader } from './leader';
import { AdminRequest } from './messages';
import { OrderHandler } from './orders';
import { Reconciler } from './reconcile';
import { RoundTrips } from './rtt';
import { RuntimeInit } from './settings';
import { ConnectionTracker } from './tickles';

/**
 * The parts of a node runtime the control API reads and drives, and no more: the runtime
 * (node.ts) hands itself in, so this file needs nothing of node.ts.
 */
export interface ApiSources {
  readonly pnn: Pnn;
  readonly init: Pick<RuntimeInit, 'quorum'>;
  readonly components: {
    readonly clock: Pick<Clock, 'now'>;
    readonly events: EventRunner;
    /** Without it this node cannot re-read public_addresses (reloadips refuses it). */
    readonly loadPublicAddresses?: () => Promise<readonly PublicAddress[]>;
    readonly ctdbKernel?: CtdbToolKernel;
  };
  readonly state: Pick<ClusterState, 'view' | 'nodes' | 'quorum' | 'leader' | 'addressList' | 'addressLine' | 'addressLists'>;
  readonly hosting: Pick<LocalAddresses, 'get' | 'list' | 'announce'>;
  readonly monitor: MonitorState;
  /** Wall-clock start of the runtime, epoch ms. */
  readonly startedAt: number;
  readonly flapDamper: Pick<FlapDamper, 'verdict' | 'holds'>;
  readonly guard: Pick<GuardState, 'unguarded'>;
  readonly readiness: Pick<ReadinessWatch, 'current'>;
  readonly roundTrips: Pick<RoundTrips, 'latestMs'>;
  readonly duplicates: Pick<DuplicateWatch, 'summary' | 'macsOf'> | undefined;
  readonly reconciler: Pick<Reconciler, 'isMissing'>;
  readonly admin: Pick<AdminRelay, 'request'>;
  readonly clusterReload: Pick<ClusterReload, 'reload'>;
  readonly clusterNodes: Pick<ClusterNodes, 'reloadNodes'>;
  readonly tracker: Pick<ConnectionTracker, 'entries' | 'scan'>;
  readonly leader: Pick<TakeoverLeader, 'lastRunEndedAt' | 'lastRunMs' | 'nextRun'>;
  readonly orders: Pick<OrderHandler, 'lastIpreallocatedAt'>;
  readonly history: Pick<RunHistory, 'list'>;
  /** Replaces this node's public address list (addip, delip). */
  setAddressList(next: readonly PublicAddress[], why: string): Promise<AddressListChange>;
}

function done(message: string): DoneResult {
  return { done: true, message };
}

function outcomeResult(outcome: AdminOutcome): DoneResult {
  if (outcome.status === 'ok') return done(outcome.message);
  throw new DaemonApiError(outcome.status === 'refused' ? 'E_REFUSED' : 'E_FAILED', outcome.message);
}

export function createDaemonApi(node: ApiSources): DaemonApi {
  const { state, hosting } = node;
  const local = (): Pnn => node.pnn;

  const requireHosted = (address: IpAddress): void => {
    if (!hosting.get(address.text)) {
      throw new DaemonApiError('E_NOT_HOSTED', `${address.text} is not hosted on node ${local()}: run the command on the node that hosts it (see \`floatip ip\`)`);
    }
  };

  const flapStatus = (): FlapDampingStatus => {
    const now = node.components.clock.now();
    const verdict = node.flapDamper.verdict(now);
    return {
      heldOut: verdict.heldOut, flips: verdict.flips, holds: node.flapDamper.holds, reason: verdict.reason,
      heldForMs: verdict.until === null ? null : Math.max(0, Math.round(verdict.until - now)),
    };
  };

  /** A node number this cluster has (a deleted node included: it keeps its line), or E_NO_SUCH_NODE. */
  const requireNode = (pnn: Pnn): Pnn => {
    if (state.view.nodes[pnn] === undefined) {
      throw new DaemonApiError('E_NO_SUCH_NODE', `node ${pnn} does not exist: nodes are 0..${state.view.nodes.length - 1} (see \`floatip listnodes\`)`);
    }
    return pnn;
  };

  /** This node knows its own interface; a peer's is the first usable one of its line, the rule the take follows. */
  const activeInterface = (address: string, holder: Pnn, available: readonly string[]): string => {
    if (holder === local()) return hosting.get(address)?.iface ?? '';
    return available[0] ?? '';
  };

  const api: DaemonApi = {
    status(): StatusResult {
      const view = state.view;
      const quorum = state.quorum();
      const unguarded = node.guard.unguarded;
      const held = node.leader.nextRun();
      return {
        pnn: local(),
        nodes: view.nodes.map((n) => {
          const flags = nodeFlags(n);
          // As ctdb status: only a node with no flag is PARTIALLYONLINE (an UNHEALTHY one says so already).
          const partiallyOnline = flags === 0 && [...n.links.values()].some((link) => link === 'down');
          const base = { pnn: n.pnn, address: state.nodes[n.pnn]?.address ?? null, flags: formatFlags(flags), flagBits: flags, isLocal: n.local, partiallyOnline };
          // A peer silent for dead_after keeps its stream, and with it the last PONG: that figure is stale.
          return n.local ? base : { ...base, rttMs: hasFlag(flags, 'DISCONNECTED') ? null : node.roundTrips.latestMs(n.pnn) };
        }),
        leader: quorum.leader,
        epoch: view.nodes[local()].epoch,
        quorate: quorum.quorate,
        partition: quorum.members,
        quorumRule: node.init.quorum,
        votes: {
          expected: quorum.expected, present: quorum.votes, rule: quorum.rule, reason: quorum.reason,
          left: [...quorum.left], dropped: [...quorum.dropped],
        },
        monitor: node.monitor,
        ...(node.duplicates ? { duplicates: node.duplicates.summary() } : {}),
        flapDamping: flapStatus(),
        guardian: unguarded === undefined ? { guarded: true } : { guarded: false, reason: unguarded.reason, forMs: Math.round(unguarded.sinceMs) },
        readiness: node.readiness.current(),
        nextRun: held === undefined ? null
          : { decision: held.kind, rule: held.rule, reason: held.reason, waitMs: held.kind === 'wait' ? Math.max(0, Math.round(held.waitMs)) : null },
      };
    },

    ips(verbose: boolean, scope: IpScope = 'all'): IpStatus[] {
      const listed = scope === 'all' ? undefined : requireNode(scope === 'local' ? local() : scope);
      const holders = claimedHolders(state.view);
      const lines = new Map<string, { address: IpAddress; bits: number }>();
      const lists = listed === undefined ? [...state.addressLists().values()] : [state.addressList(listed) ?? []];
      for (const list of lists) for (const l of list) if (!lines.has(l.address.text)) lines.set(l.address.text, l);
      // An address a node still holds but nobody lists any more is shown by `ip all` only, as CTDB does.
      // Parsed only when nobody lists it: the metrics feed calls this every second, and parsing
      // every held address (1000) took up to 170 ms of one turn under load (--cpu-prof).
      for (const text of listed === undefined ? holders.keys() : []) {
        if (lines.has(text)) continue;
        const parsed = parseIp(text);
        if (parsed.ok) lines.set(text, { address: parsed.value, bits: parsed.value.family === 4 ? 32 : 128 });
      }
      return [...lines.values()].sort((a, b) => compareIp(a.address, b.address)).map((line) => {
        const holder = holders.get(line.address.text)?.[0] ?? NO_NODE;
        // Whose interfaces -v shows: the listed node's, or with `all` the holder's (none when nobody holds it), as `ctdb ip -v`.
        const seenFrom = listed ?? (holder === NO_NODE ? undefined : holder);
        // By the state's index (addressLine): the metrics feed calls this every second, and a find() per address was quadratic.
        const own = seenFrom === undefined ? undefined : state.addressLine(seenFrom, line.address.text);
        const configured = own?.interfaces ?? [];
        const links = seenFrom === undefined ? new Map<string, string>() : state.view.nodes[seenFrom]?.links ?? new Map<string, string>();
        const available = configured.filter((name) => links.get(name) === 'up');
        const duplicateMacs = verbose ? node.duplicates?.macsOf(line.address.text) : undefined;
        return {
          address: line.address.text,
          bits: own?.bits ?? state.addressLine(local(), line.address.text)?.bits ?? line.bits,
          pnn: holder,
          // The active interface answers `ip --json` too; the lists are -v's, as in `ctdb ip -v`.
          activeInterface: holder === seenFrom ? activeInterface(line.address.text, holder, available) : '',
          availableInterfaces: verbose ? available : [],
          configuredInterfaces: verbose ? configured : [],
          ...(duplicateMacs ? { duplicateMacs } : {}),
        };
      });
    },

    ifaces(pnn?: Pnn): IfaceStatus[] {
      const of = requireNode(pnn ?? local());
      const list = state.addressList(of) ?? [];
      const links = state.view.nodes[of].links;
      const names = [...new Set(list.flatMap((l) => l.interfaces))].sort();
      return names.map((name) => ({
        name, link: node.reconciler.isMissing(name) ? 'missing' : links.get(name) ?? 'down', references: list.filter((l) => l.interfaces.includes(name)).length,
      }));
    },

    async admin(verb: AdminVerb, pnn: Pnn | undefined, banSeconds?: number): Promise<DoneResult> {
      const target = pnn ?? local();
      let request: AdminRequest;
      if (verb === 'ban') {
        if (banSeconds === undefined || !Number.isInteger(banSeconds) || banSeconds < 1) {
          throw new DaemonApiError('E_BAD_ARGUMENT', 'ban needs a whole number of seconds >= 1, e.g. `floatip ban 300`');
        }
        request = { action: 'ban', pnn: target, seconds: banSeconds };
      } else {
        request = { action: verb, pnn: target };
      }
      return outcomeResult(await node.admin.request(request));
    },

    async moveIp(address: IpAddress, pnn: Pnn): Promise<DoneResult> {
      return outcomeResult(await node.admin.request({ action: 'moveip', address, pnn }));
    },

    async addIp(prefix: IpPrefix, ifaces: readonly string[]): Promise<DoneResult> {
      const list = state.addressList(local()) ?? [];
      if (list.some((l) => l.address.text === prefix.address.text)) {
        throw new DaemonApiError('E_ADDRESS_EXISTS', `${prefix.address.text} is already a public address of node ${local()}: delip it first to change it`);
      }
      if (ifaces.length === 0) throw new DaemonApiError('E_BAD_ARGUMENT', 'addip needs at least one interface, e.g. `floatip addip 192.0.2.10/24 eth0`');
      const owner = state.nodes.find((n) => !n.deleted && n.address === prefix.address.text);
      if (owner) {
        throw new DaemonApiError('E_PRIVATE_ADDRESS', `addip ${prefix.address.text}/${prefix.bits}: ${prefix.address.text} is node ${owner.pnn}'s private address `
          + '(its line of nodes), which the mesh uses: pick another address');
      }
      await node.setAddressList([...list, { address: prefix.address, bits: prefix.bits, interfaces: [...ifaces] }], 'addip');
      return done(`${prefix.address.text}/${prefix.bits} added on ${ifaces.join(',')}`);
    },

    async delIp(address: IpAddress): Promise<DoneResult> {
      const list = state.addressList(local()) ?? [];
      if (!list.some((l) => l.address.text === address.text)) {
        throw new DaemonApiError('E_NO_SUCH_ADDRESS', `${address.text} is not a public address of node ${local()} (see \`floatip ip -v\`)`);
      }
      await node.setAddressList(list.filter((l) => l.address.text !== address.text), 'delip');
      return done(`${address.text} deleted`);
    },

    async reloadIps(nodes: readonly Pnn[] | undefined): Promise<ReloadIpsResult> {
      const all = state.nodes.filter((n) => !n.deleted).map((n) => n.pnn);
      for (const pnn of nodes ?? []) {
        const entry = state.nodes[pnn];
        if (!entry) throw new DaemonApiError('E_BAD_ARGUMENT', `node ${pnn} is not in the nodes file (nodes 0..${state.nodes.length - 1})`);
        if (entry.deleted) throw new DaemonApiError('E_BAD_ARGUMENT', `node ${pnn} is deleted in the nodes file: leave it out of -n`);
      }
      if ((nodes ?? [local()]).includes(local()) && !node.components.loadPublicAddresses) {
        throw new DaemonApiError('E_RELOAD_UNAVAILABLE', 'this daemon cannot re-read public_addresses: restart it instead');
      }
      const outcome = await node.clusterReload.reload([...(nodes ?? all)].sort((a, b) => a - b));
      return { ok: outcome.run.status === 'ok' && outcome.nodes.every((n) => n.status === 'ok'), nodes: outcome.nodes, run: outcome.run };
    },

    async reloadNodes(): Promise<ReloadNodesResult> {
      return node.clusterNodes.reloadNodes().catch((error: unknown) => {
        throw new DaemonApiError('E_FAILED', error instanceof Error ? error.message : String(error));
      });
    },

    async ipReallocate(rebalance: readonly Pnn[] | undefined): Promise<DoneResult> {
      if (rebalance === undefined || rebalance.length === 0) return outcomeResult(await node.admin.request({ action: 'ipreallocate' }));
      for (const pnn of rebalance) {
        const entry = state.nodes[pnn];
        if (!entry) throw new DaemonApiError('E_BAD_ARGUMENT', `node ${pnn} is not in the nodes file (nodes 0..${state.nodes.length - 1})`);
        if (entry.deleted) throw new DaemonApiError('E_BAD_ARGUMENT', `node ${pnn} is deleted in the nodes file: leave it out of --rebalance`);
      }
      return outcomeResult(await node.admin.request({ action: 'rebalance', nodes: [...rebalance].sort((a, b) => a - b) }));
    },

    async gratArp(address: IpAddress, iface: string): Promise<DoneResult> {
      requireHosted(address);
      const held = hosting.get(address.text);
      if (held && held.iface !== iface) {
        throw new DaemonApiError('E_WRONG_INTERFACE', `${address.text} is on ${held.iface}, not ${iface}: run \`floatip gratarp ${address.text} ${held.iface}\``);
      }
      // Not through the hosting queue: a takeip script calling gratarp runs inside a queued order (hosting.ts).
      if (!await hosting.announce(address.text)) {
        throw new DaemonApiError('E_NOT_HOSTED', `${address.text} is being released on node ${local()}: nothing to announce (see \`floatip ip\`)`);
      }
      return done(`announced ${address.text} on ${iface}`);
    },

    getTickles(address: IpAddress): TicklesResult {
      return { address: address.text, connections: node.tracker.entries(address) };
    },

    eventStatus(event: string | undefined): EventStatusResult {
      const runner = node.components.events;
      if (event === undefined) return Object.fromEntries(EVENT_NAMES.map((name) => [name, runner.lastStatus(name) ?? null])) as LastEventResults;
      if (!isEventName(event)) throw new DaemonApiError('E_BAD_EVENT', `${event} is not an event: use one of ${EVENT_NAMES.join(', ')}`);
      return runner.lastStatus(event) ?? null;
    },

    async eventRun(event: string, args: readonly string[], timeoutMs: number): Promise<EventResult> {
      if (!isEventName(event)) throw new DaemonApiError('E_BAD_EVENT', `${event} is not an event: use one of ${EVENT_NAMES.join(', ')}`);
      try {
        return await node.components.events.run(event, args, { timeoutMs });
      } catch (error) {
        if (error instanceof EventArgumentError) throw new DaemonApiError(error.code, error.message);
        throw error;
      }
    },

    async eventScript(action: 'list' | 'enable' | 'disable', name: string | undefined): Promise<EventScriptResult> {
      const runner = node.components.events;
      if (action === 'list') return runner.listScripts();
      if (name === undefined) throw new DaemonApiError('E_BAD_ARGUMENT', `event script ${action} needs a script name, e.g. 50.samba`);
      try {
        await runner.setScriptEnabled(name, action === 'enable');
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        throw new DaemonApiError(typeof code === 'string' ? code : 'E_FAILED', error instanceof Error ? error.message : String(error));
      }
      return done(`script ${name} ${action}d`);
    },

    leader(): LeaderResult {
      return { leader: state.leader(), epoch: state.view.nodes[local()].epoch };
    },

    listNodes(): ListNodesEntry[] {
      return state.nodes.map((n) => ({ pnn: n.pnn, address: n.address, deleted: n.deleted }));
    },

    ping(): PingResult {
      return { pnn: local() };
    },

    uptime(): UptimeResult {
      const led = node.leader.lastRunEndedAt;
      return {
        startedAt: node.startedAt,
        lastTakeoverAt: led ?? node.orders.lastIpreallocatedAt,
        lastTakeoverMs: led !== null ? node.leader.lastRunMs : null,
      };
    },

    history(limit: number | undefined): TakeoverRunRecord[] {
      return node.history.list(limit);
    },

    ctdbTool(argv: readonly string[], stdin: string): Promise<CtdbToolResult> {
      return runCtdbTool(argv, stdin, {
        api,
        pnn: local(),
        scanConnections: () => node.tracker.scan(hosting.list().map((h) => h.address)),
        ...(node.components.ctdbKernel ? { kernel: node.components.ctdbKernel } : {}),
      });
    },
  };
  return api;
}
