// A lab whose public addresses and client the failover probes watch; what runs on its nodes (floatipd, keepalived, ctdbd) is a subclass's.
//
// The bench keeps its own picture of which node holds which public address, built from
// the node probes' netlink notifications (no polling), so it can tell when the cluster
// has settled and when an address was on two nodes at once. That picture, the client
// probe and the link fault do not depend on what moves the addresses, so floatip and its
// peers are measured by the very same code (bench/failover-trial.ts takes a ProbedLab).
// Whether an address was on two nodes at once is judged by the order witness
// (bench/order-witness.ts), in the kernel's order of changes rather than by the probes' stamps.

import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { labFail, LabPlan, LabTarget, LinkSet } from '../src/lab';
import { ClientCommand, ClientProbeLine, monotonicMs, NodeProbeLine } from './failover-messages';
import { OrderWitness } from './order-witness';

/** A stretch of time an address was on a node (`to` = Infinity: still there). */
export interface Presence {
  readonly node: number;
  readonly address: string;
  readonly from: number;
  to: number;
}

/** One node's daemon event-loop delay over a stretch of time (bench/loop-delay-windows.ts); null figures: no window. */
export interface NodeLoopDelay {
  readonly node: number;
  readonly p99_ms: number | null;
  readonly max_ms: number | null;
}

export type NodeEvent = Extract<NodeProbeLine, { e: 'add' | 'del' | 'link' }> & { readonly node: number };

export class BenchError extends Error {
  constructor(readonly code: 'E_BENCH_LAB' | 'E_BENCH_SETTLE' | 'E_BENCH_PROBE' | 'E_BENCH_ARGS' | 'E_BENCH_PEER', message: string) {
    super(message);
    this.name = 'BenchError';
  }
}

function spawnProbe(namespace: string, script: string, args: readonly string[]): ChildProcess {
  return spawn('ip', ['netns', 'exec', namespace, process.execPath, join(__dirname, script), ...args], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
}

export abstract class ProbedLab {
  readonly nodes: number;
  /** Node number of each public interface MAC. */
  readonly macs: Record<string, number> = {};
  readonly publicAddresses: readonly string[];
  private readonly nodeProbes: ChildProcess[] = [];
  private clientProbe: ChildProcess | undefined;
  private witness: OrderWitness | undefined;
  private readonly clientWaiters: Array<{ readonly e: ClientProbeLine['e']; readonly resolve: (line: ClientProbeLine) => void }> = [];
  private readonly open: Array<Map<string, number>>;
  private closed: Presence[] = [];
  private lastChange = 0;
  /** Called with every node event and client line while a trial listens. */
  onNodeEvent: ((event: NodeEvent) => void) | undefined;
  onClientLine: ((line: ClientProbeLine) => void) | undefined;

  protected constructor(readonly target: LabTarget, readonly plan: LabPlan) {
    this.nodes = plan.nodes.length;
    this.open = Array.from({ length: this.nodes }, () => new Map());
    this.publicAddresses = plan.publicAddresses.map((a) => a.address.text);
  }

  /** The node a trial's "leader" victim is (for software without a leader: a fixed node, said where it is defined). */
  abstract leader(): Promise<number>;
  /** The processes a kill -9 or a freeze of this node's daemon signals; empty when none runs. */
  abstract pids(pnn: number): Promise<number[]>;
  /** Undoes a trial's fault on one node (links up, the daemon running again). */
  abstract heal(pnn: number, thawed: boolean): Promise<void>;
  /** Why the daemons are not settled yet (one stopped answering, no single leader...), or undefined. */
  protected abstract daemonsUnsettled(): Promise<string | undefined>;
  /** Why settling can never succeed (a daemon exited that nothing restarts), or undefined. */
  protected abstract daemonsBroken(): Promise<string | undefined>;
  /** Stops what runs on the nodes, keeps its logs and removes the lab (also calls stopProbes). */
  abstract down(): Promise<void>;

  /** Each node daemon's event-loop delay between two monotonic stamps; undefined where the lab does not measure it (the peers). */
  loopDelays(from: number, to: number): NodeLoopDelay[] | undefined {
    void from; void to;
    return undefined;
  }

  protected async startProbes(): Promise<void> {
    const { names } = this.plan;
    const publicSet = new Set(this.publicAddresses);
    this.witness = new OrderWitness((address) => publicSet.has(address));
    await this.witness.start(names.switchNamespace, this.plan.nodes);
    await Promise.all(this.plan.nodes.map((node) => new Promise<void>((resolve, reject) => {
      const child = spawnProbe(node.namespace, 'failover-node-probe.js', [String(node.pnn), names.publicInterface, names.privateInterface]);
      this.nodeProbes.push(child);
      child.once('exit', (code) => reject(new BenchError('E_BENCH_PROBE', `the probe in ${node.namespace} exited (${code}) before it was ready`)));
      createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (text) => {
        const line = JSON.parse(text) as NodeProbeLine;
        if (line.e === 'ready') {
          this.macs[line.mac] = node.pnn;
          this.resetNode(node.pnn, line.addresses, line.t);
          this.witness?.holdings.seed(node.pnn, line.addresses, line.t);
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

  /** Ends the probes (they exit when their stdin closes). */
  protected stopProbes(): void {
    for (const child of [...this.nodeProbes, this.clientProbe]) child?.stdin?.end();
    this.witness?.stop();
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
    this.witness?.holdings.forgetBefore(t);
  }

  /** Every stretch of time an address (or `address` only) was on a node, ended or still open, since the last forgetBefore. */
  presences(address?: string): Presence[] {
    const all: Presence[] = [...this.closed];
    this.open.forEach((m, node) => { for (const [a, since] of m) all.push({ node, address: a, from: since, to: Infinity }); });
    return address === undefined ? all : all.filter((p) => p.address === address);
  }

  /**
   * Every stretch of time an address was on two nodes at once that overlaps `from`..`to`, in
   * the kernel's order (the order witness; a loss of its notifications is one entry too).
   */
  overlaps(from: number, to: number): Array<{ address: string; nodes: [number, number]; from: number; to: number }> {
    return this.witness === undefined ? this.stampOverlaps(from, to) : this.witness.describe(from, to);
  }

  /** The same by the node probes' stamps: a probe that reads late makes overlaps that the kernel never had. */
  stampOverlaps(from: number, to: number): Array<{ address: string; nodes: [number, number]; from: number; to: number }> {
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

  /** Why the cluster is not settled yet, or undefined when it is: the daemons settled, each address once, balanced, quiet for `quietMs`. */
  async unsettled(quietMs: number): Promise<string | undefined> {
    const daemons = await this.daemonsUnsettled();
    if (daemons !== undefined) return daemons;
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
      const broken = await this.daemonsBroken();
      if (broken !== undefined) throw new BenchError('E_BENCH_SETTLE', broken);
      why = await this.unsettled(quietMs);
      if (why === undefined) return monotonicMs() - started;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new BenchError('E_BENCH_SETTLE', `the cluster did not settle within ${timeoutMs} ms: ${why}; ${this.logsHint()}`);
  }

  /** Where a reader finds the logs of what runs on the nodes. */
  protected abstract logsHint(): string;

  /** Takes a node's switch ports down (the lab's own `fail --mode link`): both, or `links` only. */
  fail(pnn: number, mode: 'link', links: LinkSet = 'all'): Promise<string> {
    return labFail(this.target, pnn, mode, links);
  }
}
