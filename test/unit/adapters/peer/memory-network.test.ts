// The memory network's faults: partitions and cuts (silent, then resume or reconnect), kills, injected rejections, drops.

import { MemoryNetwork, MemoryPeerMesh } from '../../../../src/adapters/memory/peer';
import { beat, Node } from './contract';

/** Runs queued deliveries only when the test says so: a fake clock's view of the network. */
class ManualScheduler {
  private readonly tasks: (() => void)[] = [];
  readonly schedule = (task: () => void): void => { this.tasks.push(task); };
  get queued(): number {
    return this.tasks.length;
  }
  runAll(): void {
    while (this.tasks.length > 0) (this.tasks.shift() as () => void)();
  }
}

async function cluster(count: number): Promise<{ network: MemoryNetwork; scheduler: ManualScheduler; nodes: Node[] }> {
  const scheduler = new ManualScheduler();
  const network = new MemoryNetwork({ schedule: scheduler.schedule });
  const nodes: Node[] = [];
  for (let pnn = 0; pnn < count; pnn++) {
    const node = new Node(pnn, network.join(pnn));
    await node.mesh.start();
    nodes.push(node);
  }
  scheduler.runAll();
  return { network, scheduler, nodes };
}

describe('MemoryNetwork', () => {
  it('delivers nothing until the scheduler runs, then everything in order', async () => {
    const { scheduler, nodes: [a, b] } = await cluster(2);
    a.mesh.send(1, beat(0, 1));
    a.mesh.send(1, beat(0, 2));
    expect(b.beatsFrom(0)).toEqual([]);
    expect(scheduler.queued).toBe(2);
    scheduler.runAll();
    expect(b.beatsFrom(0)).toEqual([1, 2]);
  });

  it('partition: connections stay up but silent; heal reconnects by default, so each side sees down then up', async () => {
    const { network, scheduler, nodes: [a, b, c] } = await cluster(3);
    network.partition([[0, 1], [2]]);
    expect(a.mesh.send(2, beat(0, 1))).toBe(true);
    expect(a.mesh.send(1, beat(0, 2))).toBe(true);
    scheduler.runAll();
    expect(c.beatsFrom(0)).toEqual([]);
    expect(b.beatsFrom(0)).toEqual([2]);
    expect(a.mesh.connected()).toEqual([1, 2]);
    network.heal();
    scheduler.runAll();
    expect(c.beatsFrom(0)).toEqual([]);
    expect(a.events.filter((e) => e.kind !== 'message').slice(-2)).toEqual([
      { kind: 'peer-down', pnn: 2, reason: 'error', detail: expect.stringContaining('partition') },
      { kind: 'peer-up', pnn: 2 },
    ]);
    expect(c.downs().map((d) => d.pnn).sort()).toEqual([0, 1]);
    expect(a.mesh.connected()).toEqual([1, 2]);
    a.mesh.send(2, beat(0, 3));
    scheduler.runAll();
    expect(c.beatsFrom(0)).toEqual([3]);
  });

  it('partition with heal "resume": held messages arrive in order and nobody sees the connection drop', async () => {
    const { network, scheduler, nodes: [a, b] } = await cluster(2);
    network.partition([[0], [1]], 'resume');
    for (let n = 1; n <= 3; n++) a.mesh.send(1, beat(0, n));
    scheduler.runAll();
    expect(b.beatsFrom(0)).toEqual([]);
    network.heal();
    a.mesh.send(1, beat(0, 4));
    scheduler.runAll();
    expect(b.beatsFrom(0)).toEqual([1, 2, 3, 4]);
    expect(a.downs()).toEqual([]);
    expect(b.downs()).toEqual([]);
  });

  it('a node that starts during a partition connects only inside its group, and to the rest after heal', async () => {
    const scheduler = new ManualScheduler();
    const network = new MemoryNetwork({ schedule: scheduler.schedule });
    network.partition([[0, 1], [2]]);
    const nodes = [0, 1, 2].map((pnn) => new Node(pnn, network.join(pnn)));
    for (const node of nodes) await node.mesh.start();
    scheduler.runAll();
    expect(nodes.map((n) => n.mesh.connected())).toEqual([[1], [0], []]);
    network.heal();
    scheduler.runAll();
    expect(nodes.map((n) => n.mesh.connected())).toEqual([[1, 2], [0, 2], [0, 1]]);
  });

  it('cut one way: only that direction goes silent', async () => {
    const { network, scheduler, nodes: [a, b] } = await cluster(2);
    network.cut(0, 1, { oneWay: true });
    a.mesh.send(1, beat(0, 1));
    b.mesh.send(0, beat(1, 1));
    scheduler.runAll();
    expect(b.beatsFrom(0)).toEqual([]);
    expect(a.beatsFrom(1)).toEqual([1]);
  });

  it('kill: the others see closed after what the dead node sent; it hears nothing; the node can join again', async () => {
    const { network, scheduler, nodes: [a, b] } = await cluster(2);
    b.mesh.send(0, beat(1, 1));
    network.kill(1);
    a.mesh.send(1, beat(0, 1));
    scheduler.runAll();
    expect(a.events.slice(-2)).toEqual([
      { kind: 'message', from: 1, message: beat(1, 1) },
      { kind: 'peer-down', pnn: 1, reason: 'closed', detail: 'node 1 died' },
    ]);
    expect(b.events.filter((e) => e.kind !== 'peer-up')).toEqual([]);
    expect(b.mesh.send(0, beat(1, 2))).toBe(false);
    expect(() => network.join(0)).toThrow(/already has a live mesh endpoint/);
    const again = new Node(1, network.join(1));
    await again.mesh.start();
    scheduler.runAll();
    expect(again.mesh.connected()).toEqual([0]);
    expect(a.ups()).toEqual([1, 1]);
  });

  it('a message sent on a connection that broke before the sender heard of it is lost, not delivered to the new one', async () => {
    const { network, scheduler, nodes: [a] } = await cluster(2);
    network.kill(1);
    const again = new Node(1, network.join(1));
    await again.mesh.start();
    expect(a.mesh.send(1, beat(0, 1))).toBe(true);
    scheduler.runAll();
    expect(again.beatsFrom(0)).toEqual([]);
    a.mesh.send(1, beat(0, 2));
    scheduler.runAll();
    expect(again.beatsFrom(0)).toEqual([2]);
  });

  it('injectRejected and drop: rejections are delivered and counted; dropped messages vanish', async () => {
    const { network, scheduler, nodes: [a, b] } = await cluster(2);
    network.injectRejected(1, { pnn: 0, remote: 'memory:0', code: 'E_BAD_MAC', detail: 'forged' });
    const stopDropping = network.drop((_from, _to, message) => message.kind === 'heartbeat' && message.beat === 2);
    for (let n = 1; n <= 3; n++) a.mesh.send(1, beat(0, n));
    stopDropping();
    a.mesh.send(1, beat(0, 2));
    scheduler.runAll();
    expect(b.beatsFrom(0)).toEqual([1, 3, 2]);
    expect(b.events.filter((e) => e.kind === 'rejected')).toEqual([
      { kind: 'rejected', pnn: 0, remote: 'memory:0', code: 'E_BAD_MAC', detail: 'forged' },
    ]);
    expect((b.mesh as MemoryPeerMesh).stats()).toMatchObject({ rejected: 1, rejectedByCode: { E_BAD_MAC: 1 }, framesIn: 3 });
  });

  it('carries messages through the real codec: what TCP cannot encode throws, decoded copies arrive', async () => {
    const { scheduler, nodes: [a, b] } = await cluster(2);
    const message = beat(0, 1);
    a.mesh.send(1, message);
    scheduler.runAll();
    const got = b.events.find((e) => e.kind === 'message');
    expect(got).toEqual({ kind: 'message', from: 0, message });
    expect(got?.kind === 'message' && got.message).not.toBe(message);
    expect(() => a.mesh.send(1, { ...beat(0, 1), monitor: 'sleepy' as never })).toThrow();
    const huge = { kind: 'tickle-full' as const, address: message.hosted[0], connections: Array.from({ length: 200_000 }, (_, i) => ({
      client: message.hosted[0], clientPort: 1 + (i % 60000), serverPort: 445,
    })) };
    expect(() => a.mesh.send(1, huge)).toThrow(expect.objectContaining({ code: 'E_FRAME_TOO_LARGE' }));
  });

  it('a listener that throws does not stop the others, and is counted', async () => {
    const { scheduler, nodes: [a, b] } = await cluster(2);
    b.mesh.subscribe(() => { throw new Error('listener bug'); });
    const heard: string[] = [];
    b.mesh.subscribe((e) => heard.push(e.kind));
    a.mesh.send(1, beat(0, 1));
    scheduler.runAll();
    expect(heard).toEqual(['message']);
    expect((b.mesh as MemoryPeerMesh).stats().listenerErrors).toBe(1);
  });
});
