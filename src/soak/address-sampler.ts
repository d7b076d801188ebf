// Samples every node's public addresses every few ms (one netlink-dumping child per node namespace) and keeps the timelines.

import { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { spawnHelperIn, stopHelper } from './children';
import { wallMinusMonotonic } from './shared-clock';
import { anchorSkewMs, MonotonicSample, onSharedClock, presencesOf, Presence, SampleChange } from './timeline';

/** The lab's private network and link-local and loopback addresses are not public addresses. */
export const NOT_PUBLIC = ['192.0.2.', 'fe80:', '127.', '::1'];

/** A child whose own wall anchor is further than this from ours is reported: its per-process stamps would have misjudged. */
const ANCHOR_SKEW_REPORTED_MS = 5;


export class AddressSampler {
  private readonly children: ChildProcess[] = [];
  readonly changes: SampleChange[][];
  /** Helper failures (a sampler that died), for the report. */
  readonly problems: string[] = [];
  /** Wall minus monotonic, read once: the soak's clock (performance.timeOrigin + performance.now()) for every child's samples. */
  private readonly offset = wallMinusMonotonic();

  private constructor(count: number) {
    this.changes = Array.from({ length: count }, () => []);
  }

  /** Starts one sampler per namespace; resolves when each has reported its first sample. */
  static async start(namespaces: readonly string[], intervalMs: number, nodeArgs: readonly string[] = []): Promise<AddressSampler> {
    const sampler = new AddressSampler(namespaces.length);
    await Promise.all(namespaces.map((ns, node) => new Promise<void>((resolve, reject) => {
      const child = spawnHelperIn(ns, 'sampler-child', [String(intervalMs), ...NOT_PUBLIC], nodeArgs);
      sampler.children.push(child);
      let stderr = '';
      let started = false;
      child.stderr?.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
      child.once('exit', (code) => {
        if (code === 0) return;
        const problem = `address sampler in ${ns} exited ${code}: ${stderr.trim()}`;
        if (started) sampler.problems.push(problem);
        else reject(new Error(problem));
      });
      createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
        const parsed = JSON.parse(line) as MonotonicSample | { wallMinusMonotonic: number };
        if ('wallMinusMonotonic' in parsed) {
          sampler.noteAnchor(ns, parsed.wallMinusMonotonic);
          return;
        }
        sampler.changes[node].push(onSharedClock(parsed, sampler.offset));
        started = true;
        resolve();
      });
    })));
    return sampler;
  }

  /** A child's own anchor far from ours is worth a line in the report: the artefact its stamps would have made. */
  private noteAnchor(ns: string, childOffset: number): void {
    const skew = anchorSkewMs([childOffset], this.offset);
    if (skew > ANCHOR_SKEW_REPORTED_MS) {
      this.problems.push(`address sampler in ${ns}: its own wall-clock anchor is ${skew.toFixed(1)} ms off the soak's; samples are judged on the shared monotonic clock`);
    }
  }

  async stop(): Promise<void> {
    await Promise.all(this.children.map((child) => stopHelper(child)));
  }

  /** Each node's addresses at its latest sample. */
  current(): string[][] {
    return this.changes.map((list) => [...(list[list.length - 1]?.addresses ?? [])]);
  }

  /** True when every one of `addresses` is on exactly one node at the latest samples. */
  whole(addresses: readonly string[]): boolean {
    const count = new Map<string, number>();
    for (const list of this.current()) for (const a of list) count.set(a, (count.get(a) ?? 0) + 1);
    return addresses.every((a) => count.get(a) === 1);
  }

  presences(): Presence[] {
    return presencesOf(this.changes);
  }
}
