// Shared by the namespace labs: shell helpers, and TypeScript children started inside a network namespace.
//
// A process joins a namespace only by being started in it (`ip netns exec`), so code
// under test runs in a child: plain node with a hook that transpiles our .ts files on
// require (as ts-jest does: transpile only), talking to jest over pipes or IPC.

import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

export const REPO_ROOT = path.resolve(__dirname, '../../..');

export function run(command: string, args: readonly string[]): string {
  return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** `ip -n NS ...` */
export function ipIn(ns: string, ...args: string[]): string {
  return run('ip', ['-n', ns, ...args]);
}

/** `ip netns exec NS command ...` */
export function execIn(ns: string, command: string, ...args: string[]): string {
  return run('ip', ['netns', 'exec', ns, command, ...args]);
}

/** Every namespace whose name starts with `prefix`. */
export function namespacesStartingWith(prefix: string): string[] {
  return run('ip', ['netns', 'list']).split('\n').map((l) => l.split(' ')[0]).filter((ns) => ns.startsWith(prefix));
}

/** Node code that makes `require` accept our .ts files. */
const TS_REQUIRE_HOOK = `
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
 * The same hook as a file, for `node --require FILE` (a program of src/ started as a file, such as
 * the soak's helpers). Named by its content, so every run and test process shares one file
 * instead of leaving one behind each: a jest worker is killed, not asked to clean up.
 */
export function tsRequireHookFile(): string {
  const file = path.join(tmpdir(), `floatip-ts-hook-${createHash('sha256').update(TS_REQUIRE_HOOK).digest('hex').slice(0, 16)}.js`);
  if (!existsSync(file)) {
    const temporary = `${file}.${process.pid}.tmp`;
    writeFileSync(temporary, TS_REQUIRE_HOOK);
    renameSync(temporary, file);
  }
  return file;
}

export interface TsChildOptions {
  /** Node code run after the hook; `process.argv[1..]` are `args`. */
  readonly main: string;
  readonly args?: readonly string[];
  /** Open an IPC channel (the child then has `process.send`). */
  readonly ipc?: boolean;
  /** stdin of the child: 'pipe' to write to it, 'ignore' otherwise. @default 'pipe' */
  readonly stdin?: 'pipe' | 'ignore';
}

/** Starts node inside `ns` with the .ts hook, then `main`; stdout and stderr are piped. */
export function spawnTsInNamespace(ns: string, options: TsChildOptions): ChildProcess {
  const stdio: ('pipe' | 'ignore' | 'ipc')[] = [options.stdin ?? 'pipe', 'pipe', 'pipe'];
  if (options.ipc) stdio.push('ipc');
  return spawn('ip', ['netns', 'exec', ns, process.execPath, '-e', TS_REQUIRE_HOOK + options.main, ...(options.args ?? [])], {
    stdio, cwd: REPO_ROOT, env: { ...process.env, NODE_OPTIONS: '' },
  });
}
