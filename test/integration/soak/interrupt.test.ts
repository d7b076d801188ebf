// The soak interrupted (Ctrl-C, or bench:quiet ending the soak it ran beside): it takes its lab down before it exits.
//
// Before, SIGINT ended the soak at once and left its namespaces and floatipds running (found
// after a `bench:quiet --beside-soak` run: lab fqs, 5 namespaces, 4 processes).

import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { labDown } from '../../../src/lab';
import { REPO_ROOT } from '../helpers/netns-child';
import { prepareTsDaemon } from '../daemon/helpers/ts-daemon';
import { waitFor } from '../daemon/helpers/daemon-lab';

const PREFIX = 'fsi';

jest.setTimeout(180_000);

let root: string;
let soak: ChildProcess | undefined;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), `${PREFIX}-`));
});

afterAll(async () => {
  soak?.kill('SIGKILL');
  await labDown({ prefix: PREFIX, dir: join(root, 'lab') });
  rmSync(root, { recursive: true, force: true });
});

function namespaces(): string[] {
  return execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }).split('\n').map((line) => line.split(' ')[0]).filter((name) => name.startsWith(`${PREFIX}-`));
}

/** floatipds of this lab still running (their --config is under the lab's directory). */
function daemons(): number[] {
  return execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' }).split('\n')
    .filter((line) => line.includes(join(root, 'lab')) && line.includes('--config'))
    .map((line) => Number(line.trim().split(' ')[0]));
}

test('SIGINT while the soak runs its lab: it exits with 130 and leaves no namespace and no floatipd behind', async () => {
  const daemon = prepareTsDaemon(root);
  let stderr = '';
  soak = spawn(process.execPath, [
    '--require', daemon.hook, join(REPO_ROOT, 'src', 'soak', 'main.ts'),
    '--nodes', '3', '--minutes', '5', '--seed', '1', '--prefix', PREFIX, '--dir', join(root, 'lab'), '--floatipd', daemon.command,
  ], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, NODE_OPTIONS: '' } });
  soak.stderr?.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
  const exited = new Promise<number | null>((resolve) => soak?.once('exit', (code) => resolve(code)));

  // The lab is up: all three daemons run.
  await waitFor('three floatipds of the soak\'s lab', () => (daemons().length >= 3 ? true : undefined), 120_000, 100);
  expect(namespaces().length).toBeGreaterThan(0);

  soak.kill('SIGINT');
  expect(await exited).toBe(130);
  expect(stderr).toContain(`interrupted: taking lab ${PREFIX} down`);
  expect(namespaces()).toEqual([]);
  expect(daemons()).toEqual([]);
});
