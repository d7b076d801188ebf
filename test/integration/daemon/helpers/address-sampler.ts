// Samples the public addresses of every node namespace every few ms (a netlink dump in a child per namespace) and judges the timelines.
//
// Each child prints a line when its set changes: the sample time and the time of the
// sample before it, so an address is known present from the first sample that saw it to
// the last one that still did. Two such intervals of one address on two nodes that
// overlap mean it answered on both at once; a duplicate shorter than one sample period
// can slip between samples, which is the resolution the tests ask for (10 ms).

import { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { REPO_ROOT, spawnTsInNamespace } from '../../helpers/netns-child';
import { NOT_PUBLIC } from '../../../../src/soak/address-sampler';
import { Overlap, overlapsOf, Presence, presencesOf, SampleChange } from '../../../../src/soak/timeline';

const SAMPLER_MAIN = `
const { NetlinkChannel } = require(${JSON.stringify(join(REPO_ROOT, 'src/adapters/netlink/channel.ts'))});
const codec = require(${JSON.stringify(join(REPO_ROOT, 'src/adapters/netlink/rtnl-codec.ts'))});
const [intervalText, ...ignoredPrefixes] = process.argv.slice(1);
const channel = new NetlinkChannel(0);
const now = () => performance.timeOrigin + performance.now();
let previous = null;
let previousAt = now();
let stopped = false;
// As in src/soak/sampler-child.ts: \`before\` is the START of the previous dump, so a presence ends
// where it is certain and an overlap of two presences is never an artefact of a slow dump.
async function sample() {
  const started = now();
  const dump = await channel.request(codec.RTM_GETADDR, codec.encodeAddressDump(), { dump: true, what: 'sampling' });
  const at = now();
  const seen = [];
  for (const message of dump.messages) {
    if (message.type !== codec.RTM_NEWADDR) continue;
    const a = codec.decodeAddress(message);
    if (a === undefined || ignoredPrefixes.some((p) => a.address.text.startsWith(p))) continue;
    seen.push(a.address.text);
  }
  seen.sort();
  const key = seen.join(',');
  if (key !== previous) process.stdout.write(JSON.stringify({ t: at, before: previousAt, addresses: seen }) + '\\n');
  previous = key;
  previousAt = started;
}
async function loop() {
  while (!stopped) {
    const started = now();
    await sample();
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, Number(intervalText) - (now() - started))));
  }
  channel.close();
  process.exit(0);
}
process.stdin.on('end', () => { stopped = true; });
process.stdin.resume();
loop().catch((error) => { process.stderr.write(String(error.stack) + '\\n'); process.exit(1); });
`;

export type { Presence, SampleChange } from '../../../../src/soak/timeline';

export class AddressSampler {
  private readonly children: ChildProcess[] = [];
  readonly changes: SampleChange[][];

  private constructor(count: number) {
    this.changes = Array.from({ length: count }, () => []);
  }

  /** Starts one sampler per namespace; resolves when each has reported its first sample. */
  static async start(namespaces: readonly string[], intervalMs: number, ignoredPrefixes: readonly string[] = NOT_PUBLIC): Promise<AddressSampler> {
    const sampler = new AddressSampler(namespaces.length);
    await Promise.all(namespaces.map((ns, node) => new Promise<void>((resolve, reject) => {
      const child = spawnTsInNamespace(ns, { main: SAMPLER_MAIN, args: [String(intervalMs), ...ignoredPrefixes] });
      sampler.children.push(child);
      let stderr = '';
      child.stderr?.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
      child.once('exit', (code) => { if (code !== 0) reject(new Error(`sampler in ${ns} exited ${code}: ${stderr}`)); });
      createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
        sampler.changes[node].push(JSON.parse(line) as SampleChange);
        resolve();
      });
    })));
    return sampler;
  }

  async stop(): Promise<void> {
    await Promise.all(this.children.map((child) => new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.stdin?.end();
    })));
  }

  /** Every stretch of time an address was on a node. */
  presences(): Presence[] {
    return presencesOf(this.changes);
  }

  /** Every stretch during which one address was seen on two nodes (`from`..`to` of the overlap). */
  overlaps(): Overlap[] {
    return overlapsOf(this.presences());
  }

  /** The overlaps as readable lines, leaving out those that begin inside one of the `excused` windows. */
  duplicates(excused: ReadonlyArray<readonly [number, number]> = []): string[] {
    return this.overlaps()
      .filter((o) => !excused.some(([from, to]) => o.from >= from && o.from <= to))
      .map((o) => `${o.address} on nodes ${o.nodes.join(' and ')} from ${o.from.toFixed(1)} for ${(o.to - o.from).toFixed(1)} ms`);
  }

  /** The first time after `after` at which `node` was seen holding `address`, or undefined. */
  firstSeen(node: number, address: string, after: number): number | undefined {
    return this.presences().filter((p) => p.node === node && p.address === address && p.from >= after)
      .map((p) => p.from).sort((x, y) => x - y)[0];
  }

  /** The last time `node` was seen holding `address` in a presence that ended after `after`, or undefined (Infinity: still there). */
  lastSeen(node: number, address: string, after: number): number | undefined {
    return this.presences().filter((p) => p.node === node && p.address === address && p.to >= after)
      .map((p) => p.to).sort((x, y) => y - x)[0];
  }
}
