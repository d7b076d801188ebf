// A stand-in for floatipd in a namespace: adds tagged addresses, keeps the real guardian (GuardianKeeper), then obeys the test.
//
// argv: IFACE FENCE_AFTER_MS. Prints one JSON line {"ready":true,"guardianPid":N} when the
// guardian is armed and the addresses are in place, and one line per keeper report:
//   {"unguarded":"silent"|"ended","detail":...}   the guardian was lost (frozen: killed by the keeper)
//   {"guarded":true,"guardianPid":N}              a new guardian is ready
//   {"fenced":WHY}                                the keeper says this daemon must end (the guardian fenced)
// Then reads lines on stdin:
//   bye   -> releases nothing (the test checks the guardian leaves the addresses), says goodbye, prints the ending, exits 0
//   block -> blocks its own event loop for good (ticks stop, as in a hung daemon)
// SIGKILL and SIGSTOP come from the test directly.

import { createInterface } from 'node:readline';
import { ip } from '../../../src/core/ip';
import { RtnetlinkAdapter } from '../../../src/adapters/netlink/rtnetlink';
import { GuardianKeeper } from '../../../src/daemon/wiring/guardian-spawn';

const [iface, fenceAfter] = process.argv.slice(1);

function say(fields: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(fields)}\n`);
}

/** Nothing but errors: the test reads this process's stdout as JSON lines. */
const quietLogger = {
  debug: () => undefined, info: () => undefined, warn: () => undefined,
  error: (fields: Record<string, unknown>, message: string) => process.stderr.write(`${JSON.stringify({ ...fields, message })}\n`),
  child: () => quietLogger,
};

async function main(): Promise<void> {
  // The keeper's own default: the built guardian program.
  const keeper: GuardianKeeper = await GuardianKeeper.start({
    fenceAfterMs: Number(fenceAfter),
    onGuard: (change) => say(change.guarded ? { guarded: true, guardianPid: keeper.pid } : { unguarded: change.cause, detail: change.detail }),
  }, quietLogger, (why) => say({ fenced: why }));
  const netlink = new RtnetlinkAdapter();
  await netlink.start();
  for (const [address, bits] of [['192.0.2.10', 24], ['198.51.100.10', 24], ['2001:db8::10', 64]] as const) {
    await netlink.addAddress({ interface: iface, address: ip(address), bits });
  }
  await netlink.stop();
  say({ ready: true, guardianPid: keeper.pid });
  createInterface({ input: process.stdin }).on('line', (line) => {
    if (line === 'bye') {
      void keeper.bye().then((end) => { say({ bye: end }); process.exit(0); });
    } else if (line === 'block') {
      for (;;) { /* a hung daemon: its loop never comes back */ }
    }
  });
}

main().catch((error) => {
  say({ error: String(error) });
  process.exit(1);
});
