// Loopback clusters for the TCP mesh tests: one 127.0.0.x address per node, a shared free port, one cluster key.

import { createServer } from 'node:net';
import { randomBytes } from 'node:crypto';
import { Pnn } from '../../../src/core/flags';
import { ip } from '../../../src/core/ip';
import { createTcpMesh, TcpMesh } from '../../../src/adapters/peer/tcp-mesh';
import { MeshNode, TcpMeshInit } from '../../../src/adapters/peer/options';

/** Node `pnn` lives at 127.0.0.(first + pnn). */
export function loopbackNodes(count: number, first = 1): MeshNode[] {
  return Array.from({ length: count }, (_, pnn) => ({ pnn, address: ip(`127.0.0.${first + pnn}`) }));
}

/** A port that is free now on 127.0.0.1 (and so, almost surely, on the other loopback addresses). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface LoopbackCluster {
  readonly nodes: MeshNode[];
  readonly port: number;
  readonly key: Uint8Array;
  mesh(pnn: Pnn, overrides?: Partial<TcpMeshInit>): TcpMesh;
}

export async function loopbackCluster(count: number, first = 1): Promise<LoopbackCluster> {
  const nodes = loopbackNodes(count, first);
  const port = await freePort();
  const key = new Uint8Array(randomBytes(32));
  return {
    nodes, port, key,
    mesh: (pnn, overrides = {}) => createTcpMesh({
      localPnn: pnn, nodes, port, clusterKey: key, backoff: { initialMs: 20, maxMs: 200 }, ...overrides,
    }),
  };
}
