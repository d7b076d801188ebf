// A stand-in for floatipd in a namespace: adds tagged addresses, runs the real guardian link, then obeys the test.
//
// argv: IFACE FENCE_AFTER_MS. Prints one JSON line {"ready":true,"guardianPid":N} when the
// guardian is armed and the addresses are in place. Then reads lines on stdin:
//   bye   -> releases nothing (the test checks the guardian leaves the addresses), says goodbye, prints the ending, exits 0
//   block -> blocks its own event loop for good (ticks stop, as in a hung daemon)
// SIGKILL and SIGSTOP come from the test directly.

import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { ip } from '../../../src/core/ip';
import { RtnetlinkAdapter } from '../../../src/adapters/netlink/rtnetlink';
import { GuardianLink } from '../../../src/daemon/guardian-client';
import { TS_REQUIRE_HOOK } from './namespace';

const [iface, fenceAfter] = process.argv.slice(1);

function say(fields: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(fields)}\n`);
}

async function main(): Promise<void> {
  const guardianMain = path.resolve(__dirname, '../../../src/daemon/guardian-main.ts');
  const link = await GuardianLink.start({
    fenceAfterMs: Number(fenceAfter),
    command: { execPath: process.execPath, args: ['-e', `${TS_REQUIRE_HOOK}; require(${JSON.stringify(guardianMain)}).runGuardian(process.argv.slice(1));`, '--'] },
    readyTimeoutMs: 20000,
  }, (end) => say({ guardianEnded: end }));
  const netlink = new RtnetlinkAdapter();
  await netlink.start();
  for (const [address, bits] of [['192.0.2.10', 24], ['198.51.100.10', 24], ['2001:db8::10', 64]] as const) {
    await netlink.addAddress({ interface: iface, address: ip(address), bits });
  }
  await netlink.stop();
  say({ ready: true, guardianPid: link.pid });
  createInterface({ input: process.stdin }).on('line', (line) => {
    if (line === 'bye') {
      void link.bye().then((end) => { say({ bye: end }); process.exit(0); });
    } else if (line === 'block') {
      for (;;) { /* a hung daemon: its loop never comes back */ }
    }
  });
}

main().catch((error) => {
  say({ error: String(error) });
  process.exit(1);
});
