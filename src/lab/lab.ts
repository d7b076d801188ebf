// The lab's verbs (up, down, status, fail, heal, partition, exec) as functions, used by `floatip lab` and the tests.
//
// `up` in order: plan -> refuse if a lab with this prefix exists -> state file
// -> namespaces, bridges, veths (removed again if this fails) -> node files
// (checked by loadConfig first) -> one floatipd per node -> wait for each to
// answer on its control socket. Faults are undone by `heal`; `down` finds
// everything by prefix.

import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { FaultMode, LabPlace, LabTarget, LinkSet, UpRequest } from './args';
import { daemonState, DaemonStartReport, readPid, signalDaemon, startDaemon, waitForDaemons, waitForExit } from './daemons';
import { LabError } from './errors';
import { labNamespaces, removeLab, RemovalReport } from './leftovers';
import { labCommandLine } from './names';
import { clearOneWayCuts, cutOneWay } from './one-way';
import { writeNodeFiles, makeLabDir } from './node-files';
import { daemonCommand, shippedEventsDir } from './package-files';
import { LabNodePlan, LabPlan, nodeOf, planLab } from './plan';
import { recordFreeze, resumeDaemon } from './resume';
import { LabState, readState, requireLab, statePathOf, writeState } from './state';
import { LabStatus, readLabStatus } from './status';
import { createTopology, joinPartitions, partitionPrivate, setNodeLinks } from './topology';

export interface UpResult {
  readonly plan: LabPlan;
  /** One report per node; empty with --no-daemons. */
  readonly daemons: readonly DaemonStartReport[];
}

/** Where the files of `up` come from; the defaults are this package's. */
export interface UpSources {
  readonly eventsDir?: string;
}

/** Time a SIGKILLed daemon gets to vanish from the process table before `fail` reports. */
const KILL_WAIT_MS = 3000;

/** `down` removes the lab directory whole, so `up` only takes one that holds nothing else. */
async function requireEmptyDir(dir: string): Promise<void> {
  const entries = await fs.readdir(dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return [];
    throw new LabError('E_LAB_PLAN', `cannot read --dir ${dir}: ${err.message}`);
  });
  if (entries.length > 0) {
    throw new LabError('E_LAB_PLAN', `--dir ${dir} is not empty (${entries.slice(0, 3).join(', ')}${entries.length > 3 ? ', ...' : ''}): `
      + '`floatip lab down` deletes the lab directory whole, so give a new or empty directory');
  }
}

export async function labUp(target: LabTarget, request: UpRequest, sources: UpSources = {}): Promise<UpResult> {
  const plan = planLab({
    prefix: target.prefix, dir: target.dir, nodes: request.nodes,
    ipv4Addresses: request.ipv4Addresses, ipv6Addresses: request.ipv6Addresses, profile: request.profile,
    ...(request.clusterLock !== undefined ? { clusterLock: request.clusterLock } : {}),
  });
  const existing = await labNamespaces(target.prefix);
  if (existing.length > 0 || (await readState(target.dir).catch(() => undefined)) !== undefined) {
    const what = existing.length > 0 ? `namespaces ${existing.join(', ')} exist` : `${statePathOf(target.dir)} exists`;
    throw new LabError('E_LAB_ALREADY_UP', `a lab with prefix '${target.prefix}' is already up (${what}): `
      + `remove it with \`${labCommandLine('down', target.prefix)}\`, or use another --prefix`);
  }
  await requireEmptyDir(plan.options.dir);
  const command = request.daemons ? daemonCommand(request.floatipd) : null;
  const eventsDir = sources.eventsDir ?? shippedEventsDir();
  await makeLabDir(plan.options.dir);
  const state: LabState = {
    kind: 'floatip-lab', version: 1, options: plan.options, daemonCommand: command, createdAt: new Date().toISOString(), partition: null,
  };
  await writeState(state);
  try {
    await createTopology(plan);
    await writeNodeFiles(plan, eventsDir);
  } catch (err) {
    // A half-made lab is worth nothing; take it away so the next `up` starts clean.
    await removeLab(target.prefix, plan.options.dir).catch(() => undefined);
    throw err;
  }
  if (command === null) return { plan, daemons: [] };
  const started: { node: LabNodePlan; pid: number }[] = [];
  for (const node of plan.nodes) started.push({ node, pid: await startDaemon(node, command) });
  return { plan, daemons: await waitForDaemons(started, request.startTimeoutMs) };
}

