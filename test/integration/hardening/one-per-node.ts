// Waiting for a three-node hardening lab to be settled: each of its three public addresses on its own node.

import { DaemonLab, holders, waitFor } from '../daemon/helpers/daemon-lab';

/** Resolves with the layout (address -> pnn) once every address is on exactly one node and no node has two. */
export function onePerNode(lab: DaemonLab, addresses: readonly string[]): Promise<Map<string, number>> {
  return waitFor('every address on one node, one per node', () => {
    const layout = holders(lab, addresses);
    return layout && new Set(layout.values()).size === addresses.length ? layout : undefined;
  }, 30_000, 50);
}
