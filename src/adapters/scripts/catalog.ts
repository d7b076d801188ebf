// Finds the scripts of an events directory: CTDB's naming rules, the enable bit, declared events, safety, and the files that never run.

import { promises as fs, readdirSync, statSync, Stats } from 'node:fs';
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
  /** Why it runs for only some events under floatipd (a CTDB script doing floatipd's job); undefined for most. */
  readonly note?: string;
}

/** The events directory itself is unusable: no script runs. */
export class EventsDirectoryError extends Error {
  readonly code = 'E_EVENTS_DIRECTORY';
}

/**
 * The names that run, one row per form, each with where it comes from. Anything else in the
 * directory never runs (`50.samba.rpmsave`, `50.samba~`, `samba.script`), as under CTDB.
 */
const SCRIPT_NAME_FORMS: readonly { readonly pattern: RegExp; readonly why: string }[] = [
  { pattern: /^[0-9]{2}\.[^.\s/]+$/, why: "floatip's (and CTDB's before 4.9) NN.name" },
  { pattern: /^[0-9]{2}\.[^.\s/]+\.script$/, why: "CTDB 4.9+'s events/legacy/NN.name.script" },
];

export function isScriptName(name: string): boolean {
  return !name.endsWith('~') && SCRIPT_NAME_FORMS.some((form) => form.pattern.test(name));
}

/**
 * CTDB scripts that do floatipd's own job in some events: under floatipd they run only for
 * the events listed, one row per script with the reason (said in the log at start and in
 * `floatip event script list`).
 */
const CTDB_SCRIPTS_LIMITED: readonly { readonly name: string; readonly events: readonly EventName[]; readonly why: string }[] = [
  {
    name: '10.interface.script',
    events: ['startup', 'monitor'],
    why: "floatipd adds and deletes public addresses itself: CTDB's 10.interface would add them a second time at takeip "
      + '("Address already assigned") and drop them all at init and shutdown, so only its interface-link monitor runs',
  },
];

/**
 * Files that belong beside scripts and are not meant to run, so are not reported: dot files,
 * READMEs, a `functions` library, CTDB's per-script `NN.name.options`.
 */
function isCompanionFile(name: string): boolean {
  return name.startsWith('.') || /^README/i.test(name) || name === 'functions' || name.endsWith('.options');
}

/** A file of the events directory that will never run, and why. */
export interface IgnoredFile {
  readonly name: string;
  readonly reason: string;
}

/** Why a file with this name never runs. */
export function ignoredBecause(name: string): string {
  if (name.endsWith('~')) return 'an editor backup (ends in ~) never runs';
  return 'its name is neither NN.name nor NN.name.script, so it never runs: rename it to run it';
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
 *
 * Every event checks again, so the directory and its scripts are stat()ed synchronously: a
 * stat of a local inode is microseconds, and through fs.promises each one cost the main loop
 * a promise and a thread-pool round trip. A scan of a 3-script directory took 0.35-0.41 ms of
 * CPU that way and ~0.07 ms synchronously (bench/script-spawn.ts `catalogScan`,
 * docs/benchmarks.md); a failover with 333 addresses runs 333 takeip events.
 */
export async function checkDirectorySafety(dir: string): Promise<void> {
  const absolute = path.resolve(dir);
  let stats: Stats;
  try {
    stats = statSync(absolute);
  } catch (err) {
    throw new EventsDirectoryError(`events directory ${absolute} cannot be read (${(err as Error).message}): create it (it may be empty)`);
  }
  if (!stats.isDirectory()) throw new EventsDirectoryError(`events directory ${absolute} is not a directory`);
  const own = unsafeBecause(stats, `events directory ${absolute}`, false);
  if (own) throw new EventsDirectoryError(own);
  for (let parent = path.dirname(absolute); ; parent = path.dirname(parent)) {
    const problem = unsafeBecause(statSync(parent), `directory ${parent} above the events directory`, true);
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
    return (await this.scan()).scripts;
  }

  /** Scripts, and the other files that will never run (reported, never ignored silently). */
  async scan(): Promise<{ scripts: ScriptEntry[]; ignored: IgnoredFile[] }> {
    await checkDirectorySafety(this.dir);
    const all = readdirSync(this.dir).sort();
    const scripts: ScriptEntry[] = [];
    for (const name of all.filter(isScriptName)) {
      const entry = await this.describe(name);
      if (entry) scripts.push(entry);
    }
    const ignored = all.filter((name) => !isScriptName(name) && !isCompanionFile(name)).map((name) => ({ name, reason: ignoredBecause(name) }));
    return { scripts, ignored };
  }

  private async describe(name: string): Promise<ScriptEntry | undefined> {
    const file = path.join(this.dir, name);
    let stats: Stats;
    try {
      stats = statSync(file);
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
    const limited = CTDB_SCRIPTS_LIMITED.find((row) => row.name === name);
    if (limited) return { name, path: file, enabled, declaredEvents: limited.events, problem: unsafe ?? header.problem, note: limited.why };
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
