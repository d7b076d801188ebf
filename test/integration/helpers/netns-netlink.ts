// Network namespaces for the netlink and sock_diag integration tests, and TypeScript processes run inside them
// (the child loader itself is shared: netns-child.ts).

import { ChildProcess } from 'node:child_process';
import { ipIn, run, spawnTsInNamespace } from './netns-child';

export { REPO_ROOT, ipIn, run } from './netns-child';

/**
 * Every namespace and link these tests create starts with this: `fnl`, or FLOATIP_NETNS_PREFIX
 * (2-4 letters and digits) so that runs side by side on one machine never touch each other's.
 */
export const PREFIX = netnsPrefix(process.env.FLOATIP_NETNS_PREFIX ?? 'fnl');

function netnsPrefix(prefix: string): string {
  if (!/^[a-z][a-z0-9]{1,3}$/.test(prefix)) throw new Error(`FLOATIP_NETNS_PREFIX must be 2-4 lower-case letters and digits, not ${JSON.stringify(prefix)}`);
  return prefix;
}

/** Deletes every namespace (and any stray host link) whose name starts with PREFIX. */
export function cleanupNamespaces(prefix = `${PREFIX}-`): void {
  for (const ns of run('ip', ['netns', 'list']).split('\n').map((l) => l.split(' ')[0]).filter(Boolean)) {
    if (ns.startsWith(prefix)) {
      try { run('ip', ['netns', 'del', ns]); } catch { /* already gone */ }
    }
  }
  for (const line of run('ip', ['-o', 'link', 'show']).split('\n')) {
    const name = /^\d+: ([^:@]+)/.exec(line)?.[1];
    if (name && name.startsWith(PREFIX)) {
      try { run('ip', ['link', 'del', name]); } catch { /* already gone */ }
    }
  }
}

/** A namespace with lo up. */
export function createNamespace(ns: string): void {
  if (!ns.startsWith(`${PREFIX}-`)) throw new Error(`namespace ${ns} must start with ${PREFIX}-`);
  run('ip', ['netns', 'add', ns]);
  ipIn(ns, 'link', 'set', 'lo', 'up');
}

/** A veth pair: `left` in nsLeft, `right` in nsRight (both up). */
export function createVeth(nsLeft: string, left: string, nsRight: string, right: string): void {
  for (const name of [left, right]) {
    if (!name.startsWith(PREFIX) || name.length > 15) throw new Error(`link ${name} must start with ${PREFIX} and have <= 15 chars`);
  }
  ipIn(nsLeft, 'link', 'add', left, 'type', 'veth', 'peer', 'name', right, 'netns', nsRight);
  ipIn(nsLeft, 'link', 'set', left, 'up');
  ipIn(nsRight, 'link', 'set', right, 'up');
}

/**
 * Runs a .ts file inside a namespace; stdout/stderr are piped, and an IPC
 * channel is open when `ipc` is set (the child then has `process.send`).
 */
export function runTsInNamespace(ns: string, entry: string, args: readonly string[] = [], options: { ipc?: boolean } = {}): ChildProcess {
  // The entry runs as the main module would: argv[1] is the entry, the rest its arguments.
  const main = 'const [entry, ...rest] = process.argv.slice(1); process.argv = [process.argv[0], entry, ...rest]; require(entry);';
  return spawnTsInNamespace(ns, { main, args: [entry, ...args], ipc: options.ipc });
}

/** Collects a child's stdout and stderr and resolves with them and its exit code. */
export function finished(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => { stdout += chunk.toString(); });
  child.stderr?.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
  return new Promise((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}
