// Continues a frozen floatipd; when it was frozen long enough to have fenced itself, waits for its exit so heal can start it again.
//
// A floatipd whose event loop stood still for 3/4 of fence_after exits on
// resume, by design: its guardian has removed (or is removing) its addresses
// and the cluster counts the node as dead. `heal` should leave the node running,
// so it must tell "continued and fine" from "continued and about to exit". The
// freeze time comes from the file `fail --mode freeze` writes; fence_after from
// the node's own floatip.toml, as the daemon read it.

import { promises as fs } from 'node:fs';
import { loadConfig } from '../config';
import { signalDaemon, waitForExit } from './daemons';
import { LabNodePlan } from './plan';

/** Long enough for the daemon's stall watch (every fence_after/4) to fire and the process to end, with room for a busy machine. */
const EXIT_AFTER_RESUME_WAIT_MS = 3000;

/** Writes the freeze time before SIGSTOP, for `heal`. */
export async function recordFreeze(node: LabNodePlan, at: Date): Promise<void> {
  await fs.writeFile(node.frozenSincePath, `${at.toISOString()}\n`, { mode: 0o644 });
}

async function frozenSince(node: LabNodePlan): Promise<number | undefined> {
  try {
    const at = Date.parse((await fs.readFile(node.frozenSincePath, 'utf8')).trim());
    return Number.isFinite(at) ? at : undefined;
  } catch {
    return undefined;
  }
}

/** The stall after which this node's daemon exits on resume (3/4 fence_after), or undefined when its config cannot be read. */
async function stallLimitMs(node: LabNodePlan): Promise<number | undefined> {
  const loaded = await loadConfig({ tomlPath: node.configPath }, (path) => fs.readFile(path, 'utf8')).catch(() => undefined);
  return loaded?.ok ? (loaded.config.timing.fence_after * 3) / 4 : undefined;
}

/**
 * Whether a daemon frozen since `since` (undefined: not known, e.g. stopped by
 * hand) may have fenced itself, given its stall limit (undefined: not known).
 * Unknown counts as "may have": waiting a little costs less than leaving a node down.
 */
export function mayHaveFenced(since: number | undefined, now: number, limitMs: number | undefined): boolean {
  if (since === undefined || limitMs === undefined) return true;
  return now - since >= limitMs;
}

export type ResumeOutcome = 'continued' | 'exited';

/** SIGCONT, then, if the freeze was long enough to fence, waits for the daemon to exit. */
export async function resumeDaemon(node: LabNodePlan, pid: number, now: () => number = Date.now): Promise<ResumeOutcome> {
  const [since, limit] = await Promise.all([frozenSince(node), stallLimitMs(node)]);
  const fenced = mayHaveFenced(since, now(), limit);
  signalDaemon(pid, 'SIGCONT');
  await fs.rm(node.frozenSincePath, { force: true });
  if (!fenced) return 'continued';
  return (await waitForExit(node, pid, EXIT_AFTER_RESUME_WAIT_MS)) ? 'exited' : 'continued';
}
