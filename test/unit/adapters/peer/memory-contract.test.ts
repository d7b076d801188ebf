// Runs the PeerMesh contract against the in-memory network, which the daemon's multi-node tests rely on.

import { MemoryNetwork } from '../../../../src/adapters/memory/peer';
import { meshContract } from './contract';

meshContract('memory network', async () => {
  const network = new MemoryNetwork();
  return {
    create: (pnn) => network.join(pnn),
    kill: async (pnn) => network.kill(pnn),
    close: async () => undefined,
  };
});