export function labDown(target: LabTarget): Promise<RemovalReport> {
  return removeLab(target.prefix, target.dir);
}

export async function labStatus(target: LabTarget): Promise<LabStatus> {
  const { state, plan } = await requireLab(target.dir, target.prefix);
  return readLabStatus(plan, state);
}

/** The pid of a node's daemon that is running or frozen, or a LabError saying there is none. */
async function livePid(state: LabState, node: LabNodePlan): Promise<number> {
  const pid = await readPid(node);
  if (pid !== undefined && (await daemonState(node, pid)) !== 'gone') return pid;
  const why = state.daemonCommand === null ? 'the lab was made with --no-daemons' : 'it is not running (heal the node to restart it)';
  throw new LabError('E_LAB_FAULT', `node ${node.pnn} has no floatipd to signal: ${why}`);
}

/** Makes one fault on one node; returns a line saying what was done. */
export async function labFail(target: LabTarget, pnn: number, mode: FaultMode, links: LinkSet = 'all'): Promise<string> {
  const { state, plan } = await requireLab(target.dir, target.prefix);
  const node = nodeOf(plan, pnn);
  switch (mode) {
    case 'kill': {
      const pid = await livePid(state, node);
      signalDaemon(pid, 'SIGKILL');
      await waitForExit(node, pid, KILL_WAIT_MS);
      return `node ${pnn}: floatipd (pid ${pid}) killed with SIGKILL`;
    }
    case 'stop': {
      const pid = await livePid(state, node);
      signalDaemon(pid, 'SIGTERM');
      return `node ${pnn}: floatipd (pid ${pid}) sent SIGTERM (a planned stop: it releases its addresses and exits)`;
    }
    case 'freeze': {
      const pid = await livePid(state, node);
      await recordFreeze(node, new Date());
      signalDaemon(pid, 'SIGSTOP');
      return `node ${pnn}: floatipd (pid ${pid}) frozen with SIGSTOP`;
    }
    case 'link':
      await setNodeLinks(plan, pnn, links, 'down');
      return `node ${pnn}: ${links === 'all' ? 'private and public links' : `${links} link`} down (switch port${links === 'all' ? 's' : ''} off)`;
    case 'monitor':
      await fs.writeFile(node.failMonitorPath, 'made by floatip lab fail --mode monitor\n');
      return `node ${pnn}: monitor fails from its next run (${node.failMonitorPath} exists)`;
  }
}

export interface HealResult {
  readonly actions: readonly string[];
  /** Daemons restarted by the heal, and whether they came up. */
  readonly daemons: readonly DaemonStartReport[];
}

/**
 * Undoes every fault on one node, or on all nodes and the partition: links
 * up, monitor passing, a frozen daemon continued, a dead one started again.
 * A daemon frozen long enough to have fenced itself exits when continued
 * (see resume.ts); it is started again in the same call.
 */
