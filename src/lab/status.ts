// Reads a running lab's state from the kernel and the daemons: links, who holds each public address, daemon pids, cluster status.

import { promises as fs } from 'node:fs';
import { StatusResult } from '../protocol/control-results';
import { daemonStatus } from './control-query';
import { daemonState, DaemonState, readPid } from './daemons';
import { LabPlan } from './plan';
import { LabState } from './state';
import { ipIn } from './shell';

/** A link as `ip -j` shows it, reduced to what the lab reports. */
interface KernelLink {
  readonly ifname: string;
  readonly flags?: readonly string[];
  readonly operstate?: string;
  readonly master?: string;
  readonly addr_info?: readonly { readonly local?: string; readonly prefixlen?: number; readonly scope?: string }[];
}

export type PortState = 'up' | 'down' | 'missing';

export interface LabNodeStatus {
  readonly pnn: number;
  readonly namespace: string;
  readonly privateAddress: string;
  /** Switch-side ports: where `fail --mode link` acts. */
  readonly privatePort: PortState;
  readonly publicPort: PortState;
  /** The bridge the private port is on (the private bridge, or a partition bridge). */
  readonly privateBridge: string | null;
  readonly daemonPid: number | null;
  readonly daemon: DaemonState;
  readonly monitorFailing: boolean;
  /** The lab's public addresses present in this namespace, in plan order. */
  readonly publicAddresses: readonly string[];
}

export type ClusterView =
  | { readonly kind: 'answered'; readonly fromNode: number; readonly status: StatusResult }
  | { readonly kind: 'unavailable'; readonly reason: string };

export interface LabStatus {
  readonly prefix: string;
  readonly dir: string;
  readonly profile: string;
  readonly daemonsManaged: boolean;
  readonly switchNamespace: string;
  /** Private and public bridge, in the switch namespace. */
  readonly bridges: readonly [string, string];
  readonly clientNamespace: string;
  readonly clientAddresses: readonly string[];
  readonly partition: readonly (readonly number[])[] | null;
  readonly nodes: readonly LabNodeStatus[];
  /** Every public address and the nodes whose namespace holds it (more than one is a duplicate). */
  readonly addresses: readonly { readonly address: string; readonly holders: readonly number[] }[];
  readonly cluster: ClusterView;
}

const STATUS_TIMEOUT_MS = 1000;

async function linksIn(namespace: string, ...what: string[]): Promise<KernelLink[]> {
  try {
    return JSON.parse(await ipIn(namespace, '-j', ...what)) as KernelLink[];
  } catch {
    return [];
  }
}

function portState(links: readonly KernelLink[], name: string): PortState {
  const link = links.find((l) => l.ifname === name);
  if (link === undefined) return 'missing';
  return link.flags?.includes('UP') ? 'up' : 'down';
}

async function exists(path: string): Promise<boolean> {
  return fs.stat(path).then(() => true, () => false);
}

function looksLikeStatus(value: unknown): value is StatusResult {
  const v = value as Partial<StatusResult> | null;
  return typeof v === 'object' && v !== null && Array.isArray(v.nodes) && typeof v.leader === 'number' && typeof v.epoch === 'number';
}

/** Asks the running daemons, lowest node first, for the cluster status; the first answer wins. */
async function clusterView(plan: LabPlan, nodes: readonly LabNodeStatus[]): Promise<ClusterView> {
  const running = nodes.filter((n) => n.daemon === 'running');
  if (running.length === 0) return { kind: 'unavailable', reason: 'no floatipd is running' };
  const reasons: string[] = [];
  for (const node of running) {
    const answer = await daemonStatus(plan.nodes[node.pnn].controlSocket, STATUS_TIMEOUT_MS);
    if (answer.ok && looksLikeStatus(answer.result)) return { kind: 'answered', fromNode: node.pnn, status: answer.result };
    reasons.push(`node ${node.pnn}: ${answer.ok ? 'the reply is not a status' : answer.reason}`);
  }
  return { kind: 'unavailable', reason: reasons.join('; ') };
}

export async function readLabStatus(plan: LabPlan, state: LabState): Promise<LabStatus> {
  const { names } = plan;
  const switchLinks = await linksIn(names.switchNamespace, 'link', 'show');
  const publicTexts = new Set(plan.publicAddresses.map((a) => a.address.text));
  const nodes = await Promise.all(plan.nodes.map(async (node): Promise<LabNodeStatus> => {
    const links = await linksIn(node.namespace, 'addr', 'show');
    const present = new Set(links.flatMap((l) => (l.addr_info ?? []).map((a) => a.local ?? '')).filter((a) => publicTexts.has(a)));
    const pid = await readPid(node);
    return {
      pnn: node.pnn,
      namespace: node.namespace,
      privateAddress: node.privateAddress.text,
      privatePort: portState(switchLinks, node.switchPrivatePort),
      publicPort: portState(switchLinks, node.switchPublicPort),
      privateBridge: switchLinks.find((l) => l.ifname === node.switchPrivatePort)?.master ?? null,
      daemonPid: pid ?? null,
      daemon: await daemonState(node, pid),
      monitorFailing: await exists(node.failMonitorPath),
      publicAddresses: plan.publicAddresses.map((a) => a.address.text).filter((a) => present.has(a)),
    };
  }));
  const addresses = plan.publicAddresses.map((a) => ({
    address: a.address.text,
    holders: nodes.filter((n) => n.publicAddresses.includes(a.address.text)).map((n) => n.pnn),
  }));
  return {
    prefix: names.prefix,
    dir: plan.options.dir,
    profile: plan.options.profile,
    daemonsManaged: state.daemonCommand !== null,
    switchNamespace: names.switchNamespace,
    bridges: [names.privateBridge, names.publicBridge],
    clientNamespace: names.clientNamespace,
    clientAddresses: plan.clientAddresses.map((a) => a.address.text),
    partition: state.partition,
    nodes,
    addresses,
    cluster: state.daemonCommand === null ? { kind: 'unavailable', reason: 'the lab runs no daemons (--no-daemons)' } : await clusterView(plan, nodes),
  };
}
