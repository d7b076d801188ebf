// The failover bench's lab: `floatip lab` with the built floatipd, watched by the probes of ProbedLab.
//
// Faults and heals go through the lab's own verbs, as a user's would, except that kill and
// freeze signal the pid directly so the fault's time is the signal's, not that of the lab's
// bookkeeping. floatipd runs under a wrapper that loads bench/loop-delay-preload.js, so
// every daemon's event-loop delay can be read for any stretch of time (loopDelays).

import { chmodSync, copyFileSync, cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { labDown, labHeal, labUp, LabPlan, LabTarget } from '../src/lab';
import { daemonState, logTail, readPid } from '../src/lab/daemons';
import { daemonStatus } from '../src/lab/control-query';
import { TimingProfileName } from '../src/config/option-kinds';
import { StatusResult } from '../src/protocol/control-results';
import { monotonicMs } from './failover-messages';
import { BenchError, NodeLoopDelay, ProbedLab } from './probed-lab';
import { daemonCommand } from '../src/lab/package-files';
import { LOOP_DELAY_PAUSE_FILE, LoopDelayWindow, mergeWindows, parseLoopDelayFile, windowsWithin } from './loop-delay-windows';

export { BenchError } from './probed-lab';

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

export class BenchLab extends ProbedLab {
  private constructor(readonly options: BenchLabOptions, target: LabTarget, plan: LabPlan, private readonly root: string) {
    super(target, plan);
  }

  /** Removes any lab of this prefix, starts a new one with the built floatipd, and starts the probes. */
  static async up(options: BenchLabOptions): Promise<BenchLab> {
    const root = mkdtempSync(join(tmpdir(), `${options.prefix}-`));
    const target: LabTarget = { prefix: options.prefix, dir: join(root, 'lab') };
    await labDown(target);
    const up = await labUp(target, {
      nodes: options.nodes ?? DEFAULT_NODES, ipv4Addresses: options.ipv4, ipv6Addresses: options.ipv6, profile: options.profile,
      daemons: true, floatipd: loopDelayWrapper(root, options.floatipd), startTimeoutMs: 60_000,
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

  /** Each node's floatipd (all its processes: a restarted one too) between two monotonic stamps. */
  override loopDelays(from: number, to: number): NodeLoopDelay[] {
    const dir = loopDelayDir(this.root);
    const byNode = new Map<number, LoopDelayWindow[]>();
    for (const name of readdirSync(dir).filter((n) => n.endsWith('.jsonl'))) {
      const file = parseLoopDelayFile(readFileSync(join(dir, name), 'utf8'));
      const node = file && file.header.role === 'floatipd' ? this.plan.nodes.find((n) => n.configPath === file.header.config) : undefined;
      if (!file || !node) continue;
      byNode.set(node.pnn, [...(byNode.get(node.pnn) ?? []), ...windowsWithin(file.windows, from, to)]);
    }
    return this.plan.nodes.map((node) => {
      const figure = mergeWindows(byNode.get(node.pnn) ?? []);
      return { node: node.pnn, p99_ms: figure?.p99_ms ?? null, max_ms: figure?.max_ms ?? null };
    });
  }

  /** Stops (true) or restarts the daemons' loop-delay sampling, within one window (LOOP_DELAY_WINDOW_MS). */
  pauseLoopDelay(paused: boolean): void {
    const file = join(loopDelayDir(this.root), LOOP_DELAY_PAUSE_FILE);
    if (paused) writeFileSync(file, '');
    else rmSync(file, { force: true });
  }

  async leader(): Promise<number> {
    return (await this.statuses())[0]?.leader ?? 0;
  }

  async pids(pnn: number): Promise<number[]> {
    const pid = await this.pid(pnn);
    return pid === undefined ? [] : [pid];
  }

  /** Every node's status, or undefined for a node that does not answer. */
  async statuses(): Promise<Array<StatusResult | undefined>> {
    return Promise.all(this.plan.nodes.map(async (node) => {
      const answer = await daemonStatus(node.controlSocket, STATUS_TIMEOUT_MS);
      return answer.ok ? answer.result as StatusResult : undefined;
    }));
  }

  /** All nodes answer and report all OK with one leader and a healthy monitor. */
  protected async daemonsUnsettled(): Promise<string | undefined> {
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
    return undefined;
  }

  /** Nothing restarts a daemon in the lab, so one that died will never settle: say so at once. */
  protected async daemonsBroken(): Promise<string | undefined> {
    for (const node of this.plan.nodes) {
      if ((await this.pid(node.pnn)) === undefined) {
        return `node ${node.pnn}'s floatipd exited while the cluster was settling; the end of its log:\n${await logTail(node, 6)}`;
      }
    }
    return undefined;
  }

  protected logsHint(): string {
    return `the daemons' logs are in ${this.target.dir}/node*/floatipd.log (kept in ${this.options.logDir} after the run)`;
  }

  /** The daemon's pid of a node (running or frozen), or undefined. */
  async pid(pnn: number): Promise<number | undefined> {
    const node = this.plan.nodes[pnn];
    const pid = await readPid(node);
    return (await daemonState(node, pid)) === 'gone' ? undefined : pid;
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
    this.stopProbes();
    mkdirSync(this.options.logDir, { recursive: true });
    for (const node of this.plan.nodes) {
      try {
        copyFileSync(node.logPath, join(this.options.logDir, `node${node.pnn}.log`));
      } catch {
        // A node that never started has no log to keep.
      }
    }
    cpSync(loopDelayDir(this.root), join(this.options.logDir, 'loop-delay'), { recursive: true });
    await labDown(this.target);
    rmSync(this.root, { recursive: true, force: true });
  }
}

function loopDelayDir(root: string): string {
  return join(root, 'loop-delay');
}

/** A floatipd that runs `floatipd` (default: the built one) with bench/loop-delay-preload.js loaded, writing to root/loop-delay. */
function loopDelayWrapper(root: string, floatipd: string | undefined): string {
  const dir = loopDelayDir(root);
  mkdirSync(dir, { recursive: true });
  const quote = (text: string): string => `'${text.replace(/'/g, `'\\''`)}'`;
  const wrapper = join(root, 'floatipd-loop-delay');
  writeFileSync(wrapper, [
    '#!/bin/sh',
    `export FLOATIP_LOOP_DELAY_DIR=${quote(dir)}`,
    `export NODE_OPTIONS="\${NODE_OPTIONS:-} --require ${join(__dirname, 'loop-delay-preload.js')}"`,
    `exec ${daemonCommand(floatipd).map(quote).join(' ')} "$@"`,
    '',
  ].join('\n'));
  chmodSync(wrapper, 0o755);
  return wrapper;
}
