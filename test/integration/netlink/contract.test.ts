// Runs the netlink port contract against the real adapter in network namespace PREFIX-ct (netns-netlink.ts).

import { cleanupNamespaces, createNamespace, createVeth, ipIn, PREFIX } from '../helpers/netns-netlink';
import { netlinkContract } from '../../unit/adapters/netlink/contract';
import { startRemoteNetlink } from './remote-adapter';

const NS = `${PREFIX}-ct`;
const PEER_NS = `${PREFIX}-ctp`;
const IFACE = `${PREFIX}0ct`;

jest.setTimeout(30000);
afterAll(() => cleanupNamespaces(`${PREFIX}-ct`));

netlinkContract('rtnetlink in a namespace', async () => {
  cleanupNamespaces(`${PREFIX}-ct`);
  createNamespace(NS);
  createNamespace(PEER_NS);
  createVeth(NS, IFACE, PEER_NS, `${PREFIX}0ctp`);
  const port = await startRemoteNetlink(NS);
  return {
    port,
    interfaceName: IFACE,
    foreignAdd: async (address, bits) => { ipIn(NS, 'addr', 'add', `${address}/${bits}`, 'dev', IFACE, ...(address.includes(':') ? ['nodad'] : [])); },
    foreignDelete: async (address, bits) => { ipIn(NS, 'addr', 'del', `${address}/${bits}`, 'dev', IFACE); },
    setLink: async (state) => { ipIn(NS, 'link', 'set', IFACE, state); },
    reset: async () => {
      ipIn(NS, 'addr', 'flush', 'dev', IFACE, 'scope', 'global');
      ipIn(NS, 'link', 'set', IFACE, 'up');
      // let the adapter hear the flush before the next test looks
      await new Promise((resolve) => setTimeout(resolve, 100));
    },
    close: () => port.stop(),
  };
});
