// The failover bench's lab: `floatip lab` with the built floatipd, one probe per namespace, and the address timelines they report.
//
// The bench keeps its own picture of which node holds which public address, built from
// the node probes' netlink notifications (no polling), so it can tell when the cluster
// has settled and when an address was on two nodes at once. Faults and heals go through
// the lab's own verbs, as a user's would, except that kill and freeze signal the pid
// directly so the fault's time is the signal's, not that of the lab's bookkeeping.

import { ChildProcess, spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { labDown, labFail, labHeal, labUp, LabPlan, LabTarget, LinkSet } from '../src/lab';
import { daemonState, logTail, readPid } from '../src/lab/daemons';
import { daemonStatus } from '../src/lab/control-query';
import { TimingProfileName } from '../src/config/option-kinds';
import { StatusResult } from '../src/protocol/control-results';
import { ClientCommand, ClientProbeLine, monotonicMs, NodeProbeLine } from './failover-messages';

/** A stretch of time an address was on a node (`to` = Infinity: still there). */
export interface Presence {
  readonly node: number;
  readonly address: string;
  readonly from: number;
  to: number;
}

export type NodeEvent = Extract<NodeProbeLine, { e: 'add' | 'del' | 'link' }> & { readonly node: number };

export interface BenchLabOptions {
  readonly prefix: string;
  readonly profile: TimingProfileName;
  readonly ipv4: number;
  readonly ipv6: number;
  /** Where the daemons' logs are copied when the lab goes down. */
  readonly logDir: string;
  /** Another floatipd to run (`--floatipd`), else the built one. */
  readonly floatipd?: string;
  /** Nodes in the lab (3 unless said). */
  readonly nodes?: number;
}

const DEFAULT_NODES = 3;
const STATUS_TIMEOUT_MS = 1000;

export class BenchError extends Error {
  constructor(readonly code: 'E_BENCH_LAB' | 'E_BENCH_SETTLE' | 'E_BENCH_PROBE' | 'E_BENCH_ARGS', message: string) {
    super(message);
    this.name = 'BenchError';
  }
}

function spawnProbe(namespace: string, script: string, args: readonly string[]): ChildProcess {
  return spawn('ip', ['netns', 'exec', namespace, process.execPath, join(__dirname, script), ...args], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
}

export class BenchLab {
  readonly nodes: number;
  /** Node number of each public interface MAC. */
  readonly macs: Record<string, number> = {};
  readonly publicAddresses: readonly string[];
  private readonly nodeProbes: ChildProcess[] = [];
  private clientProbe: ChildProcess | undefined;
  private readonly clientWaiters: Array<{ readonly e: ClientProbeLine['e']; readonly resolve: (line: ClientProbeLine) => void }> = [];
  private readonly open: Array<Map<string, number>>;
  private closed: Presence[] = [];
  private lastChange = 0;
  /** Called with every node event and client line while a trial listens. */
  onNodeEvent: ((event: NodeEvent) => void) | undefined;
  onClientLine: ((line: ClientProbeLine) => void) | undefined;

  private constructor(readonly options: BenchLabOptions, readonly target: LabTarget, readonly plan: LabPlan, private readonly root: string) {
    this.publicAddresses = plan.publicAddresses.map((a) => a.address.text);
    this.nodes = plan.nodes.length;
    this.open = Array.from({ length: this.nodes }, () => new Map());
  }

  /** Removes any lab of this prefix, starts a new one with the built floatipd, and starts the probes. */
  static async up(options: BenchLabOptions): Promise<BenchLab> {
    const root = mkdtempSync(join(tmpdir(), `${options.prefix}-`));
    const target: LabTarget = { prefix: options.prefix, dir: join(root, 'lab') };
    await labDown(target);
    const up = await labUp(target, {
      nodes: options.nodes ?? DEFAULT_NODES, ipv4Addresses: options.ipv4, ipv6Addresses: options.ipv6, profile: options.profile,
      daemons: true, floatipd: options.floatipd, startTimeoutMs: 60_000,
    });
    const lab = new BenchLab(options, target, up.plan, root);
    const failed = up.daemons.filter((d) => !d.up);
    if (failed.length > 0) {
      await lab.down();
      throw new BenchError('E_BENCH_LAB', `floatipd did not come up in the bench lab:\n${failed.map((d) => d.problem).join('\n')}`);
    }
    try {
      await lab.startProbes();
    } catch (error) {
      await lab.down();
      throw error;
    }
    return lab;
  }

  private async startProbes(): Promise<void> {
    const { names } = this.plan;
    await Promise.all(this.plan.nodes.map((node) => new Promise<void>((resolve, reject) => {
      const child = spawnProbe(node.namespace, 'failover-node-probe.js', [String(node.pnn), names.publicInterface, names.privateInterface]);
      this.nodeProbes.push(child);
      child.once('exit', (code) => reject(new BenchError('E_BENCH_PROBE', `the probe in ${node.namespace} exited (${code}) before it was ready`)));
      createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (text) => {
        const line = JSON.parse(text) as NodeProbeLine;
        if (line.e === 'ready') {
          this.macs[line.mac] = node.pnn;
          this.resetNode(node.pnn, line.addresses, line.t);
          resolve();
        } else if (line.e === 'error') {
          reject(new BenchError('E_BENCH_PROBE', `the probe in ${node.namespace} failed: ${line.message}`));
        } else {
          this.apply({ ...line, node: node.pnn });
        }
      });
    })));
    const client = spawnProbe(names.clientNamespace, 'failover-client-probe.js', [names.publicInterface]);
    this.clientProbe = client;
    createInterface({ input: client.stdout as NodeJS.ReadableStream }).on('line', (text) => {
      const line = JSON.parse(text) as ClientProbeLine;
      if (line.e === 'error') process.stderr.write(`failover bench: client probe: ${line.message}\n`);
      this.onClientLine?.(line);
      const waiter = this.clientWaiters.findIndex((w) => w.e === line.e);
      if (waiter >= 0) this.clientWaiters.splice(waiter, 1)[0].resolve(line);
    });
    await this.waitClient('ready', 30_000);
  }

  private resetNode(node: number, addresses: readonly string[], t: number): void {
    const now = new Set(addresses);
    for (const address of [...this.open[node].keys()]) if (!now.has(address)) this.apply({ e: 'del', t, address, node });
    for (const address of now) this.apply({ e: 'add', t, address, node });
  }

  private apply(event: NodeEvent): void {
    if (event.e === 'add' && !this.open[event.node].has(event.address)) {
      this.open[event.node].set(event.address, event.t);
      this.lastChange = Math.max(this.lastChange, event.t);
    } else if (event.e === 'del') {
      const from = this.open[event.node].get(event.address);
      if (from !== undefined) {
        this.open[event.node].delete(event.address);
        this.closed.push({ node: event.node, address: event.address, from, to: event.t });
        this.lastChange = Math.max(this.lastChange, event.t);
      }
    }
    this.onNodeEvent?.(event);
  }

  /** Public addresses each node holds now. */
  holdings(): string[][] {
    return this.open.map((m) => [...m.keys()].sort());
  }

  /** Forgets stretches that ended before `t` (keeps memory flat over hundreds of trials). */
  forgetBefore(t: number): void {
    this.closed = this.closed.filter((p) => p.to >= t);
  }

  /** Every stretch of time an address (or `address` only) was on a node, ended or still open, since the last forgetBefore. */
  presences(address?: string): Presence[] {
    const all: Presence[] = [...this.closed];
    this.open.forEach((m, node) => { for (const [a, since] of m) all.push({ node, address: a, from: since, to: Infinity }); });
    return address === undefined ? all : all.filter((p) => p.address === address);
  }

  /** Every stretch of time an address was on two nodes at once that overlaps `from`..`to`. */
  overlaps(from: number, to: number): Array<{ address: string; nodes: [number, number]; from: number; to: number }> {
    const byAddress = new Map<string, Presence[]>();
    for (const p of this.presences()) {
      if (p.to < from || p.from > to) continue;
      byAddress.set(p.address, [...(byAddress.get(p.address) ?? []), p]);
    }
    const found = [];
    for (const [address, list] of byAddress) {
      for (let i = 0; i < list.length; i++) {
        for (let j = i + 1; j < list.length; j++) {
          const [a, b] = [list[i], list[j]];
          const start = Math.max(a.from, b.from);
          const end = Math.min(a.to, b.to);
          if (a.node !== b.node && start <= end && end >= from && start <= to) found.push({ address, nodes: [a.node, b.node] as [number, number], from: start, to: end });
        }
      }
    }
    return found;
  }

  /** Last time any public address appeared or went, on the monotonic clock. */
  get lastAddressChange(): number {
    return this.lastChange;
  }

  sendClient(command: ClientCommand): void {
    this.clientProbe?.stdin?.write(`${JSON.stringify(command)}\n`);
  }

  waitClient<E extends ClientProbeLine['e']>(e: E, timeoutMs: number): Promise<Extract<ClientProbeLine, { e: E }>> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new BenchError('E_BENCH_PROBE', `the client probe did not answer '${e}' within ${timeoutMs} ms`)), timeoutMs);
      this.clientWaiters.push({ e, resolve: (line) => { clearTimeout(timer); resolve(line as Extract<ClientProbeLine, { e: E }>); } });
    });
  }

  /** Every node's status, or undefined for a node that does not answer. */
  async statuses(): Promise<Array<StatusResult | undefined>> {
    return Promise.all(this.plan.nodes.map(async (node) => {
      const answer = await daemonStatus(node.controlSocket, STATUS_TIMEOUT_MS);
      return answer.ok ? answer.result as StatusResult : undefined;
    }));
  }

  /** Why the cluster is not settled yet, or undefined when it is: all nodes OK, one leader, each address once, balanced, quiet for `quietMs`. */
  async unsettled(quietMs: number): Promise<string | undefined> {
    const statuses = await this.statuses();
    const silent = statuses.flatMap((s, pnn) => (s === undefined ? [pnn] : []));
    if (silent.length > 0) return `node ${silent.join(',')} does not answer`;
    const all = statuses as StatusResult[];
    const leaders = new Set(all.map((s) => s.leader));
    if (leaders.size !== 1 || all[0].leader < 0) return `leaders seen: ${[...leaders].join(',')}`;
    const notOk = all.flatMap((s) => s.nodes.filter((n) => n.flags !== 'OK').map((n) => `node ${n.pnn} ${n.flags} (seen by ${s.pnn})`));
    if (notOk.length > 0) return notOk.join('; ');
    const unhealthy = all.filter((s) => s.monitor !== 'healthy').map((s) => s.pnn);
    if (unhealthy.length > 0) return `monitor not healthy on ${unhealthy.join(',')}`;
    const count = new Map<string, number>();
    const holdings = this.holdings();
    for (const list of holdings) for (const a of list) count.set(a, (count.get(a) ?? 0) + 1);
    const wrong = this.publicAddresses.filter((a) => count.get(a) !== 1);
    if (wrong.length > 0) return `${wrong.length} addresses not held exactly once (e.g. ${wrong[0]} x${count.get(wrong[0]) ?? 0})`;
    const sizes = holdings.map((l) => l.length);
    if (Math.max(...sizes) - Math.min(...sizes) > 1) return `unbalanced: ${sizes.join('/')}`;
    const quiet = monotonicMs() - this.lastChange;
    if (quiet < quietMs) return `addresses moved ${Math.round(quiet)} ms ago`;
    return undefined;
  }

  async settle(timeoutMs: number, quietMs: number): Promise<number> {
    const started = monotonicMs();
    let why: string | undefined = 'not checked';
    while (monotonicMs() - started < timeoutMs) {
      // Nothing restarts a daemon in the lab, so one that died will never settle: say so at once.
      for (const node of this.plan.nodes) {
        if ((await this.pid(node.pnn)) === undefined) {
          throw new BenchError('E_BENCH_SETTLE', `node ${node.pnn}'s floatipd exited while the cluster was settling; the end of its log:\n${await logTail(node, 6)}`);
        }
      }
      why = await this.unsettled(quietMs);
      if (why === undefined) return monotonicMs() - started;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new BenchError('E_BENCH_SETTLE', `the cluster did not settle within ${timeoutMs} ms: ${why}; the daemons' logs are in ${this.target.dir}/node*/floatipd.log (kept in ${this.options.logDir} after the run)`);
  }

  /** The daemon's pid of a node (running or frozen), or undefined. */
  async pid(pnn: number): Promise<number | undefined> {
    const node = this.plan.nodes[pnn];
    const pid = await readPid(node);
    return (await daemonState(node, pid)) === 'gone' ? undefined : pid;
  }

  fail(pnn: number, mode: 'link', links: LinkSet = 'all'): Promise<string> {
    return labFail(this.target, pnn, mode, links);
  }

  /** Heals one node; a thawed daemon that was fenced exits, and is then started again. */
  async heal(pnn: number, thawed: boolean): Promise<void> {
    const frozen = thawed ? await this.pid(pnn) : undefined;
    await this.requireUp(await labHeal(this.target, pnn, 60_000));
    if (frozen === undefined) return;
    // The thawed daemon finds it was fenced and exits; the lab may already have started the next one.
    const deadline = monotonicMs() + 10_000;
    while ((await this.pid(pnn)) === frozen && monotonicMs() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    if ((await this.pid(pnn)) === undefined) await this.requireUp(await labHeal(this.target, pnn, 60_000));
  }

  /** Heals every node and ends a partition; daemons that were stopped start again. */
  async healAll(): Promise<void> {
    await this.requireUp(await labHeal(this.target, undefined, 60_000));
  }

  private async requireUp(result: Awaited<ReturnType<typeof labHeal>>): Promise<void> {
    const failed = result.daemons.filter((d) => !d.up);
    if (failed.length > 0) throw new BenchError('E_BENCH_LAB', `floatipd did not come back:\n${failed.map((d) => d.problem).join('\n')}`);
  }

  /** Stops the probes, keeps the daemons' logs and removes the lab. */
  async down(): Promise<void> {
    for (const child of [...this.nodeProbes, this.clientProbe]) child?.stdin?.end();
    mkdirSync(this.options.logDir, { recursive: true });
    for (const node of this.plan.nodes) {
      try {
        copyFileSync(node.logPath, join(this.options.logDir, `node${node.pnn}.log`));
      } catch {
        // A node that never started has no log to keep.
      }
    }
    await labDown(this.target);
    rmSync(this.root, { recursive: true, force: true });
  }
}
