// Where this floatip package keeps what the lab copies or runs: its root, the shipped events.d, floatipd.

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { FLOATIPD_NODE_OPTIONS } from '../node-options';
import { LabError } from './errors';

/**
 * The package root: the nearest directory above this file whose package.json
 * is floatip's. Works from src/ (tests) and from dist/src/ (the built CLI).
 */
export function packageRoot(from: string = __dirname): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        if ((JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }).name === 'floatip') return dir;
      } catch {
        // Not ours or unreadable: keep looking upwards.
      }
    }
    if (dirname(dir) === dir) {
      throw new LabError('E_LAB_PLAN', `cannot find floatip's package.json above ${from}: run floatip lab from an installed or built floatip`);
    }
  }
}

/** The events.d shipped with this package. */
export function shippedEventsDir(root: string = packageRoot()): string {
  return join(root, 'events.d');
}

/**
 * argv that starts floatipd: the built daemon of this package under this node with
 * floatipd's node options (node-options.ts), or `path` (a .js file runs the same way,
 * anything else is run as is).
 */
export function daemonCommand(path: string | undefined, root?: string): string[] {
  const daemon = path ?? join(root ?? packageRoot(), 'dist', 'src', 'daemon', 'main.js');
  if (!existsSync(daemon)) {
    throw new LabError('E_LAB_PLAN', path === undefined
      ? `floatipd is not built (${daemon} is missing): run \`npm run build\` first, or give --floatipd PATH`
      : `--floatipd ${path} does not exist: give the path of a floatipd`);
  }
  return daemon.endsWith('.js') ? [process.execPath, ...FLOATIPD_NODE_OPTIONS, daemon] : [daemon];
}
