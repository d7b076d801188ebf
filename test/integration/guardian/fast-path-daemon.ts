// A stand-in for floatipd in a namespace: the real fast-path worker and the real guardian, one tagged address held, heartbeats from the main thread.
//
// argv: IFACE. Run with the TypeScript hook as `--require` (ts-daemon.ts), so the worker thread
// loads its .ts file under the same hook. A one-node mesh (never started: nothing is sent on
// the wire) with heartbeat_interval 20 ms, fence_after 400 ms, dead_after 2 s, so a freeze of
// ~0.6 s is past the freeze limit (355 ms) and far from the peers' dead_after. Prints JSON lines:
//   {"ready":true,"guardianPid":N}         the guardian is armed and the address is in place
//   {"confirmed":{"gapMs":N,"waitedMs":M}}  a freeze the guardian answered for: the process goes on
//   {"verdict":WHY}                        the fast path stopped vouching: this process would exit
//   {"ended":END}                          the guardian ended (fenced-no-ticks after a freeze it saw)
// Reads `bye` on stdin: says goodbye to the guardian (the address stays) and exits 0.

import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { ip } from '../../../src/core/ip';
import { RtnetlinkAdapter } from '../../../src/adapters/netlink/rtnetlink';
import { FastPath } from '../../../src/daemon/fastpath/fast-path';
import { siblingScript } from '../../../src/sibling';
import { HeartbeatMessage } from '../../../src/protocol/frame-messages';

const [iface] = process.argv.slice(2);
const ADDRESS = '203.0.113.10';

function say(fields: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(fields)}\n`);
}

async function main(): Promise<void> {
  const fastPath = FastPath.start({
    mesh: { localPnn: 0, nodes: [{ pnn: 0, address: ip('192.0.2.1') }], clusterKey: randomBytes(32) },
    heartbeatIntervalMs: 20, fenceAfterMs: 400, deadAfterMs: 2000,
    script: siblingScript(join(__dirname, '..', '..', '..', 'src', 'daemon', 'fastpath'), 'worker-main'),
    onStallConfirmed: (gapMs, waitedMs) => say({ confirmed: { gapMs, waitedMs } }),
  }, (why) => say({ verdict: why }));
  const guardian = await fastPath.spawnGuardian({ fenceAfterMs: 400 }, { ended: (end) => say({ ended: end }) });
  const netlink = new RtnetlinkAdapter();
  await netlink.start();
  await netlink.addAddress({ interface: iface, address: ip(ADDRESS), bits: 24 });
  await netlink.stop();
  fastPath.trackHolding(() => 1);
  const beat: HeartbeatMessage = {
    kind: 'heartbeat', pnn: 0, beat: 0, flags: 0, monitor: 'healthy', epoch: 1, leader: 0, links: [],
    hosted: [ip(ADDRESS)], partition: [0], heard: [], voters: [0],
  };
  setInterval(() => fastPath.broadcast(beat), 20);
  // A round trip through the worker, which handles messages in order: our first heartbeat has gone by its answer
  // (a freeze before any heartbeat is one the peers may already count dead).
  fastPath.broadcast(beat);
  await fastPath.stop();
  say({ ready: true, guardianPid: guardian.pid });
  createInterface({ input: process.stdin }).on('line', (line) => {
    if (line === 'bye') void guardian.bye().then(() => fastPath.close()).then(() => process.exit(0));
  });
}

main().catch((error) => {
  say({ error: String(error) });
  process.exit(1);
});
