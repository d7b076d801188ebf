// Runs the PeerMesh contract against the TCP mesh on loopback (127.0.0.x per node), real sockets and real HMACs.

import { meshContract } from '../../unit/adapters/peer/contract';
import { loopbackCluster } from './loopback';

jest.setTimeout(20000);

meshContract('TCP mesh on loopback', async () => {
  const cluster = await loopbackCluster(3, 21);
  return {
    create: (pnn) => cluster.mesh(pnn),
    // In-process, a crash is the sockets closing without a word: stop() with nobody listening.
    kill: (_pnn, mesh) => mesh.stop(),
    close: async () => undefined,
    lines: (count, deleted = []) => cluster.nodes.slice(0, count).map((n) => (deleted.includes(n.pnn) ? { pnn: n.pnn, address: null } : n)),
  };
});
