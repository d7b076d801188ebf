// Both ways of starting an event script (the addon's posix_spawn, Node's spawn) against real processes: the same outcomes, nothing left behind.

import { execFile, execFileSync } from 'node:child_process';
import { closeSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { nativeAddon } from '../../../src/adapters/packet/native';
import { runScriptProcess, ScriptRun, ScriptRunRequest } from '../../../src/adapters/scripts/process';
import { scriptStarter, SpawnCalls, startWithNodeSpawn, startWithPosixSpawn, ScriptStarter } from '../../../src/adapters/scripts/script-start';
import { isAlive, makeEventsDir, removeEventsDir, waitFor, writeScript } from './helpers';

const posixSpawn = startWithPosixSpawn(nativeAddon() as unknown as SpawnCalls);

/** Children of this process that exited and were never reaped. */
function zombieChildren(): number[] {
  const zombies: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // gone meanwhile
    }
    const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (state === 'Z' && Number(ppid) === process.pid) zombies.push(Number(entry));
  }
  return zombies;
}

test('floatipd starts scripts with posix_spawn when the addon has it', () => {
  expect(scriptStarter()).not.toBe(startWithNodeSpawn);
});

describe.each([
  ['posix_spawn', posixSpawn],
  ['Node spawn', startWithNodeSpawn],
])('a script started by %s', (_name: string, start: ScriptStarter) => {
  let dir: string;
  beforeEach(async () => { dir = await makeEventsDir(); });
  afterEach(async () => { await removeEventsDir(dir); });

  const run = (file: string, over: Partial<ScriptRunRequest> = {}): Promise<ScriptRun> =>
    runScriptProcess({ path: file, args: [], env: { PATH: '/usr/bin:/bin' }, timeoutMs: 5000, outputLimitBytes: 4096, ...over }, start);

  it('reports its exit code and what it wrote to both streams', async () => {
    const file = await writeScript(dir, '10.exit', 'echo "out $1 $2"; echo err >&2; exit 3');
    const result = await run(file, { args: ['monitor', 'x y'] });
    expect(result.outcome).toEqual({ kind: 'exited', exitCode: 3 });
    expect(result.output.split('\n').sort()).toEqual(['', 'err', 'out monitor x y']);
    expect(zombieChildren()).toEqual([]);
  });

  it('reports a script ended by a signal as 128 + its number', async () => {
    const killed = await run(await writeScript(dir, '10.kill', 'kill -KILL $$'));
    const termed = await run(await writeScript(dir, '11.term', 'kill -TERM $$'));
    expect([killed.outcome, termed.outcome]).toEqual([{ kind: 'exited', exitCode: 137 }, { kind: 'exited', exitCode: 143 }]);
    expect(zombieChildren()).toEqual([]);
  });

  it('gives it exactly the environment asked for, stdin from /dev/null and its own session', async () => {
    const env = await run('/usr/bin/env', { env: { A: '1', NOT_SET: undefined, PATH: '/bin' } });
    expect(env.output).toBe('A=1\nPATH=/bin\n');
    const file = await writeScript(dir, '10.where', 'echo "$$ $(cut -d" " -f5,6 /proc/$$/stat)"; readlink /proc/$$/fd/0');
    const where = await run(file);
    const [ids, stdin] = where.output.split('\n');
    const [pid, group, session] = ids.split(' ');
    expect([group, session]).toEqual([pid, pid]);
    expect(stdin).toBe('/dev/null');
  });

  // Node ignores SIGPIPE; a script must not inherit that: `yes | head -1` then printed
  // "yes: standard output: Broken pipe" and its pipeline waited on a writer that should have died.
  it('starts it with default signal dispositions and nothing blocked', async () => {
    const file = await writeScript(dir, '10.pipe', 'yes | head -n 1; grep -E "^Sig(Blk|Ign)" /proc/self/status');
    const result = await run(file);
    const [first, blocked, ignored] = result.output.split('\n');
    expect([first, blocked]).toEqual(['y', 'SigBlk:\t0000000000000000']);
    // Bit 12 is SIGPIPE (13). glibc's posix_spawn leaves its own two internal signals (32, 33) ignored.
    expect(BigInt('0x' + ignored.replace('SigIgn:\t', '')) & ~(3n << 31n)).toBe(0n);
  });

  it('runs a file without a #! line with /bin/sh, as execvp does', async () => {
    const file = path.join(dir, '10.noshebang');
    await fs.writeFile(file, 'echo "plain $1 $0"\n', { mode: 0o755 });
    const result = await run(file, { args: ['monitor'] });
    expect([result.outcome, result.output]).toEqual([{ kind: 'exited', exitCode: 0 }, `plain monitor ${file}\n`]);
  });

  it('reports ENOENT and EACCES with their codes', async () => {
    const missing = await run(path.join(dir, '10.missing'));
    const noInterpreter = path.join(dir, '11.badinterpreter');
    await fs.writeFile(noInterpreter, '#!/nonexistent/interpreter\n', { mode: 0o755 });
    const badInterpreter = await run(noInterpreter);
    const notExecutable = await run(await writeScript(dir, '12.off', 'exit 0', 0o644));
    expect([missing.outcome, badInterpreter.outcome, notExecutable.outcome]).toEqual([
      expect.objectContaining({ kind: 'failed-to-start', code: 'ENOENT' }),
      expect.objectContaining({ kind: 'failed-to-start', code: 'ENOENT' }),
      expect.objectContaining({ kind: 'failed-to-start', code: 'EACCES' }),
    ]);
    expect(badInterpreter.output).toMatch(/cannot execute .*11\.badinterpreter: spawn .*ENOENT: check its #! line/);
    expect(zombieChildren()).toEqual([]);
  });

  it('reports ETXTBSY for a file still open for writing', async () => {
    const file = await writeScript(dir, '96.busy', 'echo ran');
    const writer = openSync(file, 'r+');
    try {
      const result = await run(file);
      expect(result.outcome).toMatchObject({ kind: 'failed-to-start', code: 'ETXTBSY' });
      expect(result.output).toMatch(/cannot execute .*96\.busy: spawn ETXTBSY/);
    } finally {
      closeSync(writer);
    }
  });

  it('kills the whole group, a grandchild too, when the time is up, and leaves no zombie', async () => {
    const grandchildFile = path.join(path.dirname(dir), 'grandchild.pid');
    const file = await writeScript(dir, '10.slow', `sleep 30 & echo $! > ${grandchildFile}; trap "" TERM; sleep 30`);
    const runs = run(file, { timeoutMs: 300 });
    await waitFor(async () => (await fs.readFile(grandchildFile, 'utf8').catch(() => '')).endsWith('\n'), 'the grandchild to start');
    const grandchild = Number(await fs.readFile(grandchildFile, 'utf8'));
    expect(isAlive(grandchild)).toBe(true);
    expect((await runs).outcome).toEqual({ kind: 'timedout' });
    await waitFor(() => !isAlive(grandchild), 'the grandchild to die with its group');
    expect(zombieChildren()).toEqual([]);
  });

  it('ends after a short grace when a child it left in the background holds its output, and does not kill that child', async () => {
    const childFile = path.join(path.dirname(dir), 'background.pid');
    const file = await writeScript(dir, '10.daemonize', `sleep 30 & echo $! > ${childFile}; echo started`);
    // The time is up while the output is still open: the script had exited by then, so it is no timeout.
    const result = await run(file, { timeoutMs: 50 });
    const background = Number(await fs.readFile(childFile, 'utf8'));
    try {
      expect([result.outcome, result.output]).toEqual([{ kind: 'exited', exitCode: 0 }, 'started\n']);
      expect(isAlive(background)).toBe(true);
    } finally {
      process.kill(background, 'SIGKILL');
    }
  });

  it('runs many at once beside children of Node\'s own, each reaped by its owner with its own status', async () => {
    const file = await writeScript(dir, '10.code', 'exit "$1"');
    const ours = Array.from({ length: 20 }, (_, i) => run(file, { args: [String(i)] }));
    const nodes = Array.from({ length: 5 }, () => new Promise<number>((resolve) => {
      execFile('/bin/sh', ['-c', 'exit 7'], (error) => resolve(Number((error as { code?: number } | null)?.code ?? 0)));
    }));
    const results = await Promise.all(ours);
    expect(results.map((r) => r.outcome)).toEqual(Array.from({ length: 20 }, (_, i) => ({ kind: 'exited', exitCode: i })));
    expect(await Promise.all(nodes)).toEqual([7, 7, 7, 7, 7]);
    expect(zombieChildren()).toEqual([]);
  });
});

test('posix_spawn keeps stdout and stderr in the order they were written (one pipe, as CTDB does)', async () => {
  const result = await runScriptProcess({ path: '/bin/sh', args: ['-c', 'echo 1; echo 2 >&2; echo 3; echo 4 >&2'], env: {}, timeoutMs: 5000, outputLimitBytes: 4096 }, posixSpawn);
  expect(result.output).toBe('1\n2\n3\n4\n');
});

test('posix_spawn passes the script no descriptor of ours beyond 0-2, even one without close-on-exec', () => {
  // A daemon holding fd 7 without FD_CLOEXEC (as an inherited descriptor is): Node's spawn hands
  // such a descriptor to every child, and a service a script starts keeps it for ever.
  const module = path.join(__dirname, '..', '..', '..', 'dist', 'src', 'adapters', 'scripts', 'process.js');
  const program = `require(${JSON.stringify(module)}).runScriptProcess({ path: '/bin/ls', args: ['/proc/self/fd'], env: {}, timeoutMs: 5000, outputLimitBytes: 4096 }).then((r) => process.stdout.write(r.output))`;
  const fds = execFileSync('/bin/sh', ['-c', `exec 7</dev/null; ls /proc/self/fd/7 >/dev/null && exec ${process.execPath} -e "$0"`, program]).toString();
  // ls's own descriptor on /proc/self/fd is 3.
  expect(fds.split('\n').filter((line) => line !== '').map(Number)).toEqual([0, 1, 2, 3]);
});

test('a cancelled script\'s group is killed at once', async () => {
  const abort = new AbortController();
  const runs = runScriptProcess({ path: '/bin/sh', args: ['-c', 'echo started; sleep 30'], env: {}, timeoutMs: 30_000, outputLimitBytes: 4096, signal: abort.signal }, posixSpawn);
  abort.abort();
  expect((await runs).outcome).toEqual({ kind: 'cancelled' });
  expect(zombieChildren()).toEqual([]);
});
