// The PeerMesh contract: one suite, run against the in-memory network (unit) and the TCP mesh on loopback (integration).

import { Pnn } from '../../../../src/core/flags';
import { ip } from '../../../../src/core/ip';
import { HeartbeatMessage } from '../../../../src/protocol/frame-messages';
import { MeshEvent, PeerMesh } from '../../../../src/adapters/peer/port';
import type { MeshNode } from '../../../../src/adapters/peer/options';
import { holds, pollUntil } from '../../../helpers/poll';

/** What the suite needs: meshes for nodes 0..n-1 of one cluster, and a way to kill a node's process. */
export interface MeshWorld {
  /** A new, unstarted mesh for `pnn` (again after kill or stop: the node restarts). */
  create(pnn: Pnn): PeerMesh;
  /** The node's process dies; its mesh is not told. */
  kill(pnn: Pnn, mesh: PeerMesh): Promise<void>;
  /** Stops whatever is left. */
  close(): Promise<void>;
  /** The lines of `nodes` of a cluster of `count`, those in `deleted` commented out (for setNodes). */
  lines(count: number, deleted?: readonly Pnn[]): MeshNode[];
}

/** A heartbeat is the message the mesh carries most; `beat` numbers them for order checks. */
export function beat(pnn: Pnn, n: number): HeartbeatMessage {
  return {
    kind: 'heartbeat', pnn, beat: n, flags: 0, monitor: 'healthy', epoch: 7, leader: 0,
    links: [{ iface: 'eth0', state: 'up' }], hosted: [ip('192.0.2.10'), ip('2001:db8::10')], partition: [pnn],
    heard: [], voters: [],
  };
}

/** Polls until `check` holds, or fails naming `what`. */
export async function waitFor(what: string, check: () => boolean, timeoutMs = 5000): Promise<void> {
  await pollUntil(holds(check), { what, timeoutMs, everyMs: 5 });
}

/** A started node as the suite sees it: its mesh and every event it heard. */
export class Node {
  readonly events: MeshEvent[] = [];
  private readonly unsubscribe: () => void;

  constructor(readonly pnn: Pnn, readonly mesh: PeerMesh) {
    this.unsubscribe = mesh.subscribe((event) => this.events.push(event));
  }

  deaf(): void {
    this.unsubscribe();
  }

  ups(): Pnn[] {
    return this.events.flatMap((e) => (e.kind === 'peer-up' ? [e.pnn] : []));
  }

  downs(): Extract<MeshEvent, { kind: 'peer-down' }>[] {
    return this.events.filter((e): e is Extract<MeshEvent, { kind: 'peer-down' }> => e.kind === 'peer-down');
  }

  beatsFrom(from: Pnn): number[] {
    return this.events.flatMap((e) => (e.kind === 'message' && e.from === from && e.message.kind === 'heartbeat' ? [e.message.beat] : []));
  }
}

