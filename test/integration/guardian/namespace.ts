// Network namespaces for the guardian tests (prefix frg), and TypeScript processes started inside them.

import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import * as path from 'node:path';

export const PREFIX = 'frg';
export const REPO_ROOT = path.resolve(__dirname, '../../..');

export function run(command: string, args: readonly string[]): string {
  return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

export function ipIn(ns: string, ...args: string[]): string {
  return run('ip', ['-n', ns, ...args]);
}

/** Deletes every namespace and host link whose name starts with `frg`: run before and after the tests. */
export function cleanup(): void {
  for (const ns of run('ip', ['netns', 'list']).split('\n').map((l) => l.split(' ')[0]).filter(Boolean)) {
    if (ns.startsWith(`${PREFIX}-`)) {
      try { run('ip', ['netns', 'del', ns]); } catch { /* already gone */ }
    }
  }
  for (const line of run('ip', ['-o', 'link', 'show']).split('\n')) {
    const name = /^\d+: ([^:@]+)/.exec(line)?.[1];
    if (name?.startsWith(PREFIX)) {
      try { run('ip', ['link', 'del', name]); } catch { /* already gone */ }
    }
  }
}

/** Namespace `ns` with lo up and a veth `iface` (its peer in `peerNs`), both ends up. */
export function namespaceWithVeth(ns: string, iface: string, peerNs: string, peerIface: string): void {
  for (const name of [ns, peerNs]) {
    if (!name.startsWith(`${PREFIX}-`)) throw new Error(`namespace ${name} must start with ${PREFIX}-`);
    run('ip', ['netns', 'add', name]);
    ipIn(name, 'link', 'set', 'lo', 'up');
  }
  for (const name of [iface, peerIface]) {
    if (!name.startsWith(PREFIX) || name.length > 15) throw new Error(`link ${name} must start with ${PREFIX} and have <= 15 chars`);
  }
  ipIn(ns, 'link', 'add', iface, 'type', 'veth', 'peer', 'name', peerIface, 'netns', peerNs);
  ipIn(ns, 'link', 'set', iface, 'up');
  ipIn(peerNs, 'link', 'set', peerIface, 'up');
}

/** Node code that lets `require` load our .ts files (transpile only, as ts-jest does). */
export const TS_REQUIRE_HOOK = `
const ts = require(${JSON.stringify(require.resolve('typescript'))});
const fs = require('fs');
require.extensions['.ts'] = (module, filename) => {
  const out = ts.transpileModule(fs.readFileSync(filename, 'utf8'), {
    fileName: filename,
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
  });
  module._compile(out.outputText, filename);
};
`;

/**
 * Starts `node -e` inside `ns` running `entry` (a .ts file) with `args`. `ip netns exec`
 * execs node in place, so the child's pid is node's own: signals reach it directly.
 */
export function spawnTsInNamespace(ns: string, entry: string, args: readonly string[]): ChildProcess {
  const main = `${TS_REQUIRE_HOOK}; require(${JSON.stringify(entry)});`;
  return spawn('ip', ['netns', 'exec', ns, process.execPath, '-e', main, ...args], {
    stdio: ['pipe', 'pipe', 'pipe'], cwd: REPO_ROOT, env: { ...process.env, NODE_OPTIONS: '' },
  });
}
