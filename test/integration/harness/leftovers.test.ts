// The teardown's finder sees a test's children and their children, and only those.

import { ChildProcess, spawn } from 'node:child_process';
import { descendantsOf, statOf } from '../helpers/leftovers';

const started: ChildProcess[] = [];

afterEach(async () => {
  for (const child of started.splice(0)) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }
});

function running(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    child.stdout?.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim())));
    child.once('error', reject);
  });
}

it('reads state and parent from a stat line whose command holds spaces and parentheses', () => {
  expect(statOf('4242 (a (b) c) S 17 4242 17 0 -1 4194560')).toEqual({ state: 'S', parent: 17 });
});

it('finds a child and its grandchild, with their commands', async () => {
  // The shell prints its child's pid once that child runs, then waits on it.
  const shell = spawn('sh', ['-c', 'sleep 1000 & echo $!; wait'], { stdio: ['ignore', 'pipe', 'ignore'] });
  started.push(shell);
  const grandchild = await running(shell);
  const found = descendantsOf(process.pid);
  expect(found).toEqual(expect.arrayContaining([
    { pid: shell.pid, command: 'sh -c sleep 1000 & echo $!; wait' },
    { pid: grandchild, command: 'sleep 1000' },
  ]));
  // Parents come before their children.
  expect(found.findIndex((l) => l.pid === shell.pid)).toBeLessThan(found.findIndex((l) => l.pid === grandchild));
  process.kill(grandchild, 'SIGKILL');
});

it('does not count a process that is not ours', () => {
  expect(descendantsOf(process.pid).map((l) => l.pid)).not.toContain(1);
});
