// Adds addresses tagged as floatip's (IFA_PROTO 0xf1) in the namespace it runs in: iproute2 6.1 cannot tag an address.
//
// argv: IFACE ADDRESS/BITS...; exits 0 once all are added, 1 with the error on stderr.

import { ip } from '../../../src/core/ip';
import { RtnetlinkAdapter } from '../../../src/adapters/netlink/rtnetlink';

async function main(): Promise<void> {
  const [iface, ...prefixes] = process.argv.slice(1);
  const netlink = new RtnetlinkAdapter();
  await netlink.start();
  for (const prefix of prefixes) {
    const [address, bits] = prefix.split('/');
    await netlink.addAddress({ interface: iface, address: ip(address), bits: Number(bits) });
  }
  await netlink.stop();
}

main().then(() => process.exit(0), (error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
