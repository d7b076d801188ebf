// The peers bench's lab: the same `floatip lab` topology and probes as the failover bench, with keepalived or ctdbd on the nodes instead of floatipd.
//
// The lab is made without daemons (`floatip lab up --no-daemons`); a PeerSoftware writes
// each node's configuration into the node's lab directory and starts one daemon per node
// namespace. A kill -9 signals the daemon's whole process tree, children first (keepalived's
// VRRP child, ctdbd's recovery daemon and event daemon are where the failover work happens;
// killing the parent alone is not a crash of the service). The heal puts the links up and starts a
// killed daemon again, as a service manager would.

import { spawn } from 'node:child_process';
import { closeSync, copyFileSync, mkdirSync, mkdtempSync, openSync, promises as fs, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { labDown, labHeal, labUp, LabNodePlan, LabPlan, LabTarget } from '../src/lab';
import { daemonState } from '../src/lab/daemons';
import { runCommand } from '../src/lab/shell';
import { monotonicMs } from './failover-messages';
import { BenchError, ProbedLab } from './probed-lab';

/** What one peer (keepalived, ctdbd) needs to run in the lab, in one of its configurations. */
export interface PeerSoftware {
  /** e.g. `keepalived-tuned`: the case's name in the JSON and the picture. */
  readonly name: string;
  /** The configuration in words, for the JSON. */
  readonly describe: string;
  /** Writes the node's configuration under `dir` (the node's own directory, removed with the lab). */
  configure(plan: LabPlan, node: LabNodePlan, dir: string): Promise<void>;
  /** The command that runs the daemon in the foreground in the node's namespace (its pid is the daemon's). */
  command(node: LabNodePlan, dir: string): string[];
  /** The node a "leader" trial takes down (software without a leader says which node stands in). */
  leader(plan: LabPlan, dirs: readonly string[]): Promise<number>;
  /** Why the peers are not settled (a node not yet healthy...), or undefined. */
  unsettled(plan: LabPlan, dirs: readonly string[]): Promise<string | undefined>;
  /** Whether it elects a leader (CTDB's recovery master); VRRP has none, so only follower trials are run. */
  readonly hasLeader: boolean;
  /** How long a trial waits for the move (CTDB's default takes ~30 s). */
  readonly moveTimeoutMs: number;
  /** How long a started daemon may take before it counts as settled (ctdbd waits out its startup). */
  readonly settleTimeoutMs: number;
}

/** Running pids whose parent is `pid`, and theirs, read from /proc. */
async function descendants(pid: number): Promise<number[]> {
  const parents = new Map<number, number[]>();
  for (const entry of await fs.readdir('/proc')) {
    if (!/^[0-9]+$/.test(entry)) continue;
    try {
      const stat = await fs.readFile(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (fields[0] === 'Z' || fields[0] === 'X') continue;
      const ppid = Number(fields[1]);
      parents.set(ppid, [...(parents.get(ppid) ?? []), Number(entry)]);
    } catch {
      // The process ended while we looked.
    }
  }
  const found: number[] = [];
  const walk = (p: number): void => { for (const child of parents.get(p) ?? []) { found.push(child); walk(child); } };
  walk(pid);
  return found;
}

export interface PeerLabOptions {
  readonly prefix: string;
  readonly peer: PeerSoftware;
  readonly ipv4: number;
  /** Where the daemons' logs are copied when the lab goes down. */
  readonly logDir: string;
}

export class PeerLab extends ProbedLab {
  /** The daemon's pid per node (undefined: not running). */
  private readonly mains: Array<number | undefined>;
  private readonly dirs: string[];

  private constructor(readonly options: PeerLabOptions, target: LabTarget, plan: LabPlan, private readonly root: string) {
    super(target, plan);
    this.mains = plan.nodes.map(() => undefined);
    this.dirs = plan.nodes.map((node) => join(node.dir, 'peer'));
  }

  static async up(options: PeerLabOptions, nodes: number): Promise<PeerLab> {
    const root = mkdtempSync(join(tmpdir(), `${options.prefix}-`));
    const target: LabTarget = { prefix: options.prefix, dir: join(root, 'lab') };
    await labDown(target);
    const up = await labUp(target, { nodes, ipv4Addresses: options.ipv4, ipv6Addresses: 0, profile: 'default', daemons: false, floatipd: undefined, startTimeoutMs: 0 });
    const lab = new PeerLab(options, target, up.plan, root);
    try {
      for (const node of up.plan.nodes) {
        mkdirSync(lab.dirs[node.pnn], { recursive: true });
        await options.peer.configure(up.plan, node, lab.dirs[node.pnn]);
      }
      for (const node of up.plan.nodes) await lab.start(node);
      await lab.startProbes();
    } catch (error) {
      await lab.down();
      throw error;
    }
    return lab;
  }

  private logPath(pnn: number): string {
    return join(this.dirs[pnn], 'daemon.log');
  }

  private async start(node: LabNodePlan): Promise<void> {
    const log = openSync(this.logPath(node.pnn), 'a', 0o644);
    try {
      const child = spawn('ip', ['netns', 'exec', node.namespace, ...this.options.peer.command(node, this.dirs[node.pnn])], {
        detached: true, stdio: ['ignore', log, log], cwd: this.dirs[node.pnn],
      });
      this.mains[node.pnn] = await new Promise<number>((resolve, reject) => {
        child.once('spawn', () => resolve(child.pid as number));
        child.once('error', reject);
      });
      child.unref();
    } finally {
      closeSync(log);
    }
    // Until `ip netns exec` has entered the namespace the pid counts as not (yet) this node's daemon.
    const deadline = monotonicMs() + 10_000;
    while (!(await this.running(node.pnn, this.mains[node.pnn])) && monotonicMs() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  }

  /** A process of this node's namespace that has not exited (a recycled pid elsewhere does not count). */
  private async running(pnn: number, pid: number | undefined): Promise<boolean> {
    return (await daemonState(this.plan.nodes[pnn], pid)) !== 'gone';
  }

  leader(): Promise<number> {
    return this.options.peer.leader(this.plan, this.dirs);
  }

  async pids(pnn: number): Promise<number[]> {
    const main = this.mains[pnn];
    if (!(await this.running(pnn, main))) return [];
    // Deepest first: a child that saw its parent die first would exit gracefully (keepalived's VRRP
    // child does, on its parent-death signal), which is not a crash.
    return [...(await descendants(main as number)).reverse(), main as number];
  }

  /** Links up; a killed daemon's leftovers are killed too and the daemon is started again. */
  async heal(pnn: number): Promise<void> {
    await labHeal(this.target, pnn, 0);
    if (await this.running(pnn, this.mains[pnn])) return;
    const node = this.plan.nodes[pnn];
    // Anything of the killed daemon still running (a helper it had forked) would hold its sockets and pid files.
    const leftovers = (await runCommand('ip', ['netns', 'pids', node.namespace])).stdout.split('\n').filter((l) => /^[0-9]+$/.test(l)).map(Number);
    const killed: number[] = [];
    for (const pid of leftovers) {
      const args = await fs.readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
      if (args.includes('failover-node-probe')) continue;
      process.kill(pid, 'SIGKILL');
      killed.push(pid);
    }
    const deadline = monotonicMs() + 5000;
    const anyLeft = async (): Promise<boolean> => (await Promise.all(killed.map((pid) => this.running(pnn, pid)))).some((up) => up);
    while (await anyLeft() && monotonicMs() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    // The killed daemon's pid files stay behind, and its children's pids may linger as zombies where
    // nothing reaps orphans: keepalived then refuses to start ("daemon is already running"). A
    // service manager clears its runtime directory on a restart the same way.
    for (const sub of ['.', 'run']) {
      const files = await fs.readdir(join(this.dirs[pnn], sub)).catch(() => [] as string[]);
      for (const file of files.filter((f) => f.endsWith('.pid'))) await fs.rm(join(this.dirs[pnn], sub, file), { force: true });
    }
    await this.start(node);
  }

  protected daemonsUnsettled(): Promise<string | undefined> {
    return this.options.peer.unsettled(this.plan, this.dirs);
  }

  protected async daemonsBroken(): Promise<string | undefined> {
    const dead: number[] = [];
    for (const node of this.plan.nodes) if (!(await this.running(node.pnn, this.mains[node.pnn]))) dead.push(node.pnn);
    if (dead.length === 0) return undefined;
    const tails = await Promise.all(dead.map(async (pnn) => `node ${pnn}:\n${(await fs.readFile(this.logPath(pnn), 'utf8').catch(() => '')).split('\n').slice(-8).join('\n')}`));
    return `${this.options.peer.name} exited on node ${dead.join(',')} while the cluster was settling; the end of its log:\n${tails.join('\n')}`;
  }

  protected logsHint(): string {
    return `the daemons' logs are in ${this.target.dir}/node*/peer/ (kept in ${this.options.logDir} after the run)`;
  }

  /** Stops the probes, keeps the daemons' logs and removes the lab (which ends every process in its namespaces). */
  async down(): Promise<void> {
    this.stopProbes();
    mkdirSync(this.options.logDir, { recursive: true });
    for (const node of this.plan.nodes) {
      for (const file of ['daemon.log', 'log.ctdb']) {
        try {
          copyFileSync(join(this.dirs[node.pnn], file), join(this.options.logDir, `node${node.pnn}-${file}`));
        } catch {
          // Not every peer writes both.
        }
      }
    }
    await labDown(this.target);
    rmSync(this.root, { recursive: true, force: true });
  }
}

export { BenchError };
