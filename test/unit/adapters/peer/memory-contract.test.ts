// Runs the PeerMesh contract against the in-memory network, which the daemon's multi-node tests rely on.

import { MemoryNetwork } from '../../../../src/adapters/memory/peer';
import { ip } from '../../../../src/core/ip';
import { meshContract } from './contract';

meshContract('memory network', async () => {
  const network = new MemoryNetwork();
  return {
    create: (pnn) => network.join(pnn),
    kill: async (pnn) => network.kill(pnn),
    close: async () => undefined,
    lines: (count, deleted = []) => Array.from({ length: count }, (_, pnn) => ({ pnn, address: deleted.includes(pnn) ? null : ip(`198.51.100.${pnn + 1}`) })),
  };
});
