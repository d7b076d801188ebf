// `floatip lab down`: finds everything of a lab by its prefix and directory, not by its state file, and removes it.
//
// A lab may have crashed half-way through `up`, or its state file may be gone:
// namespaces are found by name (`PREFIX-*`), processes by namespace
// (`ip netns pids`) and by command line (a floatipd whose namespace is already
// gone still names a floatip.toml of the lab directory), links by name.
// Removing twice is fine: what is already gone is skipped.

import { promises as fs, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LabError } from './errors';
import { belongsToLab } from './names';
import { STATE_FILE } from './plan';
import { readState } from './state';
import { runCommand } from './shell';

/** What a removal found and removed, for the user and for tests. */
export interface RemovalReport {
  readonly namespaces: readonly string[];
  readonly processes: readonly number[];
  readonly links: readonly string[];
  readonly directoryRemoved: boolean;
}

/** Time processes get to stop on SIGTERM (a daemon releases addresses and runs `shutdown`) before SIGKILL. */
const TERM_GRACE_MS = 2000;

export async function labNamespaces(prefix: string): Promise<string[]> {
  const out = await runCommand('ip', ['netns', 'list']);
  return out.stdout.split('\n').map((line) => line.split(' ')[0]).filter((name) => name !== '' && belongsToLab(name, prefix));
}

async function namespacePids(namespace: string): Promise<number[]> {
  const out = await runCommand('ip', ['netns', 'pids', namespace]);
  return out.stdout.split('\n').filter((l) => /^[0-9]+$/.test(l.trim())).map(Number);
}

/** Processes whose command line names a file under `dir/node*` (a floatipd of this lab, wherever it runs). */
async function pidsNamingDir(dir: string): Promise<number[]> {
  const found: number[] = [];
  const mark = `${dir}/node`;
  for (const entry of await fs.readdir('/proc')) {
    if (!/^[0-9]+$/.test(entry)) continue;
    try {
      const args = (await fs.readFile(`/proc/${entry}/cmdline`, 'utf8')).split('\0');
      if (args.some((a) => a.startsWith(mark))) found.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return found;
}

/** A zombie counts as gone: it holds no namespace or socket, only waits for its parent to reap it. */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !['Z', 'X'].includes(stat.charAt(stat.lastIndexOf(')') + 2));
  } catch {
    return false;
  }
}

function signal(pids: readonly number[], name: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, name);
    } catch {
      // Already gone.
    }
  }
}

async function waitUntilGone(pids: readonly number[], timeoutMs: number): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  let left = pids.filter(alive);
  while (left.length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 25));
    left = left.filter(alive);
  }
  return left;
}

/** Stops processes: SIGCONT (a frozen one cannot act on SIGTERM), SIGTERM, then SIGKILL after a grace time. */
async function stopProcesses(pids: readonly number[]): Promise<void> {
  signal(pids, 'SIGCONT');
  signal(pids, 'SIGTERM');
  const stubborn = await waitUntilGone(pids, TERM_GRACE_MS);
  signal(stubborn, 'SIGKILL');
  await waitUntilGone(stubborn, TERM_GRACE_MS);
}

/** Links in the host's own namespace with the lab's prefix; the lab never makes any, but a crash mid-way might leave one. */
async function hostLinks(prefix: string): Promise<string[]> {
  const out = await runCommand('ip', ['-j', 'link', 'show']);
  if (out.status !== 0) return [];
  return (JSON.parse(out.stdout) as { ifname: string }[]).map((l) => l.ifname).filter((name) => belongsToLab(name, prefix));
}

/**
 * Removes the lab's files. A directory with our state file is the lab's and
 * goes whole; without it (a crash, a deleted state file) only what the lab
 * writes is removed: `node<N>` directories holding a floatip.toml, stray state
 * files, and then the directory itself if that left it empty.
 */
async function removeFiles(dir: string, prefix: string): Promise<boolean> {
  let entries: string[];
  try {
    entries = await fs.readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
  const state = await readState(dir).catch(() => undefined);
  if (state !== undefined && state.options.prefix === prefix && state.options.dir === dir) {
    await fs.rm(dir, { recursive: true, force: true });
    return true;
  }
  for (const name of entries) {
    const path = join(dir, name);
    const isNodeDir = /^node[0-9]+$/.test(name) && (await fs.stat(join(path, 'floatip.toml')).then(() => true, () => false));
    const isStateFile = name === STATE_FILE || (name.startsWith(`${STATE_FILE}.`) && name.endsWith('.tmp'));
    if (isNodeDir || (isStateFile && state === undefined)) await fs.rm(path, { recursive: true, force: true });
  }
  if ((await fs.readdir(dir)).length === 0) {
    await fs.rmdir(dir);
    return true;
  }
  return false;
}

/** Removes every namespace, process, link and file of the lab with this prefix and directory. */
export async function removeLab(prefix: string, dir: string): Promise<RemovalReport> {
  const state = await readState(dir).catch(() => undefined);
  if (state !== undefined && state.options.prefix !== prefix) {
    throw new LabError('E_LAB_STATE', `${dir} holds the lab with prefix '${state.options.prefix}', not '${prefix}': `
      + `give --prefix ${state.options.prefix}, or another --dir`);
  }
  const namespaces = await labNamespaces(prefix);
  const pidSets = await Promise.all(namespaces.map(namespacePids));
  const processes = [...new Set([...pidSets.flat(), ...(await pidsNamingDir(dir))])].filter((pid) => pid !== process.pid).sort((a, b) => a - b);
  await stopProcesses(processes);
  for (const namespace of namespaces) {
    const out = await runCommand('ip', ['netns', 'del', namespace]);
    if (out.status !== 0 && (await labNamespaces(prefix)).includes(namespace)) {
      throw new LabError('E_LAB_COMMAND_FAILED', `cannot delete namespace ${namespace}: ${out.stderr.trim()}; delete it with \`ip netns del ${namespace}\``);
    }
  }
  const links = await hostLinks(prefix);
  for (const link of links) await runCommand('ip', ['link', 'del', link]);
  const directoryRemoved = await removeFiles(dir, prefix);
  return { namespaces, processes, links, directoryRemoved };
}