export function meshContract(name: string, makeWorld: () => Promise<MeshWorld>): void {
  describe(`peer mesh contract: ${name}`, () => {
    let world: MeshWorld;
    let nodes: Node[];

    async function startNode(pnn: Pnn): Promise<Node> {
      const node = new Node(pnn, world.create(pnn));
      await node.mesh.start();
      nodes.push(node);
      return node;
    }

    async function startCluster(count: number): Promise<Node[]> {
      const started: Node[] = [];
      for (let pnn = 0; pnn < count; pnn++) started.push(await startNode(pnn));
      await waitFor('every node connected to every other', () => started.every((n) => n.mesh.connected().length === count - 1));
      return started;
    }

    beforeEach(async () => {
      world = await makeWorld();
      nodes = [];
    });
    afterEach(async () => {
      for (const node of nodes) await node.mesh.stop();
      await world.close();
    });

    it('brings every pair up: peer-up on both sides, connected() ascending', async () => {
      const [a, b, c] = await startCluster(3);
      expect(a.mesh.connected()).toEqual([1, 2]);
      expect(b.mesh.connected()).toEqual([0, 2]);
      expect(c.mesh.connected()).toEqual([0, 1]);
      expect(a.ups().sort()).toEqual([1, 2]);
      expect(b.ups().sort()).toEqual([0, 2]);
      expect(c.ups().sort()).toEqual([0, 1]);
      expect(nodes.flatMap((n) => n.events.filter((e) => e.kind === 'rejected'))).toEqual([]);
    });

    it('refuses to send without a session: before start, to an unknown node, to itself', async () => {
      const lonely = new Node(0, world.create(0));
      nodes.push(lonely);
      expect(lonely.mesh.send(1, beat(0, 1))).toBe(false);
      await lonely.mesh.start();
      expect(lonely.mesh.send(1, beat(0, 1))).toBe(false);
      expect(lonely.mesh.send(0, beat(0, 1))).toBe(false);
      expect(lonely.mesh.send(42, beat(0, 1))).toBe(false);
      expect(lonely.mesh.broadcast(beat(0, 1))).toEqual([]);
      expect(lonely.mesh.connected()).toEqual([]);
    });

    it('delivers every message in order, both ways at once, and never inside send()', async () => {
      const [a, b] = await startCluster(2);
      const count = 500;
      for (let n = 0; n < count; n++) {
        expect(a.mesh.send(1, beat(0, n))).toBe(true);
        expect(b.mesh.send(0, beat(1, n))).toBe(true);
      }
      expect(b.beatsFrom(0)).toEqual([]);
      await waitFor('all messages', () => b.beatsFrom(0).length === count && a.beatsFrom(1).length === count);
      const expected = Array.from({ length: count }, (_, n) => n);
      expect(b.beatsFrom(0)).toEqual(expected);
      expect(a.beatsFrom(1)).toEqual(expected);
      const last = b.events.filter((e) => e.kind === 'message').pop();
      expect(last).toEqual({ kind: 'message', from: 0, message: beat(0, count - 1) });
    });

    it('broadcasts to every connected peer and returns them', async () => {
      const [a, b, c] = await startCluster(3);
      expect(a.mesh.broadcast(beat(0, 9))).toEqual([1, 2]);
      await waitFor('both receivers', () => b.beatsFrom(0).length === 1 && c.beatsFrom(0).length === 1);
      expect(b.beatsFrom(0)).toEqual([9]);
      expect(c.beatsFrom(0)).toEqual([9]);
    });

    it('stop(): the stopper reports stopped for each peer, the others see closed, sends fail', async () => {
      const [a, b, c] = await startCluster(3);
      await b.mesh.stop();
      expect(b.downs().map((d) => [d.pnn, d.reason]).sort()).toEqual([[0, 'stopped'], [2, 'stopped']]);
      expect(b.mesh.connected()).toEqual([]);
      expect(b.mesh.send(0, beat(1, 1))).toBe(false);
      await waitFor('the others see node 1 go', () => a.downs().length === 1 && c.downs().length === 1);
      expect(a.downs()[0]).toMatchObject({ pnn: 1, reason: 'closed' });
      expect(c.downs()[0]).toMatchObject({ pnn: 1, reason: 'closed' });
      expect(a.mesh.connected()).toEqual([2]);
      expect(a.mesh.send(1, beat(0, 1))).toBe(false);
      expect(a.mesh.send(2, beat(0, 1))).toBe(true);
    });

    it('reset: the resetter sees peer-down reset, the other sees it go too, and they connect again', async () => {
      const [a, b] = await startCluster(2);
      a.mesh.reset(1, 'test: node 1 counted gone');
      expect(a.downs()).toEqual([]); // never inside the call
      await waitFor('both see the session go', () => a.downs().length === 1 && b.downs().length === 1);
      expect(a.downs()[0]).toMatchObject({ pnn: 1, reason: 'reset' });
      await waitFor('connected again', () => a.mesh.connected().includes(1) && b.mesh.connected().includes(0));
      expect(a.mesh.send(1, beat(0, 1))).toBe(true);
      await waitFor('a message on the new session', () => b.beatsFrom(0).includes(1));
      a.mesh.reset(2, 'no such peer'); // nothing to reset: no error
    });

    it('kill: the others see peer-down closed at once', async () => {
      const [a, b, c] = await startCluster(3);
      c.deaf();
      await world.kill(2, c.mesh);
      await waitFor('node 2 gone on 0 and 1', () => a.downs().length === 1 && b.downs().length === 1);
      expect(a.downs()[0]).toMatchObject({ pnn: 2, reason: 'closed' });
      expect(b.downs()[0]).toMatchObject({ pnn: 2, reason: 'closed' });
      expect(a.mesh.connected()).toEqual([1]);
    });

    it('a close after LEAVING is reported as leaving', async () => {
      const [a, b] = await startCluster(2);
      b.mesh.send(0, { kind: 'leaving', pnn: 1, reason: 'shutdown' });
      await waitFor('LEAVING', () => a.events.some((e) => e.kind === 'message' && e.message.kind === 'leaving'));
      await b.mesh.stop();
      await waitFor('peer-down', () => a.downs().length === 1);
      expect(a.downs()[0]).toMatchObject({ pnn: 1, reason: 'leaving' });
    });

    it('reconnects: a restarted node is up again on both sides and messages flow', async () => {
      const live = new Map((await startCluster(3)).map((n) => [n.pnn, n]));
      for (const restarted of [0, 2]) {
        const old = live.get(restarted) as Node;
        old.deaf();
        await world.kill(restarted, old.mesh);
        const others = [...live.values()].filter((n) => n.pnn !== restarted);
        await waitFor(`node ${restarted} down`, () => others.every((n) => !n.mesh.connected().includes(restarted)));
        const again = await startNode(restarted);
        live.set(restarted, again);
        await waitFor(`node ${restarted} up again`, () => again.mesh.connected().length === 2
          && others.every((n) => n.mesh.connected().includes(restarted)));
        expect(again.mesh.broadcast(beat(restarted, 77))).toEqual(others.map((n) => n.pnn));
        await waitFor('messages from the restarted node', () => others.every((n) => n.beatsFrom(restarted).includes(77)));
        expect(others[0].mesh.send(restarted, beat(others[0].pnn, 78))).toBe(true);
        await waitFor('messages to the restarted node', () => again.beatsFrom(others[0].pnn).includes(78));
        expect(others.every((n) => n.ups().filter((p) => p === restarted).length === 2)).toBe(true);
      }
    });

    it('setNodes: a deleted line closes its connection and keeps it closed; the line back connects again', async () => {
      const [a, b, c] = await startCluster(3);
      a.mesh.setNodes(world.lines(3, [2]));
      await waitFor('node 0 and node 2 apart', () => !a.mesh.connected().includes(2) && !c.mesh.connected().includes(0));
      expect(a.downs().map((d) => d.pnn)).toEqual([2]);
      expect(b.mesh.connected()).toEqual([0, 2]);
      // Nothing brings it back by itself (node 0 would dial node 2, and node 2 dials nobody lower).
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(a.mesh.connected()).toEqual([1]);
      expect(a.mesh.send(2, beat(0, 1))).toBe(false);
      a.mesh.setNodes(world.lines(3));
      await waitFor('node 0 and node 2 together again', () => a.mesh.connected().includes(2) && c.mesh.connected().includes(0));
    });

    it('setNodes: a line appended is dialled by the nodes that have it', async () => {
      const [a, b] = [await startNode(0), await startNode(1)];
      for (const node of [a, b]) node.mesh.setNodes(world.lines(2));
      await waitFor('nodes 0 and 1 connected', () => a.mesh.connected().length === 1);
      const c = await startNode(2);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(c.mesh.connected()).toEqual([]);
      for (const node of [a, b]) node.mesh.setNodes(world.lines(3));
      await waitFor('node 2 connected to both', () => c.mesh.connected().length === 2);
      expect(a.mesh.connected()).toEqual([1, 2]);
      expect(nodes.flatMap((n) => n.events.filter((e) => e.kind === 'rejected'))).toEqual([]);
    });

    it('a removed listener hears nothing more; start() runs once', async () => {
      const [a, b] = await startCluster(2);
      const heard: MeshEvent[] = [];
      const remove = b.mesh.subscribe((e) => heard.push(e));
      a.mesh.send(1, beat(0, 1));
      await waitFor('first message', () => heard.length === 1);
      remove();
      a.mesh.send(1, beat(0, 2));
      await waitFor('second message on the suite listener', () => b.beatsFrom(0).length === 2);
      expect(heard).toHaveLength(1);
      await expect(a.mesh.start()).rejects.toThrow(/start\(\) runs once/);
    });
  });
}
