// Benchmark of the `ctdb` stand-in of CTDB's event scripts: one call (`ctdb pnn`, `ctdb -X ip`) end to end,
// process start included, against a bare `node -e 0` measured in the same run; prints one JSON document.
//
// Run: `npm run bench:ctdb-shim`. A control server with canned answers listens on a socket in a
// temporary directory; the stand-in is the file floatipd writes, run as the scripts run it.

import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ctdbEnvironment, prepareCtdbLayout } from '../src/adapters/scripts/ctdb-env';
import { runCtdbTool } from '../src/daemon/control/ctdb-tool';
import { ControlServer } from '../src/daemon/control/server';
import { CtdbToolResult } from '../src/protocol/control-results';
import { FakeDaemonApi } from '../test/unit/daemon/control/fake-api';
import { RecordingLogger } from '../test/unit/daemon/control/recording-logger';

const RUNS = Number(process.env.RUNS ?? 50);

class BenchApi extends FakeDaemonApi {
  override async ctdbTool(argv: readonly string[], stdin: string): Promise<CtdbToolResult> {
    return runCtdbTool(argv, stdin, { api: this, pnn: 0, scanConnections: async () => undefined });
  }
}

function runOnce(command: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, { env, stdio: ['ignore', 'ignore', 'inherit'] });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(performance.now() - started) : reject(new Error(`${command} ${args.join(' ')} exited ${code}`))));
  });
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function measure(op: string, command: string, args: readonly string[], env: NodeJS.ProcessEnv) {
  await runOnce(command, args, env);
  const times: number[] = [];
  // Interleaving would be fairer on a loaded machine, but each op's runs back to back is what a script does.
  for (let i = 0; i < RUNS; i++) times.push(await runOnce(command, args, env));
  times.sort((a, b) => a - b);
  const round = (ms: number): number => Math.round(ms * 100) / 100;
  return { op, runs: RUNS, ms_p50: round(percentile(times, 50)), ms_p99: round(percentile(times, 99)) };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'fw-bench-shim-'));
  const socketPath = join(dir, 'control.sock');
  mkdirSync(join(dir, 'events.d'));
  for (const name of ['nodes', 'public_addresses', 'script.options']) writeFileSync(join(dir, name), '');
  const layout = await prepareCtdbLayout({
    root: join(dir, 'ctdb'), eventsDir: join(dir, 'events.d'), nodesFile: join(dir, 'nodes'),
    publicAddressesFile: join(dir, 'public_addresses'), scriptOptionsFile: join(dir, 'script.options'), controlSocket: socketPath,
    node: { pnn: 0, address: '192.0.2.1' },
  });
  const env = { ...process.env, ...ctdbEnvironment(layout, socketPath, process.env.PATH) };
  const server = new ControlServer({ socketPath }, { api: new BenchApi(), logger: new RecordingLogger() });
  await server.start();
  try {
    const shim = join(layout.bin, 'ctdb');
    const results = [
      await measure('node -e 0 (a bare Node start, for scale)', process.execPath, ['-e', '0'], env),
      await measure('ctdb pnn', shim, ['pnn'], env),
      await measure('ctdb -X ip', shim, ['-X', 'ip'], env),
      await measure('ctdb -X nodestatus', shim, ['-X', 'nodestatus'], env),
    ];
    process.stdout.write(`${JSON.stringify({ bench: 'ctdb-shim', goal: 'ctdb call p50 <= 50 ms', results }, null, 2)}\n`);
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exitCode = 1;
});
