// The failover bench against the node count (`--nodes 3,8,16`): each daemon's footprint at rest, the table of figures against N, and its picture.
//
// Per N: kill and link reach p50 (from the trials, bench/failover-cases.ts), RSS of floatipd
// plus its guardian per node and the private part of it, lab up to the last address served,
// and idle CPU per daemon: /proc's utime+stime over a quiet window after the cluster settled
// (no trial running).

import { readFile } from 'node:fs/promises';
import { guardianPidOf } from '../src/lab/guardian-faults';
import { BenchLab } from './failover-lab';
import { ComboResult } from './failover-stats';
import { LOOP_DELAY_WINDOW_MS } from './loop-delay-windows';
import { ReachRow } from './reach-svg';

/** One node at rest. */
export interface NodeFootprint {
  readonly node: number;
  /** floatipd + its guardian, MB (VmRSS). */
  readonly rss_mb: number | null;
  /**
   * The part of rss_mb no other process shares (smaps_rollup's Private_Clean + Private_Dirty):
   * VmRSS also counts the node binary's pages (~33 MB per Node.js process), which every
   * Node.js process of the host shares.
   */
  readonly private_mb: number | null;
  /** floatipd's CPU over the window, % of one core. */
  readonly idle_cpu_pct: number | null;
  /** The guardian's, % of one core. */
  readonly guardian_idle_cpu_pct: number | null;
}

export interface ScaleRow {
  readonly nodes: number;
  readonly profile: string;
  readonly kill_reach_p50_ms: number | null;
  readonly link_reach_p50_ms: number | null;
  /** The largest node's floatipd + guardian RSS. */
  readonly rss_mb_max: number | null;
  /** The largest node's private part of it. */
  readonly private_mb_max: number | null;
  /** The busiest daemon's idle CPU. */
  readonly idle_cpu_pct_max: number | null;
  readonly idle_cpu_pct_mean: number | null;
  /** Lab up until the last public address appeared (the cluster then stayed quiet and settled). */
  readonly up_to_served_ms: number | null;
}

/** Clock ticks per second of /proc/PID/stat's times (USER_HZ: 100 on Linux). */
const USER_HZ = 100;

async function cpuTicks(pid: number): Promise<number | undefined> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  if (stat === undefined) return undefined;
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // After the name: state is field 3, utime 14 and stime 15 (1-based) -> indices 11 and 12 here.
  return Number(fields[11]) + Number(fields[12]);
}

async function rssKb(pid: number): Promise<number | undefined> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => undefined);
  const match = status === undefined ? null : /^VmRSS:\s+(\d+) kB/m.exec(status);
  return match ? Number(match[1]) : undefined;
}

async function privateKb(pid: number): Promise<number | undefined> {
  const rollup = await readFile(`/proc/${pid}/smaps_rollup`, 'utf8').catch(() => undefined);
  const clean = rollup === undefined ? null : /^Private_Clean:\s+(\d+) kB/m.exec(rollup);
  const dirty = rollup === undefined ? null : /^Private_Dirty:\s+(\d+) kB/m.exec(rollup);
  return clean && dirty ? Number(clean[1]) + Number(dirty[1]) : undefined;
}

/** The sum in MB (one decimal) of what could be read, or null when nothing could. */
async function sumMb(pids: ReadonlyArray<number | undefined>, readKb: (pid: number) => Promise<number | undefined>): Promise<number | null> {
  const kb = await Promise.all(pids.map((pid) => (pid === undefined ? Promise.resolve(undefined) : readKb(pid))));
  const known = kb.filter((v): v is number => v !== undefined);
  return known.length === 0 ? null : Math.round(known.reduce((a, b) => a + b, 0) / 102.4) / 10;
}

/** Every node's RSS now and CPU over `windowMs` of rest, the loop-delay sampling paused meanwhile (it would count). */
export async function measureAtRest(lab: BenchLab, windowMs: number): Promise<NodeFootprint[]> {
  lab.pauseLoopDelay(true);
  try {
    // One window for the preload to see the pause.
    await new Promise((resolve) => setTimeout(resolve, 2 * LOOP_DELAY_WINDOW_MS));
    return await footprintAtRest(lab, windowMs);
  } finally {
    lab.pauseLoopDelay(false);
  }
}

