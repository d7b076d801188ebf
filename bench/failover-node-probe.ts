// The failover bench's probe in one node namespace: a TCP listener that names its node, and a netlink log of public addresses and links.
//
// Run by the bench as `ip netns exec NODE-NS node failover-node-probe.js PNN IFACE...`.
// Addresses and carrier changes come from the kernel's notifications (the project's
// RtnetlinkAdapter, whose notification reader survives bursts of thousands), so a change is
// stamped when it happened rather than when a poll noticed it. The probe ends when its
// stdin closes (the bench is done or died).

import { createServer } from 'node:net';
import { RtnetlinkAdapter } from '../src/adapters/netlink/rtnetlink';
import { InterfaceAddress } from '../src/adapters/netlink/port';
import { monotonicMs, NodeProbeLine, PROBE_PORT } from './failover-messages';

/** The lab's private mesh network and addresses no failover ever moves. */
function isPublic(address: InterfaceAddress): boolean {
  const text = address.address.text;
  return !text.startsWith('192.0.2.') && !text.startsWith('127.') && !text.startsWith('fe80:') && text !== '::1';
}

function emit(line: NodeProbeLine): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

async function main(): Promise<void> {
  const [pnnText, publicInterface, ...watchedLinks] = process.argv.slice(2);
  const pnn = Number(pnnText);
  const links = new Set([publicInterface, ...watchedLinks]);

  const server = createServer((socket) => {
    socket.on('error', () => undefined);
    socket.end(`${pnn}\n`);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: '::', port: PROBE_PORT, ipv6Only: false, backlog: 4096 }, resolve);
  });

  const netlink = new RtnetlinkAdapter();
  netlink.subscribe((event) => {
    const t = monotonicMs();
    if ((event.kind === 'address-added' || event.kind === 'address-removed') && isPublic(event.address)) {
      emit({ e: event.kind === 'address-added' ? 'add' : 'del', t, address: event.address.address.text });
    } else if (event.kind === 'link-changed' && links.has(event.link.name) && event.link.state !== event.previous) {
      emit({ e: 'link', t, name: event.link.name, state: event.link.state });
    }
  });
  await netlink.start();
  const mac = (await netlink.lookupLink(publicInterface))?.mac ?? '';
  const addresses = (await netlink.listAddresses()).filter(isPublic).map((a) => a.address.text);
  emit({ e: 'ready', t: monotonicMs(), mac, addresses });

  const stop = (): void => {
    void netlink.stop();
    server.close();
    process.exit(0);
  };
  process.stdin.on('end', stop);
  process.stdin.on('error', stop);
  process.stdin.resume();
}

main().catch((error: unknown) => {
  emit({ e: 'error', message: (error as Error).stack ?? String(error) });
  process.exit(1);
});
