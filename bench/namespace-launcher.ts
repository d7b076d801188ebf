// Runs a benchmark inside network namespaces it makes: the parent makes them, re-runs the benchmark's script inside one, and removes them after.
//
// A process joins a namespace only by being started in it, so each benchmark that needs
// its own network runs twice: as the parent (root, on the host) and as the child inside.

import { execFileSync, spawnSync } from 'node:child_process';

const INSIDE_FLAG = '--inside-namespace';

export interface NamespaceBenchmark {
  /** The namespace the measurement runs in. */
  readonly namespace: string;
  /** Every namespace `create` makes, removed before (a leftover of a run that died) and after. @default [namespace] */
  readonly namespaces?: readonly string[];
  /** The benchmark's own file (its `__filename`), run again inside `namespace`. */
  readonly script: string;
  /** Makes the namespaces and their links. */
  readonly create: () => void;
  /** The measurement, inside `namespace`. */
  readonly inside: () => Promise<void>;
}

/** Runs `command ARGS...` with its output hidden (errors still on stderr); throws when it fails. */
export function sh(command: string, ...args: string[]): void {
  execFileSync(command, args, { stdio: ['ignore', 'ignore', 'inherit'] });
}

function removeNamespaces(names: readonly string[]): void {
  for (const name of names) spawnSync('ip', ['netns', 'del', name], { stdio: 'ignore' });
}

/** As the parent: make the namespaces, run the script inside, remove them, exit with the child's status. As the child: measure. */
export function runInNamespace(benchmark: NamespaceBenchmark): void {
  if (process.argv.includes(INSIDE_FLAG)) {
    benchmark.inside().catch((error: unknown) => {
      process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
      process.exit(1);
    });
    return;
  }
  const names = benchmark.namespaces ?? [benchmark.namespace];
  removeNamespaces(names);
  try {
    benchmark.create();
    const child = spawnSync('ip', ['netns', 'exec', benchmark.namespace, process.execPath, benchmark.script, INSIDE_FLAG], { stdio: 'inherit' });
    process.exitCode = child.status ?? 1;
  } finally {
    removeNamespaces(names);
  }
}
