// Temporary events directories with real scripts, for the runner tests (root: the runner insists on root-owned scripts).

import { promises as fs, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { holds, pollUntil } from '../../helpers/poll';

export async function makeEventsDir(): Promise<string> {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'fev-scripts-'));
  const dir = path.join(root, 'events.d');
  await fs.mkdir(dir, { mode: 0o755 });
  return dir;
}

export async function removeEventsDir(dir: string): Promise<void> {
  await fs.rm(path.dirname(dir), { recursive: true, force: true });
}

/** Writes a POSIX sh script; mode 0755 (enabled) unless told otherwise. */
export async function writeScript(dir: string, name: string, body: string, mode = 0o755): Promise<string> {
  const file = path.join(dir, name);
  await fs.writeFile(file, `#!/bin/sh\n${body}\n`);
  await fs.chmod(file, mode);
  return file;
}

export async function readLines(file: string): Promise<string[]> {
  try {
    return (await fs.readFile(file, 'utf8')).split('\n').filter((line) => line !== '');
  } catch {
    return [];
  }
}

/** A process is gone when /proc has no entry or only a zombie waiting for its reaper. */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

export async function waitFor(check: () => Promise<boolean> | boolean, what: string, limitMs = 5000): Promise<void> {
  await pollUntil(holds(check), { what, timeoutMs: limitMs, everyMs: 10 });
}
