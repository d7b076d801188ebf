// Finds the scripts of an events directory: CTDB's naming rule, the enable bit, declared events, safety.

import { promises as fs, Stats } from 'node:fs';
import * as path from 'node:path';
import { EventName, isEventName } from './events';

/** One script file as found on disk. */
export interface ScriptEntry {
  /** File name, e.g. `50.samba`. */
  readonly name: string;
  readonly path: string;
  /** The owner's execute bit is set (CTDB's rule). */
  readonly enabled: boolean;
  /** Events named in a `# floatip-events:` header; undefined: the script gets every event. */
  readonly declaredEvents: readonly EventName[] | undefined;
  /** Why the script must not run (unsafe ownership or mode, bad header); undefined when fine. */
  readonly problem: string | undefined;
}

/** The events directory itself is unusable: no script runs. */
export class EventsDirectoryError extends Error {
  readonly code = 'E_EVENTS_DIRECTORY';
}

/**
 * `NN.name`: two digits, a dot, a name without further dots, not a `~` backup.
 * CTDB ignores anything else, so `50.samba.rpmsave` or `50.samba~` never run.
 */
export function isScriptName(name: string): boolean {
  return /^[0-9]{2}\.[^.\s/]+$/.test(name) && !name.endsWith('~');
}

const HEADER = /^#\s*floatip-events:(.*)$/;
/** The header must be near the top so a big script is never read whole. */
const HEADER_SEARCH_BYTES = 4096;

/** Declared events of a script from its header text; throws a readable message on an unknown name. */
export function parseEventsHeader(text: string): readonly EventName[] | undefined {
  for (const line of text.split('\n').slice(0, 20)) {
    const match = HEADER.exec(line.trim());
    if (!match) continue;
    const names = match[1].trim().split(/\s+/).filter((word) => word !== '');
    const unknown = names.filter((word) => !isEventName(word));
    if (unknown.length > 0) {
      throw new Error(`its "# floatip-events:" header names unknown event(s) ${unknown.join(', ')}: fix the spelling`);
    }
    return names as EventName[];
  }
  return undefined;
}

/** Who may write a file: only root may own it, and no group or other write bit. */
function unsafeBecause(stats: Stats, what: string, allowSticky: boolean): string | undefined {
  if (stats.uid !== 0) return `${what} is owned by uid ${stats.uid}, not root: chown root it`;
  const writableByOthers = (stats.mode & 0o022) !== 0;
  // A sticky root-owned directory (like /tmp) lets others add files but not rename ours.
  if (writableByOthers && !(allowSticky && (stats.mode & 0o1000) !== 0)) {
    return `${what} can be written by a non-root user (mode ${(stats.mode & 0o7777).toString(8)}): chmod go-w it`;
  }
  return undefined;
}

/**
 * Checks that no non-root user can change what runs: the events directory must
 * be root's and not group/world-writable, and each directory above it must be
 * root's and either not writable by others or sticky.
 */
export async function checkDirectorySafety(dir: string): Promise<void> {
  const absolute = path.resolve(dir);
  let stats: Stats;
  try {
    stats = await fs.stat(absolute);
  } catch (err) {
    throw new EventsDirectoryError(`events directory ${absolute} cannot be read (${(err as Error).message}): create it (it may be empty)`);
  }
  if (!stats.isDirectory()) throw new EventsDirectoryError(`events directory ${absolute} is not a directory`);
  const own = unsafeBecause(stats, `events directory ${absolute}`, false);
  if (own) throw new EventsDirectoryError(own);
  for (let parent = path.dirname(absolute); ; parent = path.dirname(parent)) {
    const problem = unsafeBecause(await fs.stat(parent), `directory ${parent} above the events directory`, true);
    if (problem) throw new EventsDirectoryError(problem);
    if (parent === path.dirname(parent)) break;
  }
}

interface CachedHeader {
  readonly key: string;
  readonly declared: readonly EventName[] | undefined;
  readonly problem: string | undefined;
}

/**
 * Reads an events directory. Headers are cached by inode, size and mtime, so a
 * burst of a thousand takeip events reads each script once, not a thousand times.
 */
export class ScriptCatalog {
  private readonly headers = new Map<string, CachedHeader>();

  constructor(private readonly dir: string) {}

  /** Scripts in lexical order; throws EventsDirectoryError when the directory is unsafe or missing. */
  async list(): Promise<ScriptEntry[]> {
    await checkDirectorySafety(this.dir);
    const names = (await fs.readdir(this.dir)).filter(isScriptName).sort();
    const entries: ScriptEntry[] = [];
    for (const name of names) {
      const entry = await this.describe(name);
      if (entry) entries.push(entry);
    }
    return entries;
  }

  private async describe(name: string): Promise<ScriptEntry | undefined> {
    const file = path.join(this.dir, name);
    let stats: Stats;
    try {
      stats = await fs.stat(file);
    } catch {
      // Removed between readdir and stat, or a dangling symlink: nothing to run.
      return undefined;
    }
    if (!stats.isFile()) {
      return { name, path: file, enabled: false, declaredEvents: undefined, problem: `${file} is not a regular file` };
    }
    const enabled = (stats.mode & 0o100) !== 0;
    const unsafe = unsafeBecause(stats, `script ${file}`, false);
    const header = await this.header(file, stats);
    return { name, path: file, enabled, declaredEvents: header.declared, problem: unsafe ?? header.problem };
  }

  private async header(file: string, stats: Stats): Promise<CachedHeader> {
    const key = `${stats.ino}:${stats.size}:${stats.mtimeMs}`;
    const cached = this.headers.get(file);
    if (cached && cached.key === key) return cached;
    let result: CachedHeader;
    try {
      const handle = await fs.open(file, 'r');
      try {
        const buffer = Buffer.alloc(HEADER_SEARCH_BYTES);
        const { bytesRead } = await handle.read(buffer, 0, HEADER_SEARCH_BYTES, 0);
        result = { key, declared: parseEventsHeader(buffer.subarray(0, bytesRead).toString('utf8')), problem: undefined };
      } finally {
        await handle.close();
      }
    } catch (err) {
      result = { key, declared: undefined, problem: `script ${file}: ${(err as Error).message}` };
    }
    this.headers.set(file, result);
    return result;
  }
}
