// Starts one floatipd per node inside its namespace, tells whether it runs, and reports those that did not come up.
//
// Each daemon is detached (its own session, so Ctrl-C on the CLI leaves it
// alone), logs to its node's floatipd.log, and its pid goes to floatipd.pid.
// `ip netns exec` execs the daemon in place, so that pid is the daemon's own.

import { spawn } from 'node:child_process';
import { promises as fs, openSync, closeSync } from 'node:fs';
import { pingDaemon } from './control-query';
import { LabNodePlan } from './plan';

/** How often a starting daemon is polled. */
const POLL_MS = 100;
/** How long one ping may take while waiting for start-up. */
const PING_TIMEOUT_MS = 500;
const LOG_TAIL_LINES = 12;
/** Where `ip netns` keeps the named namespaces. */
const NETNS_DIR = '/run/netns';

export type DaemonState = 'running' | 'stopped' | 'gone';

/** Starts floatipd for `node`: `command` (e.g. [node, main.js]) plus `--config FILE`. Resolves with its pid. */
export async function startDaemon(node: LabNodePlan, command: readonly string[]): Promise<number> {
  const log = openSync(node.logPath, 'a', 0o644);
  try {
    await fs.appendFile(node.logPath, `# floatip lab: starting floatipd for node ${node.pnn} at ${new Date().toISOString()}\n`);
    const child = spawn('ip', ['netns', 'exec', node.namespace, ...command, '--config', node.configPath], {
      detached: true, stdio: ['ignore', log, log], cwd: node.dir,
    });
    const pid = await new Promise<number>((resolve, reject) => {
      child.once('spawn', () => resolve(child.pid as number));
      child.once('error', reject);
    });
    child.unref();
    await fs.writeFile(node.pidPath, `${pid}\n`, { mode: 0o644 });
    return pid;
  } finally {
    closeSync(log);
  }
}

/** The pid in the node's pid file, or undefined. */
export async function readPid(node: LabNodePlan): Promise<number | undefined> {
  try {
    const pid = Number((await fs.readFile(node.pidPath, 'utf8')).trim());
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** A process as the lab sees it; `elsewhere`: alive but not (yet) in the node's namespace. */
type ProcessPlace = DaemonState | 'elsewhere';

async function processPlace(node: LabNodePlan, pid: number): Promise<ProcessPlace> {
  try {
    const stat = await fs.readFile(`/proc/${pid}/stat`, 'utf8');
    // The state letter follows the command name in parentheses, which may itself hold spaces.
    const state = stat.charAt(stat.lastIndexOf(')') + 2);
    if (state === 'Z' || state === 'X') return 'gone';
    const [theirs, ours] = await Promise.all([fs.stat(`/proc/${pid}/ns/net`), fs.stat(`${NETNS_DIR}/${node.namespace}`)]);
    if (theirs.ino !== ours.ino || theirs.dev !== ours.dev) return 'elsewhere';
    return state === 'T' || state === 't' ? 'stopped' : 'running';
  } catch {
    return 'gone';
  }
}

/**
 * Whether `pid` is this node's daemon and how it is. The process must live in
 * the node's namespace (same inode as /run/netns/NAME), so a recycled pid is
 * never mistaken for it, while a daemon that re-execs itself still counts.
 */
export async function daemonState(node: LabNodePlan, pid: number | undefined): Promise<DaemonState> {
  if (pid === undefined) return 'gone';
  const place = await processPlace(node, pid);
  return place === 'elsewhere' ? 'gone' : place;
}

/** The last lines of the node's log, for messages about a daemon that failed. */
export async function logTail(node: LabNodePlan, lines = LOG_TAIL_LINES): Promise<string> {
  try {
    const text = await fs.readFile(node.logPath, 'utf8');
    return text.trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

export interface DaemonStartReport {
  readonly pnn: number;
  readonly up: boolean;
  /** Why it is not up (exited, no answer), with the tail of its log. */
  readonly problem?: string;
}

/**
 * Waits until each daemon answers ping on its control socket, exits, or the
 * deadline passes. A daemon counts as up only when it answers: a running
 * process that never opens its socket is reported too.
 */
export async function waitForDaemons(nodes: readonly { node: LabNodePlan; pid: number }[], timeoutMs: number): Promise<DaemonStartReport[]> {
  const deadline = Date.now() + timeoutMs;
  const reports = new Map<number, DaemonStartReport>();
  const lastReason = new Map<number, string>();
  while (reports.size < nodes.length) {
    await Promise.all(nodes.filter(({ node }) => !reports.has(node.pnn)).map(async ({ node, pid }) => {
      // Just started, it may still be `ip netns exec` on its way into the namespace: that is not an exit.
      if ((await processPlace(node, pid)) === 'gone') {
        reports.set(node.pnn, { pnn: node.pnn, up: false, problem: `floatipd (pid ${pid}) exited; the end of ${node.logPath}:\n${indent(await logTail(node))}` });
        return;
      }
      const answer = await pingDaemon(node.controlSocket, PING_TIMEOUT_MS);
      if (answer.ok) reports.set(node.pnn, { pnn: node.pnn, up: true });
      else lastReason.set(node.pnn, answer.reason);
    }));
    if (reports.size === nodes.length) break;
    if (Date.now() >= deadline) {
      for (const { node, pid } of nodes) {
        if (reports.has(node.pnn)) continue;
        reports.set(node.pnn, {
          pnn: node.pnn, up: false,
          problem: `floatipd (pid ${pid}) runs but did not answer on ${node.controlSocket} within ${timeoutMs / 1000} s `
            + `(${lastReason.get(node.pnn) ?? 'no attempt'}); the end of ${node.logPath}:\n${indent(await logTail(node))}`,
        });
      }
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  return nodes.map(({ node }) => reports.get(node.pnn) as DaemonStartReport);
}

function indent(text: string): string {
  return text.split('\n').map((line) => `    ${line}`).join('\n');
}

/** Sends a signal to a daemon; false when it is already gone. */
export function signalDaemon(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(pid, signal);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw err;
  }
}

/** Waits until the daemon has exited, up to `timeoutMs`; true when it has. */
export async function waitForExit(node: LabNodePlan, pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while ((await daemonState(node, pid)) !== 'gone') {
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return true;
}
