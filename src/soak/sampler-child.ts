// The address sampler's child: inside one node namespace, dumps the addresses over netlink every few ms and prints each change.
//
// argv: INTERVAL_MS IGNORED_PREFIX... First line `{ wallMinusMonotonic }`: this process's own
// anchor of its wall clock, for the parent's check only. Then one JSON line per change: `t`,
// when the sample's dump returned; `before`, when the dump of the sample before it STARTED;
// and the addresses now present. Both times are CLOCK_MONOTONIC milliseconds (uv_hrtime), the
// one clock every process on the machine reads alike: the parent puts every child's samples
// on its wall clock with ONE offset. The kernel answers a dump at some instant between its
// start and its return, so an address is known present from the end of the first sample
// that saw it to the start of the last one that still did: an overlap of two such stretches
// (all on one clock) is certain, never an artefact of slow dumps. Ends on end of stdin.
//
// Why monotonic: each child used to stamp `performance.timeOrigin + performance.now()`,
// a wall-clock anchor read once per process. Children compared on such per-process anchors
// are only as aligned as those anchors; one child's timeline shifted by a few tens of ms
// turns every move away from its node into an "overlap" (the 5-node soak at fs3: 142 of
// 10-45 ms, all with node 4 giving the address up, while the daemons' logs show the delete
// acknowledged before the take and no client ever saw two MACs; docs/reliability.md).

import { NetlinkChannel } from '../adapters/netlink/channel';
import * as codec from '../adapters/netlink/rtnl-codec';
import { monotonicMs as now } from './shared-clock';

async function main(): Promise<void> {
  const [intervalText, ...ignored] = process.argv.slice(2);
  const intervalMs = Number(intervalText);
  const channel = new NetlinkChannel(0);
  let stopped = false;
  process.stdin.on('end', () => { stopped = true; });
  process.stdin.resume();
  process.stdout.write(`${JSON.stringify({ wallMinusMonotonic: performance.timeOrigin + performance.now() - now() })}\n`);
  let previous: string | null = null;
  let previousAt = now();
  while (!stopped) {
    const started = now();
    const dump = await channel.request(codec.RTM_GETADDR, codec.encodeAddressDump(), { dump: true, what: 'sampling addresses' });
    const at = now();
    const seen: string[] = [];
    for (const message of dump.messages) {
      if (message.type !== codec.RTM_NEWADDR) continue;
      const address = codec.decodeAddress(message);
      if (address === undefined || ignored.some((p) => address.address.text.startsWith(p))) continue;
      seen.push(address.address.text);
    }
    seen.sort();
    const key = seen.join(',');
    if (key !== previous) process.stdout.write(`${JSON.stringify({ t: at, before: previousAt, addresses: seen })}\n`);
    previous = key;
    previousAt = started;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, intervalMs - (now() - started))));
  }
  channel.close();
}

main().then(() => process.exit(0), (error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
