// Stress run inside a namespace: 4000 concurrent adds and 2000 deletes while a subscriber listens; prints a JSON verdict.

import { execFileSync } from 'node:child_process';
import { RtnetlinkAdapter } from '../../../src/adapters/netlink/rtnetlink';
import { IpAddress, ip } from '../../../src/core/ip';
import { AddressRequest, NetlinkEvent } from '../../../src/adapters/netlink/port';

const IFACE = process.argv[2];

function requests(): AddressRequest[] {
  const out: AddressRequest[] = [];
  for (const net of ['192.0.2', '198.51.100', '203.0.113']) {
    for (let host = 1; host <= 254 && out.length < 700; host++) out.push({ interface: IFACE, address: ip(`${net}.${host}`), bits: 32 });
  }
  for (let n = 1; out.length < 4000; n++) out.push({ interface: IFACE, address: ip(`2001:db8:5::${n.toString(16)}`), bits: 128 });
  return out;
}

async function main(): Promise<void> {
  const adapter = new RtnetlinkAdapter();
  await adapter.start();
  const events: NetlinkEvent[] = [];
  adapter.subscribe((e) => events.push(e));
  const all = requests();
  const started = Date.now();
  const addOutcomes = await Promise.all(all.map((r) => adapter.addAddress(r)));
  const deleted = all.filter((_, i) => i % 2 === 0);
  const deleteOutcomes = await Promise.all(deleted.map((r) => adapter.deleteAddress(r)));
  const elapsedMs = Date.now() - started;
  // Let the watcher deliver the tail of the notifications before judging.
  await new Promise((resolve) => setTimeout(resolve, 1500));

  const expected = new Set(all.filter((_, i) => i % 2 === 1).map((r) => r.address.text));
  const listed = (await adapter.listAddresses(IFACE)).filter((a) => a.owned).map((a) => a.address.text);
  const kernel = JSON.parse(execFileSync('ip', ['-j', 'addr', 'show', 'dev', IFACE], { encoding: 'utf8' })) as
    { addr_info: { local: string; scope: string }[] }[];
  const kernelGlobal = kernel[0].addr_info.filter((a) => a.scope === 'global').map((a) => ip(a.local) as IpAddress).map((a) => a.text);
  const count = (kind: string, byUs: boolean): number =>
    events.filter((e) => e.kind === kind && 'byUs' in e && e.byUs === byUs).length;

  const verdict = {
    elapsedMs,
    added: addOutcomes.filter((o) => o === 'added').length,
    deleted: deleteOutcomes.filter((o) => o === 'deleted').length,
    listedMatches: listed.length === expected.size && listed.every((t) => expected.has(t)),
    kernelMatches: kernelGlobal.length === expected.size && kernelGlobal.every((t) => expected.has(t)),
    addedByUs: count('address-added', true),
    removedByUs: count('address-removed', true),
    foreignEvents: count('address-added', false) + count('address-removed', false),
    resyncs: events.filter((e) => e.kind === 'resync').length,
    stats: adapter.stats(),
  };
  await adapter.removeOwnedAddresses();
  await adapter.stop();
  process.stdout.write(`${JSON.stringify(verdict)}\n`);
}

main().catch((error) => {
  process.stderr.write(`${(error as Error).stack}\n`);
  process.exit(1);
});
