// Samples every node's public addresses every few ms (one netlink-dumping child per node namespace) and keeps the timelines.

import { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { spawnHelperIn, stopHelper } from './children';
import { presencesOf, Presence, SampleChange } from './timeline';

/** The lab's private network and link-local and loopback addresses are not public addresses. */
export const NOT_PUBLIC = ['192.0.2.', 'fe80:', '127.', '::1'];

export class AddressSampler {
  private readonly children: ChildProcess[] = [];
  readonly changes: SampleChange[][];
  /** Helper failures (a sampler that died), for the report. */
  readonly problems: string[] = [];

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
        sampler.changes[node].push(JSON.parse(line) as SampleChange);
        started = true;
        resolve();
      });
    })));
    return sampler;
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
