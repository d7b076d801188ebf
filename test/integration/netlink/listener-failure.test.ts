// A subscriber that throws inside the real adapter is reported, and the subscribers after it still hear every event.

import { cleanupNamespaces, createNamespace, createVeth, ipIn, PREFIX } from '../helpers/netns-netlink';
import { nextEvent } from '../../unit/adapters/netlink/contract';
import { ip } from '../../../src/core/ip';
import { RemoteNetlink, startRemoteNetlink } from './remote-adapter';

const NS = `${PREFIX}-lf`;
const PEER_NS = `${PREFIX}-lfp`;
const IFACE = `${PREFIX}0lf`;

jest.setTimeout(30000);

/** Resolves once `check` holds, polling the IPC-fed state (no fixed sleep). */
async function until(check: () => boolean, what: string): Promise<void> {
  const limit = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > limit) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('netlink subscribers that throw', () => {
  let port: RemoteNetlink;

  beforeAll(async () => {
    cleanupNamespaces(`${PREFIX}-lf`);
    createNamespace(NS);
    createNamespace(PEER_NS);
    createVeth(NS, IFACE, PEER_NS, `${PREFIX}0lfp`);
    port = await startRemoteNetlink(NS, {}, { throwingSubscriber: true });
  });
  afterAll(async () => {
    await port?.stop();
    cleanupNamespaces(`${PREFIX}-lf`);
  });

  it('are reported with the event, for our own changes and the kernel\'s notifications alike, and the next subscriber hears both', async () => {
    const added = nextEvent(port, (e) => e.kind === 'address-added' && e.byUs && e.address.address.text === '198.51.100.9');
    await port.addAddress({ interface: IFACE, address: ip('198.51.100.9'), bits: 24 });
    await added;
    await until(() => port.listenerFailures.some((f) => f.message.includes(`address-added 198.51.100.9/24 on ${IFACE}`)), 'the report of our own add');

    const down = nextEvent(port, (e) => e.kind === 'link-changed' && e.link.name === IFACE && e.link.state === 'down');
    ipIn(NS, 'link', 'set', IFACE, 'down');
    await down;
    await until(() => port.listenerFailures.some((f) => f.message.includes(`link-changed ${IFACE}: subscriber refuses link-changed`)), 'the report of the link change');
    expect(port.listenerFailures.every((f) => f.code === 'E_NETLINK_LISTENER')).toBe(true);
  });
});
