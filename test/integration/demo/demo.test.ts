// `floatip lab demo` as a user runs it: a process on the real kernel, its exit status, its key lines, and nothing left behind.
//
// The CLI runs from the TypeScript sources (the daemon tests' require hook), so no build is
// needed and a stale dist/ cannot decide the result. Prefixes fdma, fdmb, fdmc.

import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { labDown } from '../../../src/lab';
import { namespacesStartingWith, REPO_ROOT } from '../helpers/netns-child';
import { prepareTsDaemon, TsDaemon } from '../daemon/helpers/ts-daemon';

jest.setTimeout(180_000);

const PREFIXES = ['fdma', 'fdmb', 'fdmc'] as const;
let root: string;
let daemon: TsDaemon;

interface DemoRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function labDir(prefix: string): string {
  return join(root, prefix);
}

function startDemo(prefix: string, args: readonly string[]): { child: ChildProcess; done: Promise<DemoRun>; stdout: () => string } {
  const child = spawn(process.execPath, ['--require', daemon.hook, join(REPO_ROOT, 'src/cli/main.ts'),
    'lab', 'demo', '--prefix', prefix, '--dir', labDir(prefix), '--floatipd', daemon.command, '--start-timeout', '60', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_OPTIONS: '' },
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => { stdout += chunk.toString(); });
  child.stderr?.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
  const done = new Promise<DemoRun>((resolve) => child.once('exit', (code) => resolve({ code, stdout, stderr })));
  return { child, done, stdout: () => stdout };
}

/** Namespaces and processes a demo could leave behind. */
function leftovers(prefix: string): string[] {
  const processes = spawnSync('pgrep', ['-f', labDir(prefix)], { encoding: 'utf8' }).stdout.trim();
  return [...namespacesStartingWith(`${prefix}-`), ...(processes === '' ? [] : [`processes ${processes.split('\n').join(',')}`])];
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'fdm-'));
  chmodSync(root, 0o755);
  for (const prefix of PREFIXES) await labDown({ prefix, dir: labDir(prefix) });
  daemon = prepareTsDaemon(root);
});

afterAll(async () => {
  for (const prefix of PREFIXES) await labDown({ prefix, dir: labDir(prefix) });
  rmSync(root, { recursive: true, force: true });
});

test('kill -9: every address is reached again from a survivor, fails back after the heal, and the lab is gone; exit 0', async () => {
  const run = await startDemo('fdma', []).done;
  process.stdout.write(`floatip lab demo (kill):\n${run.stdout}`);
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  const out = run.stdout;
  expect(out).toContain('1. Starting the lab (prefix fdma, timing profile default) ...');
  expect(out).toContain('LCP2 spread the addresses evenly over the healthy nodes:');
  expect(out).toMatch(/node 0: 198\.51\.100\.\d+ {2}198\.51\.100\.\d+\n/);
  expect(out).toMatch(/3\. Failing node \d \(it holds the most addresses: 2\)\./);
  expect(out).toContain('kill -9 of node');
  // Two moved addresses, each with its three times and the client's.
  const moved = out.split('Times from the fault:')[1].split('Every address is back')[0];
  expect(moved.match(/198\.51\.100\.\d+ +node \d -> node \d +\d+ ms +\d+ ms +after \d+ ms/g)).toHaveLength(2);
  expect(out).toContain('No address was on two nodes at any moment');
  expect(out).toMatch(/4\. Healing node \d .*\n.*floatipd started again/);
  expect(out).toContain('Failback: LCP2 moves addresses back');
  expect(out).toContain('5. Taking the lab down (floatip lab down --prefix fdma) ...');
  expect(out).toMatch(/Result: every address came back, and none was ever on two nodes\.\n$/);
  expect(leftovers('fdma')).toEqual([]);
  expect(existsSync(labDir('fdma'))).toBe(false);
});

test('a frozen node (SIGSTOP, chosen with --node): addresses move after fence_after/dead_after; heal restarts the fenced daemon', async () => {
  const run = await startDemo('fdmb', ['--mode', 'freeze', '--node', '1', '--ips', '3']).done;
  process.stdout.write(`floatip lab demo (freeze):\n${run.stdout}`);
  expect(run.code).toBe(0);
  expect(run.stdout).toContain('3. Failing node 1.\n   SIGSTOP to node 1\'s floatipd');
  const reached = [...run.stdout.matchAll(/node 1 -> node \d +(\d+) ms +(\d+) ms +after (\d+) ms/g)];
  expect(reached).toHaveLength(1);
  const [, deleted, added, client] = reached[0].map(Number);
  // The guardian deletes first (fence_after 700 ms), the survivor adds after dead_after (1000 ms), the client follows.
  expect(deleted).toBeLessThan(added);
  expect(added).toBeGreaterThanOrEqual(700);
  expect(client).toBeGreaterThanOrEqual(added);
  expect(run.stdout).toContain('exited as designed: it was frozen long enough to fence itself');
  expect(run.stdout).toContain('node 1: floatipd started again');
  expect(leftovers('fdmb')).toEqual([]);
});

test('Ctrl-C during the demo takes the lab down and exits 130', async () => {
  const demo = startDemo('fdmc', ['--mode', 'link']);
  const deadline = Date.now() + 90_000;
  while (!demo.stdout().includes('3. Failing node') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  expect(demo.stdout()).toContain('3. Failing node');
  demo.child.kill('SIGINT');
  const run = await demo.done;
  expect(run.code).toBe(130);
  expect(run.stdout).toContain('Interrupted: taking the lab down ...');
  expect(run.stdout).toContain('5. Taking the lab down (floatip lab down --prefix fdmc) ...');
  expect(run.stdout).not.toContain('Result:');
  expect(leftovers('fdmc')).toEqual([]);
  expect(existsSync(labDir('fdmc'))).toBe(false);
});

test('a second demo with the prefix of a running lab is refused and leaves that lab alone', async () => {
  const demo = startDemo('fdmc', ['--ips', '3']);
  const deadline = Date.now() + 90_000;
  while (!demo.stdout().includes('2. Waiting') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  const second = await startDemo('fdmc', []).done;
  expect(second.code).toBe(1);
  expect(second.stderr).toContain("a lab with prefix 'fdmc' is already up; the demo builds its own and removes it afterwards");
  const first = await demo.done;
  process.stdout.write(`floatip lab demo (beside a refused second one):\n${first.stdout}${first.stderr}`);
  expect(first.code).toBe(0);
  expect(leftovers('fdmc')).toEqual([]);
});
