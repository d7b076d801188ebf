// `floatip event script list|enable|disable`: read the catalog, flip the execute bit.

import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { ScriptCatalog, isScriptName } from './catalog';
import { ScriptInfo } from './port';

/** A script name that is not one of the directory's scripts. */
export class ScriptNotFoundError extends Error {
  readonly code = 'E_SCRIPT_NOT_FOUND';
}

/** A name that the runner would ignore (not `NN.name`), so enabling it would do nothing. */
export class ScriptNameError extends Error {
  readonly code = 'E_SCRIPT_NAME';
}

export async function listScripts(catalog: ScriptCatalog): Promise<ScriptInfo[]> {
  const { scripts, ignored } = await catalog.scan();
  const listed: ScriptInfo[] = scripts.map((entry) => ({
    name: entry.name,
    enabled: entry.enabled,
    events: entry.declaredEvents ?? 'all',
    ...(entry.problem ? { problem: entry.problem } : {}),
    ...(entry.note ? { note: entry.note } : {}),
  }));
  const neverRun: ScriptInfo[] = ignored.map((file) => ({ name: file.name, enabled: false, events: [], neverRuns: file.reason }));
  return [...listed, ...neverRun].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * Enabling sets the execute bits where the matching read bits are set (644 ->
 * 755); disabling clears all execute bits. Symlinks change their target, as chmod does.
 */
export async function setScriptEnabled(dir: string, name: string, enabled: boolean): Promise<void> {
  if (!isScriptName(name)) {
    throw new ScriptNameError(`${JSON.stringify(name)} is not a script name: scripts are NN.name or NN.name.script (two digits, a dot, a name without dots)`);
  }
  const file = path.join(dir, name);
  let mode: number;
  try {
    const stats = await fs.stat(file);
    if (!stats.isFile()) throw new ScriptNotFoundError(`${file} is not a regular file`);
    mode = stats.mode & 0o7777;
  } catch (err) {
    if (err instanceof ScriptNotFoundError) throw err;
    throw new ScriptNotFoundError(`no script ${name} in ${dir}: see \`floatip event script list\``);
  }
  const readBitsAsExec = (mode & 0o444) >> 2;
  const next = enabled ? mode | readBitsAsExec | 0o100 : mode & ~0o111;
  if (next !== mode) await fs.chmod(file, next);
}
