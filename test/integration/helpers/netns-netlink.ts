// Network namespaces for the netlink and sock_diag integration tests, and TypeScript processes run inside them.
//
// A process joins a namespace only by being started in it (`ip netns exec`), so
// the code under test runs in a child: plain node with a tiny hook that
// transpiles our .ts files on require, and talks to jest over the IPC channel.

import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import * as path from 'node:path';

/** Every namespace and link these tests create starts with this. */
export const PREFIX = 'fnl';

export const REPO_ROOT = path.resolve(__dirname, '../../..');

export function run(command: string, args: readonly string[]): string {
  return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** `ip -n NS ...` */
export function ipIn(ns: string, ...args: string[]): string {
  return run('ip', ['-n', ns, ...args]);
}

/** Deletes every namespace (and any stray host link) whose name starts with `fnl`. */
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

/** Node code that makes `require` accept our .ts files (transpile only, as ts-jest does). */
const TS_HOOK = `
const ts = require(${JSON.stringify(require.resolve('typescript'))});
const fs = require('fs');
require.extensions['.ts'] = (module, filename) => {
  const out = ts.transpileModule(fs.readFileSync(filename, 'utf8'), {
    fileName: filename,
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
  });
  module._compile(out.outputText, filename);
};
const [entry, ...rest] = process.argv.slice(1);
process.argv = [process.argv[0], entry, ...rest];
require(entry);
`;

/**
 * Runs a .ts file inside a namespace; stdout/stderr are piped, and an IPC
 * channel is open when `ipc` is set (the child then has `process.send`).
 */
export function runTsInNamespace(ns: string, entry: string, args: readonly string[] = [], options: { ipc?: boolean } = {}): ChildProcess {
  const stdio: ('pipe' | 'ipc')[] = options.ipc ? ['pipe', 'pipe', 'pipe', 'ipc'] : ['pipe', 'pipe', 'pipe'];
  return spawn('ip', ['netns', 'exec', ns, process.execPath, '-e', TS_HOOK, entry, ...args], {
    stdio, cwd: REPO_ROOT, env: { ...process.env, NODE_OPTIONS: '' },
  });
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
