// A stopping mesh's last words reach its peers: LEAVING survives the peer writing to a stopping node (issue 13).
//
// A 4-node lab lost LEAVING: the stopping daemon sent it, closed its sockets with the peers'
// last heartbeats still unread, so its kernel answered with a TCP RST; the peer, busy for a
// few ms, then wrote its own heartbeat, got EPIPE, and Node destroyed the socket with LEAVING
// still unread in the kernel. The peer counted a crash, not a leave (expected votes 3, not 2).
// Here the same order of events is forced on loopback in one turn of the event loop: both
// sides' frames reach the kernel, node 0 stops before anyone reads, node 1 writes before it
// reads. Node 1 must still hear LEAVING, and the connection must end as a leave.

import { Pnn } from '../../../src/core/flags';
import { TcpMesh } from '../../../src/adapters/peer/tcp-mesh';
import { beat, Node, waitFor } from '../../unit/adapters/peer/contract';
import { loopbackCluster, LoopbackCluster } from './loopback';
import { HonestPeer } from './raw-peer';

jest.setTimeout(20000);

describe('a mesh that stops', () => {
  let cluster: LoopbackCluster;
  const started: TcpMesh[] = [];

  beforeEach(async () => {
    cluster = await loopbackCluster(2, 31);
  });
  afterEach(async () => {
    for (const mesh of started.splice(0)) await mesh.stop();
  });

  async function startNode(pnn: Pnn): Promise<Node> {
    const mesh = cluster.mesh(pnn);
    started.push(mesh);
    const node = new Node(pnn, mesh);
    await mesh.start();
    return node;
  }

  it('delivers LEAVING although it had unread frames and the peer writes to it before reading', async () => {
    const [stopping, peer] = [await startNode(0), await startNode(1)];
    await waitFor('both connected', () => stopping.mesh.connected().length === 1 && peer.mesh.connected().length === 1);

    // One turn: each side queues a frame (written out at the end of the turn), then, before
    // the loop polls for input, node 0 stops and node 1 writes again.
    peer.mesh.send(0, beat(1, 1));
    stopping.mesh.send(1, { kind: 'leaving', pnn: 0, reason: 'shutdown' });
    const stopped = new Promise<void>((resolve) => process.nextTick(() => {
      const stopping0 = stopping.mesh.stop();
      process.nextTick(() => peer.mesh.send(0, beat(1, 2)));
      void stopping0.then(resolve);
    }));
    await stopped;

    await waitFor('node 1 to see the connection go', () => peer.downs().length === 1);
    const heard = peer.events.flatMap((e) => (e.kind === 'message' && e.from === 0 ? [e.message.kind] : []));
    expect(heard).toContain('leaving');
    expect(peer.downs().map((d) => [d.pnn, d.reason])).toEqual([[0, 'leaving']]);
  });

  it('ends as "stopped" on the stopping side and as "closed" on the peer, which answered its FIN', async () => {
    const [stopping, peer] = [await startNode(0), await startNode(1)];
    await waitFor('both connected', () => stopping.mesh.connected().length === 1 && peer.mesh.connected().length === 1);
    await stopping.mesh.stop();
    expect(stopping.downs().map((d) => [d.pnn, d.reason])).toEqual([[1, 'stopped']]);
    await waitFor('node 1 to see the connection go', () => peer.downs().length === 1);
    expect(peer.downs().map((d) => [d.pnn, d.reason])).toEqual([[0, 'closed']]);
  });

  it('does not wait for ever on a peer that never closes its side: it gives up after its linger', async () => {
    cluster = await loopbackCluster(2, 33);
    const mesh = cluster.mesh(1, { stopLingerMs: 200 });
    started.push(mesh);
    const node = new Node(1, mesh);
    await mesh.start();
    const address = (pnn: Pnn): string => cluster.nodes[pnn].address?.text as string;
    // Node 0 as a hand-driven peer that keeps its side open after our FIN (a frozen daemon would).
    const frozen = await HonestPeer.connect({ from: address(0), to: address(1), port: cluster.port, pnn: 0, key: cluster.key, expected: 1 });
    frozen.raw.socket.allowHalfOpen = true;
    await waitFor('node 1 to see node 0', () => mesh.connected().length === 1);
    await mesh.stop();
    expect(node.downs().map((d) => [d.pnn, d.reason])).toEqual([[0, 'stopped']]);
    // It got our FIN; stop() did not wait for its own.
    await waitFor('our FIN to reach node 0', () => frozen.raw.socket.readableEnded);
    frozen.raw.destroy();
  });
});
