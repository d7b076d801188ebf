// Event scripts started from the worker thread (process-host.ts): outcome and output as in this thread, cancel, a lost worker, and the runner using it.

import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventScriptOptions } from '../../../../src/adapters/scripts/options';
import { ScriptRun, ScriptRunRequest } from '../../../../src/adapters/scripts/process';
import { ScriptProcessHost } from '../../../../src/adapters/scripts/process-host';
import { ScriptEventRunner } from '../../../../src/adapters/scripts/runner';

const WORKER = join(__dirname, 'fixtures', 'script-worker.mjs');

let dir: string;
let host: ScriptProcessHost | undefined;

beforeEach(async () => { dir = await fs.mkdtemp(join(tmpdir(), 'floatip-process-host-')); });
afterEach(async () => {
  await host?.close();
  host = undefined;
  await fs.rm(dir, { recursive: true, force: true });
});

async function script(name: string, body: string): Promise<string> {
  const file = join(dir, name);
  await fs.writeFile(file, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  return file;
}

const request = (path: string, over: Partial<ScriptRunRequest> = {}): ScriptRunRequest => ({
  path, args: ['monitor'], env: { PATH: process.env.PATH, FLOATIP_PNN: '2' }, timeoutMs: 10_000, outputLimitBytes: 1024, ...over,
});

test('a script run in the worker gives its exit code, output, arguments and environment', async () => {
  host = new ScriptProcessHost(WORKER);
  const path = await script('10.echo', 'echo "$1 pnn=$FLOATIP_PNN"; exit 3');
  const run = await host.run(request(path));
  expect(run.outcome).toEqual({ kind: 'exited', exitCode: 3 });
  expect(run.output).toBe('monitor pnn=2\n');
});

test('an abort of the request\'s signal cancels the script in the worker (a monitor another event cancels)', async () => {
  host = new ScriptProcessHost(WORKER);
  const started = join(dir, 'started');
  const path = await script('10.sleep', `touch ${started}; exec sleep 30`);
  const abort = new AbortController();
  const running = host.run(request(path, { signal: abort.signal }));
  // Waits for the state (the script has started), not for a time.
  for (;;) {
    if (await fs.stat(started).then(() => true, () => false)) break;
    await new Promise((resolve) => setImmediate(resolve));
  }
  abort.abort();
  expect((await running).outcome).toEqual({ kind: 'cancelled' });
});

test('closing while a script runs cancels it (its process group is killed) before the worker ends', async () => {
  host = new ScriptProcessHost(WORKER);
  const started = join(dir, 'started');
  const slow = await script('10.sleep', `echo $$ > ${started}.pid; touch ${started}; exec sleep 30`);
  const running = host.run(request(slow, { timeoutMs: 60_000 }));
  for (;;) {
    if (await fs.stat(started).then(() => true, () => false)) break;
    await new Promise((resolve) => setImmediate(resolve));
  }
  const pid = Number((await fs.readFile(`${started}.pid`, 'utf8')).trim());
  await host.close();
  expect((await running).outcome).toEqual({ kind: 'cancelled' });
  expect(() => process.kill(pid, 0)).toThrow(expect.objectContaining({ code: 'ESRCH' }));
});

test('a worker that ends while a script runs fails that run with E_SCRIPT_WORKER (the runner answers CANNOT RUN), not a wait forever', async () => {
  host = new ScriptProcessHost(join(__dirname, 'fixtures', 'dying-worker.mjs'));
  await expect(host.run(request(await script('10.ok', 'echo ok')))).rejects.toMatchObject({ code: 'E_SCRIPT_WORKER' });
});

test('the runner starts each script through the runner it is given (the daemon passes the worker\'s)', async () => {
  await script('10.a', 'echo a');
  const asked: string[] = [];
  const fake = async (r: ScriptRunRequest): Promise<ScriptRun> => {
    asked.push(`${r.path.split('/').pop()} ${r.args.join(' ')}`);
    return { outcome: { kind: 'exited', exitCode: 0 }, startedAtMs: 0, durationMs: 0, output: 'from the given runner', outputTruncated: false };
  };
  const runner = new ScriptEventRunner(eventScriptOptions({ pnn: 1, dir, configDir: dir, timeoutMs: 5000 }), fake);
  const result = await runner.run('monitor');
  expect(asked).toEqual(['10.a monitor']);
  expect(result.scripts.map((s) => s.output)).toEqual(['from the given runner']);
});
