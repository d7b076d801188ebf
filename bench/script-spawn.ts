// Benchmark of starting an event script: the addon's posix_spawn against Node's spawn (a fork), in a process as large as floatipd; prints one JSON document.
//
// `sync` is the time the caller's thread (the main loop) is held inside the start call,
// `whole` the time until runScriptProcess has the outcome of `/bin/true`, `wholeCpu` the CPU
// time of this process, all threads, during that run (getrusage: what idle CPU is made of;
// the child's own time is not in it). Node's spawn holds the caller until the child has
// exec'd, which on a loaded machine includes the child's wait for a core; the addon's
// posix_spawn runs on a thread of libuv's pool and holds the caller for the call only. The process first
// grows to ~80 MB RSS, floatipd's size at rest, because a fork copies page tables in
// proportion to it. The two ways alternate run by run, so both see the same machine.
// Options: --runs N (per way, default 300), --busy K (K `yes > /dev/null` processes beside it,
// each in its own session as another daemon would be, ended afterwards; default 0).
// `catalogScan` is what every event does before its first script: the events directory's
// safety check and listing (ScriptCatalog.list) of a 3-script directory in a fresh temporary
// directory, wall time and this process's CPU time per scan.

import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadavg, tmpdir } from 'node:os';
import { ScriptCatalog } from '../src/adapters/scripts/catalog';
import { nativeAddon } from '../src/adapters/packet/native';
import { runScriptProcess } from '../src/adapters/scripts/process';
import { ScriptStarter, SpawnCalls, startWithNodeSpawn, startWithPosixSpawn } from '../src/adapters/scripts/script-start';

const TARGET_RSS_BYTES = 80 * 1024 * 1024;

function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  if (at < 0) return fallback;
  const value = Number(process.argv[at + 1]);
  if (!Number.isInteger(value) || value < 0) throw new Error(`--${name} takes a whole number, not ${process.argv[at + 1]}`);
  return value;
}

/** Objects kept alive until the end, so the heap (and its page tables) stays at floatipd's size. */
function growHeap(): unknown[] {
  const kept: unknown[] = [];
  while (process.memoryUsage().rss < TARGET_RSS_BYTES) {
    kept.push(Array.from({ length: 20_000 }, (_, i) => ({ i, s: `x${i}` })));
  }
  return kept;
}

function summary(values: number[]): { p50: number; p99: number; max: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number): number => Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] * 1000) / 1000;
  return { p50: at(0.5), p99: at(0.99), max: at(1) };
}

interface Way {
  readonly name: string;
  readonly start: ScriptStarter;
  readonly sync: number[];
  readonly whole: number[];
  readonly wholeCpu: number[];
}

/** The way's starter, timing how long each start holds the calling thread. */
function timed(way: Way): ScriptStarter {
  return (path, args, env, events) => {
    const before = performance.now();
    try {
      return way.start(path, args, env, events);
    } finally {
      way.sync.push(performance.now() - before);
    }
  };
}

/** Scans a 3-script events directory `runs` times: wall and CPU ms per scan. */
async function catalogScans(runs: number): Promise<{ wall: number[]; cpu: number[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'floatip-bench-events-'));
  try {
    for (const name of ['10.interface', '50.samba', '90.labcheck']) {
      writeFileSync(join(dir, name), '#!/bin/sh\nexit 0\n');
      chmodSync(join(dir, name), 0o755);
    }
    const catalog = new ScriptCatalog(dir);
    const wall: number[] = [];
    const cpu: number[] = [];
    for (let run = 0; run < runs; run++) {
      const cpuBefore = process.cpuUsage();
      const before = performance.now();
      if ((await catalog.list()).length !== 3) throw new Error(`the catalog of ${dir} did not list its 3 scripts`);
      wall.push(performance.now() - before);
      const used = process.cpuUsage(cpuBefore);
      cpu.push((used.user + used.system) / 1000);
    }
    return { wall, cpu };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const runs = option('runs', 300);
  const busy = option('busy', 0);
  const kept = growHeap();
  const ways: Way[] = [
    { name: 'posix_spawn', start: startWithPosixSpawn(nativeAddon() as unknown as SpawnCalls), sync: [], whole: [], wholeCpu: [] },
    { name: 'node-spawn', start: startWithNodeSpawn, sync: [], whole: [], wholeCpu: [] },
  ];
  const loops = Array.from({ length: busy }, () => spawn('/bin/sh', ['-c', 'exec yes > /dev/null'], { stdio: 'ignore', detached: true }));
  const loadBefore = loadavg()[0];
  try {
    for (let run = 0; run < runs; run++) {
      for (const way of ways) {
        const cpuBefore = process.cpuUsage();
        const before = performance.now();
        const result = await runScriptProcess({ path: '/bin/true', args: [], env: {}, timeoutMs: 5000, outputLimitBytes: 1024 }, timed(way));
        if (result.outcome.kind !== 'exited' || result.outcome.exitCode !== 0) throw new Error(`${way.name}: /bin/true did not exit 0: ${JSON.stringify(result.outcome)}`);
        way.whole.push(performance.now() - before);
        const cpu = process.cpuUsage(cpuBefore);
        way.wholeCpu.push((cpu.user + cpu.system) / 1000);
      }
    }
  } finally {
    for (const loop of loops) if (loop.pid !== undefined) process.kill(-loop.pid, 'SIGKILL');
  }
  const scans = await catalogScans(runs);
  console.log(JSON.stringify({
    at: new Date().toISOString(),
    loadavg1: { before: loadBefore, after: loadavg()[0] },
    rssMb: Math.round(process.memoryUsage().rss / 1048576),
    keptObjects: kept.length,
    busyLoops: busy,
    runsPerWay: runs,
    ways: ways.map((way) => ({ name: way.name, syncMs: summary(way.sync), wholeMs: summary(way.whole), wholeCpuMs: summary(way.wholeCpu) })),
    catalogScan: { runs, wallMs: summary(scans.wall), cpuMs: summary(scans.cpu) },
  }, null, 2));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
