// Watches every node's floatipd and tells injected exits (kill, stop, a fenced thaw) and stall exits from crashes.
//
// The lab starts daemons detached, so their exit status is not ours to read: the
// watch polls each node's pid file and /proc every 100 ms. The injector says before a
// fault what exit to expect; a daemon that is gone without such a word is a crash, and
// the end of its log goes into the report, unless its log says it ended itself because
// its event loop stood still while it held addresses (the soak's background load can do
// that): the designed fence, counted apart as a stall exit (issue 17 is about making them rare).

import { promises as fs } from 'node:fs';
import { daemonState, readPid } from '../lab/daemons';
import { LabNodePlan } from '../lab/plan';

const POLL_MS = 100;
/**
 * The line floatipd exits with after a stall while it held addresses: its main loop's own
 * ("event loop stalled for N ms", src/daemon/wiring/guardian-spawn.ts) or the fast-path
 * worker's verdict ("... stood still ...", src/daemon/fastpath).
 */
const STALL_MESSAGE = /floatipd exits at once: (event loop stalled|[^"]*stood still)/;
/** What floatipd logs when it finds, after a freeze, that it was fenced: its guardian removed the addresses, or it saw the stall itself. */
const FENCED_MESSAGE = new RegExp(`the guardian removed this node|${STALL_MESSAGE.source}`);

/** `exit`: the soak kills or stops it; `fence`: it is frozen and may exit once thawed if its guardian fenced it. */
export type ExpectedExit = 'none' | 'exit' | 'fence';

export interface DaemonExit {
  readonly node: number;
  readonly t: number;
  readonly pid: number;
  readonly kind: 'injected' | 'fenced-after-freeze' | 'stall-exit' | 'crash';
  /** For a crash or a stall exit: the end of the node's log. */
  readonly logTail?: string;
}

const now = (): number => performance.timeOrigin + performance.now();

export class ExitWatch {
  readonly exits: DaemonExit[] = [];
  private readonly expected: ExpectedExit[];
  private readonly lastPid: (number | undefined)[];
  private readonly down: boolean[];
  /** Whether the current pid was ever seen inside the node's namespace: a daemon on its way in is not gone. */
  private readonly seenAlive: boolean[];
  /** Pids whose exit is recorded: the poll and a heal may both notice one exit. */
  private readonly reported = new Set<number>();
  private timer: NodeJS.Timeout | undefined;
  private polling = false;

  constructor(private readonly nodes: readonly LabNodePlan[], private readonly onCrash: (exit: DaemonExit) => void) {
    this.expected = nodes.map(() => 'none');
    this.lastPid = nodes.map(() => undefined);
    this.down = nodes.map(() => false);
    this.seenAlive = nodes.map(() => false);
  }

  start(): void {
    this.timer = setInterval(() => {
      this.poll().catch((error: unknown) => process.stderr.write(`exit watch: a poll failed: ${error instanceof Error ? error.message : String(error)}\n`));
    }, POLL_MS);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  expect(node: number, what: ExpectedExit): void {
    this.expected[node] = what;
  }

  /** The node's daemon was started again (by a heal): watch the new one. */
  started(node: number): void {
    this.expected[node] = 'none';
    this.down[node] = false;
  }

  /**
   * The lab's heal continues a frozen daemon, waits for it to exit if it fenced itself,
   * and starts it again in the same call, faster than a poll: the heal reports that exit
   * here. Its log between the last two starts says whether it was a fence or a crash.
   */
  async exitedDuringHeal(node: number, pid: number): Promise<void> {
    this.classify(node, pid, await exitSegment(this.nodes[node], true));
  }

  crashes(): DaemonExit[] {
    return this.exits.filter((e) => e.kind === 'crash');
  }

  private async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      await Promise.all(this.nodes.map((node) => this.check(node)));
    } finally {
      this.polling = false;
    }
  }

  private async check(node: LabNodePlan): Promise<void> {
    const pnn = node.pnn;
    const pid = await readPid(node);
    if (pid !== this.lastPid[pnn]) {
      this.lastPid[pnn] = pid;
      this.seenAlive[pnn] = false;
      if (pid !== undefined) this.down[pnn] = false;
    }
    if (pid === undefined || this.down[pnn]) return;
    if ((await daemonState(node, pid)) !== 'gone') {
      this.seenAlive[pnn] = true;
      return;
    }
    // `ip netns exec` not yet in the namespace looks gone too; one that dies before getting there is the heal's to report.
    if (!this.seenAlive[pnn]) return;
    this.down[pnn] = true;
    const expected = this.expected[pnn];
    if (expected === 'exit') {
      this.reported.add(pid);
      this.exits.push({ node: pnn, t: now(), pid, kind: 'injected' });
      return;
    }
    // A heal may already have started the next daemon (and written its start line): then the dead one's log is the segment before.
    const restarted = (await readPid(node)) !== pid;
    this.classify(pnn, pid, await exitSegment(node, restarted));
  }

  private classify(pnn: number, pid: number, segment: string): void {
    if (this.reported.has(pid)) return;
    this.reported.add(pid);
    const kind = exitKind(this.expected[pnn], segment);
    if (kind === 'fenced-after-freeze') {
      this.exits.push({ node: pnn, t: now(), pid, kind });
      return;
    }
    const exit: DaemonExit = { node: pnn, t: now(), pid, kind, logTail: segment.trimEnd().split('\n').slice(-15).join('\n') };
    this.exits.push(exit);
    this.onCrash(exit);
  }
}

/**
 * What an exit nobody caused outright was, from what the soak expected of the node and the
 * dead daemon's log: a frozen node that found itself fenced once thawed, a daemon that ended
 * itself on a stall of its own loop, or a crash (anything else).
 */
export function exitKind(expected: ExpectedExit, segment: string): 'fenced-after-freeze' | 'stall-exit' | 'crash' {
  if (expected === 'fence' && FENCED_MESSAGE.test(segment)) return 'fenced-after-freeze';
  if (STALL_MESSAGE.test(segment)) return 'stall-exit';
  return 'crash';
}

/** The lab writes this line before each start of a node's daemon. */
const START_LINE = /# floatip lab: starting floatipd/g;

/** The log of the node's latest daemon, or with `restarted` of the one before it (a heal started the next). */
async function exitSegment(node: LabNodePlan, restarted: boolean): Promise<string> {
  return deadDaemonSegment(await fs.readFile(node.logPath, 'utf8').catch(() => ''), restarted);
}

/**
 * The part of a node's log written by the daemon that just died: the last start segment, or
 * the one before it when a heal started the next daemon (`restarted`). A heal writes the next
 * start line before the new pid file, so a check can see the old pid and still read the new
 * start line: a last segment with nothing after its start line belongs to a daemon that has
 * not said anything yet, and is skipped too (seen in CI: a fenced thaw counted as a crash).
 */
export function deadDaemonSegment(text: string, restarted: boolean): string {
  const starts = [...text.matchAll(START_LINE)].map((m) => m.index ?? 0);
  if (starts.length === 0) return text;
  const segments = starts.map((from, i) => text.slice(from, starts[i + 1] ?? text.length));
  let last = segments.length - 1;
  if (last > 0 && (restarted || segments[last].trim().split('\n').length === 1)) last--;
  return segments[last];
}