async function footprintAtRest(lab: BenchLab, windowMs: number): Promise<NodeFootprint[]> {
  const pids = await Promise.all(lab.plan.nodes.map(async (node) => {
    const daemon = await lab.pid(node.pnn);
    return { node: node.pnn, daemon, guardian: daemon === undefined ? undefined : await guardianPidOf(daemon) };
  }));
  const ticksOf = (pid: number | undefined): Promise<number | undefined> => (pid === undefined ? Promise.resolve(undefined) : cpuTicks(pid));
  const before = await Promise.all(pids.map(async (p) => ({ daemon: await ticksOf(p.daemon), guardian: await ticksOf(p.guardian) })));
  const from = performance.now();
  await new Promise((resolve) => setTimeout(resolve, windowMs));
  const seconds = (performance.now() - from) / 1000;
  return Promise.all(pids.map(async (p, k) => {
    const pct = async (pid: number | undefined, was: number | undefined): Promise<number | null> => {
      const now = await ticksOf(pid);
      return now === undefined || was === undefined ? null : Math.round(((now - was) / USER_HZ / seconds) * 1000) / 10;
    };
    return {
      node: p.node,
      rss_mb: await sumMb([p.daemon, p.guardian], rssKb),
      private_mb: await sumMb([p.daemon, p.guardian], privateKb),
      idle_cpu_pct: await pct(p.daemon, before[k].daemon),
      guardian_idle_cpu_pct: await pct(p.guardian, before[k].guardian),
    };
  }));
}

const known = (values: readonly (number | null)[]): number[] => values.filter((v): v is number => v !== null);

/** One row of the table from one N's results, footprint and start. */
export function scaleRow(nodes: number, profile: string, results: readonly ComboResult[], footprint: readonly NodeFootprint[], upToServedMs: number | null): ScaleRow {
  const p50 = (mode: string): number | null => {
    const values = known(results.filter((r) => r.mode === mode).map((r) => r.reach?.p50 ?? null));
    return values.length === 0 ? null : Math.max(...values);
  };
  const cpu = known(footprint.map((f) => f.idle_cpu_pct));
  const rss = known(footprint.map((f) => f.rss_mb));
  const own = known(footprint.map((f) => f.private_mb));
  return {
    nodes, profile,
    kill_reach_p50_ms: p50('kill'),
    link_reach_p50_ms: p50('link'),
    rss_mb_max: rss.length === 0 ? null : Math.max(...rss),
    private_mb_max: own.length === 0 ? null : Math.max(...own),
    idle_cpu_pct_max: cpu.length === 0 ? null : Math.max(...cpu),
    idle_cpu_pct_mean: cpu.length === 0 ? null : Math.round((cpu.reduce((a, b) => a + b, 0) / cpu.length) * 10) / 10,
    up_to_served_ms: upToServedMs,
  };
}

/** The table against N as text (stderr and docs), one line per N; reach p50 is the slower victim's. */
export function scaleTable(rows: readonly ScaleRow[]): string {
  const cell = (v: number | null): string => (v === null ? '-' : String(v));
  const header = ['nodes', 'profile', 'kill reach p50 ms', 'link reach p50 ms', 'RSS floatipd+guardian MB (max node)', 'of which private MB', 'idle CPU % per daemon (mean / max)', 'lab up to all served ms'];
  const lines = rows.map((r) => [String(r.nodes), r.profile, cell(r.kill_reach_p50_ms), cell(r.link_reach_p50_ms), cell(r.rss_mb_max), cell(r.private_mb_max),
    `${cell(r.idle_cpu_pct_mean)} / ${cell(r.idle_cpu_pct_max)}`, cell(r.up_to_served_ms)]);
  return [header, header.map(() => '---'), ...lines].map((cols) => `| ${cols.join(' | ')} |`).join('\n');
}

/** The picture's rows: per N, each fault mode's reach times (both victims together). */
export function scaleReachRows(byNodes: ReadonlyArray<{ readonly nodes: number; readonly results: readonly ComboResult[] }>): ReachRow[] {
  return byNodes.flatMap(({ nodes, results }) => [...new Set(results.map((r) => r.mode))].map((mode) => ({
    group: `${nodes} nodes`,
    series: mode,
    values: results.filter((r) => r.mode === mode).flatMap((r) => r.reach_trials),
  })));
}
