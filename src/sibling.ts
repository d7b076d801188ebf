// How a program of ours starts its sibling programs (floatipd its guardian and allocator worker, the soak its samplers): same node, same loader, same file kind.
//
// floatipd normally runs from dist/ as .js. It can also run from its TypeScript
// sources under a `--require` loader (the integration tests do, so they need no
// build): then the siblings must be the .ts files and get the same loader. This is
// not a mode: the rule "use the extension and the --require options this file was
// loaded with" holds for both. It sits at the top of src/, beside version.ts,
// because the daemon and the soak both start programs and neither may import the other.

import { extname, join } from 'node:path';

/** `dir/base` with the extension of this very file (.js when built, .ts under a loader). */
export function siblingScript(dir: string, base: string): string {
  return join(dir, `${base}${extname(__filename)}`);
}

/** The `--require` options of this process (`-r X`, `--require X`, `--require=X`), and nothing else of execArgv. */
export function loaderArgs(execArgv: readonly string[] = process.execArgv): string[] {
  const kept: string[] = [];
  for (let k = 0; k < execArgv.length; k++) {
    const arg = execArgv[k];
    if ((arg === '-r' || arg === '--require') && k + 1 < execArgv.length) kept.push(arg, execArgv[++k]);
    else if (arg.startsWith('--require=')) kept.push(arg);
  }
  return kept;
}

/** argv to run `script` under this node with this process's loader. */
export function nodeCommand(script: string): { readonly execPath: string; readonly args: readonly string[] } {
  return { execPath: process.execPath, args: [...loaderArgs(), script] };
}