export async function labHeal(target: LabTarget, pnn: number | undefined, startTimeoutMs = 15_000): Promise<HealResult> {
  const { state, plan } = await requireLab(target.dir, target.prefix);
  const nodes = pnn === undefined ? plan.nodes : [nodeOf(plan, pnn)];
  const actions: string[] = [];
  const restarted: { node: LabNodePlan; pid: number }[] = [];
  for (const node of nodes) {
    await setNodeLinks(plan, node.pnn, 'all', 'up');
    await fs.rm(node.failMonitorPath, { force: true });
    const pid = await readPid(node);
    let daemon = await daemonState(node, pid);
    if (daemon === 'stopped' && pid !== undefined) {
      const outcome = await resumeDaemon(node, pid);
      actions.push(outcome === 'continued' ? `node ${node.pnn}: floatipd (pid ${pid}) continued`
        : `node ${node.pnn}: floatipd (pid ${pid}) continued, and exited as designed: it was frozen long enough to fence itself`);
      if (outcome === 'exited') daemon = 'gone';
    }
    if (daemon === 'gone' && state.daemonCommand !== null) {
      const newPid = await startDaemon(node, state.daemonCommand);
      restarted.push({ node, pid: newPid });
      actions.push(`node ${node.pnn}: floatipd started again (pid ${newPid})`);
    }
    actions.push(`node ${node.pnn}: links up, monitor passing`);
  }
  if (pnn === undefined && state.partition !== null) {
    await joinPartitions(plan);
    await writeState({ ...state, partition: null });
    actions.push('partition ended: every node on one private network again');
  }
  if (pnn === undefined) await clearOneWayCuts(plan);
  return { actions, daemons: restarted.length > 0 ? await waitForDaemons(restarted, startTimeoutMs) : [] };
}

/** Checks that the groups name every node of the lab exactly once. */
export function checkGroups(plan: LabPlan, groups: readonly (readonly number[])[]): void {
  const seen = new Set<number>();
  for (const pnn of groups.flat()) {
    nodeOf(plan, pnn);
    if (seen.has(pnn)) throw new LabError('E_LAB_UNKNOWN_NODE', `node ${pnn} is in more than one group: name each node once`);
    seen.add(pnn);
  }
  const missing = plan.nodes.map((n) => n.pnn).filter((p) => !seen.has(p));
  if (missing.length > 0) {
    throw new LabError('E_LAB_UNKNOWN_NODE', `node${missing.length > 1 ? 's' : ''} ${missing.join(',')} in no group: `
      + 'name every node once, e.g. `floatip lab partition 0,1 2` for three nodes');
  }
}

/** Splits the private network into the groups (one group joins it again). */
export async function labPartition(target: LabTarget, groups: readonly (readonly number[])[]): Promise<string> {
  const { state, plan } = await requireLab(target.dir, target.prefix);
  checkGroups(plan, groups);
  if (groups.length === 1) {
    await joinPartitions(plan);
    await writeState({ ...state, partition: null });
    return 'one group: every node on one private network';
  }
  await partitionPrivate(plan, groups);
  await writeState({ ...state, partition: groups });
  return `private network split: ${groups.map((g) => g.join(',')).join(' | ')} (the public network stays whole)`;
}

/** Drops private frames from node `from` to node `to` at the switch (the reverse still flows) until a heal of every node. */
export async function labOneWay(target: LabTarget, from: number, to: number): Promise<string> {
  const { plan } = await requireLab(target.dir, target.prefix);
  await cutOneWay(plan, from, to);
  return `private frames from node ${from} to node ${to} dropped at the switch (${to} to ${from} still flows)`;
}

/** The namespace of a place in the lab. */
export function namespaceOf(plan: LabPlan, place: LabPlace): string {
  if (place.kind === 'client') return plan.names.clientNamespace;
  if (place.kind === 'switch') return plan.names.switchNamespace;
  return nodeOf(plan, place.pnn).namespace;
}

/** Runs a command in a place of the lab with the caller's terminal; resolves with its exit status. */
export async function labExec(target: LabTarget, place: LabPlace, command: readonly string[]): Promise<number> {
  const { plan } = await requireLab(target.dir, target.prefix);
  const namespace = namespaceOf(plan, place);
  const child = spawn('ip', ['netns', 'exec', namespace, ...command], { stdio: 'inherit' });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}
