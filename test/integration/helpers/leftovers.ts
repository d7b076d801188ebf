// The processes a test run left behind: every descendant of the jest process still alive when the integration tests are over.
//
// A test that fails half-way can skip its own cleanup. A child it left running (a tcpdump, a
// daemon, an `ip netns exec` shell) holds a pipe to jest, and jest then waits for it forever:
// once that cost CI its whole 90 minutes after a 12-minute run. The integration project's
// global teardown (integration-teardown.ts) kills what is left and names it.

import { readdirSync, readFileSync } from 'node:fs';

export interface Leftover {
  readonly pid: number;
  readonly command: string;
}

/** The state and parent pid in a /proc/PID/stat line (the command in parentheses may itself hold spaces and parentheses). */
export function statOf(stat: string): { state: string; parent: number } {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { state: fields[0], parent: Number(fields[1]) };
}

function readOr(path: string, fallback: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return fallback; // the process ended while we looked
  }
}

/** Every live descendant of `root` (zombies left out), parents before their children. */
export function descendantsOf(root: number, proc = '/proc'): Leftover[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync(proc)) {
    if (!/^\d+$/.test(name)) continue;
    const stat = readOr(`${proc}/${name}/stat`, '');
    if (stat === '') continue;
    const { state, parent } = statOf(stat);
    // A zombie has ended and holds nothing open; its parent has not reaped it yet.
    if (state === 'Z') continue;
    children.set(parent, [...(children.get(parent) ?? []), Number(name)]);
  }
  const out: Leftover[] = [];
  const queue = [...(children.get(root) ?? [])];
  while (queue.length > 0) {
    const pid = queue.shift() as number;
    const command = readOr(`${proc}/${pid}/cmdline`, '').split('\0').filter((a) => a !== '').join(' ');
    out.push({ pid, command });
    queue.push(...(children.get(pid) ?? []));
  }
  return out;
}
