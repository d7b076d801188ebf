// Shared by the lab integration tests: the CLI run in-process with captured output, pings, kernel reads, cleanup.

import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { labDown } from '../../../src/lab';
import { CliRun, runCommands } from '../../unit/cli/harness';

/** Every namespace and link these tests make starts with `flt-`. */
export const PREFIX = 'flt';

/** Runs `floatip ARGS...` in this process, as the binary would, and captures its output. */
export function floatip(...args: string[]): Promise<CliRun> {
  return runCommands(args);
}

/** A fresh directory for one test file (root-owned, mode 0700, under the system temp dir); remove it with removeTempRoot. */
export function tempRoot(): string {
  return mkdtempSync(join(tmpdir(), 'flt-lab-'));
}

export function removeTempRoot(root: string): void {
  rmSync(root, { recursive: true, force: true });
}

/** True when one ping from `namespace` to `address` is answered within half a second. */
export function pings(namespace: string, address: string): boolean {
  const result = spawnSync('ip', ['netns', 'exec', namespace, 'ping', '-c', '1', '-W', '0.5', '-q', address], { stdio: 'ignore' });
  return result.status === 0;
}

export function ipJson<T>(namespace: string, ...args: string[]): T {
  return JSON.parse(execFileSync('ip', ['-n', namespace, '-j', ...args], { encoding: 'utf8' })) as T;
}

export interface JsonLink {
  readonly ifname: string;
  readonly flags: readonly string[];
  readonly master?: string;
}

export function linkOf(namespace: string, name: string): JsonLink {
  return ipJson<JsonLink[]>(namespace, 'link', 'show', 'dev', name)[0];
}

export function namespacesWithPrefix(): string[] {
  return execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }).split('\n').map((l) => l.split(' ')[0])
    .filter((name) => name.startsWith(`${PREFIX}-`));
}

export function hostLinksWithPrefix(): string[] {
  return (JSON.parse(execFileSync('ip', ['-j', 'link', 'show'], { encoding: 'utf8' })) as JsonLink[])
    .map((l) => l.ifname).filter((name) => name.startsWith(`${PREFIX}-`));
}

export function addAddress(namespace: string, cidr: string, dev: string): void {
  execFileSync('ip', ['-n', namespace, 'addr', 'add', cidr, 'dev', dev, ...(cidr.includes(':') ? ['nodad'] : [])]);
}

/** Removes anything a previous, failed run left behind: the lab's own down, which finds leftovers by prefix. */
export async function cleanup(dir: string): Promise<void> {
  await labDown({ prefix: PREFIX, dir });
}

/** True when the process has ended: no /proc entry, or a zombie waiting to be reaped by whoever adopted it. */
export function processGone(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.charAt(stat.lastIndexOf(')') + 2) === 'Z';
  } catch {
    return true;
  }
}
