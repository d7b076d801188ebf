// Failed and hung takeip/releaseip: the address goes elsewhere at once, nothing stays unserved, scripts calling back are answered.

import { ip } from '../../../../src/core/ip';
import { EventStatus } from '../../../../src/adapters/scripts/status';
import { addressRange, TestCluster, TestNode } from './harness/cluster';
import { play } from './harness/scenario';

const SIX = { nodes: 3, addresses: addressRange(6) };

/** A takeip on `node` that runs `ms` on the manual clock and ends with `status` (a hung script killed at its timeout: TIMEDOUT). */
function slowTakeip(cluster: TestCluster, node: TestNode, ms: number, status: EventStatus, only?: string): void {
  const wait = cluster.clock.forOwner(`script${node.pnn}`);
  node.events.behave('takeip', (args) => {
    if (only !== undefined && args[1] !== only) return Promise.resolve('OK');
    return new Promise((resolve) => { wait.schedule(ms, () => resolve(status)); });
  });
}

/** Advances in small steps until `done` holds (at most `limitMs`); returns the time it took. */
async function until(cluster: TestCluster, done: () => Promise<boolean> | boolean, limitMs: number): Promise<number> {
  const start = cluster.clock.now();
  while (!(await done())) {
    if (cluster.clock.now() - start >= limitMs) throw new Error(`not reached within ${limitMs} ms`);
    await cluster.clock.advance(10);
  }
  return cluster.clock.now() - start;
}

describe('a failed take', () => {
  it('is a ban credit, and the next run puts the address on another node (not back on the failing one)', async () => {
    // Two nodes, two addresses: the allocator gives node 1 one of them, and would give it the same one again.
    const cluster = new TestCluster({ nodes: 2, addresses: addressRange(2) });
    let bad: string | undefined;
    cluster.node(1).events.behave('takeip', async (args) => {
      bad ??= args[1];
      return args[1] === bad ? 'ERROR' : 'OK';
    });
    await Promise.all(cluster.nodes.map((n) => n.runtime.start()));
    await cluster.clock.advance(3000);
    await play(cluster, [
      `expect ${bad} on 0`,
      'expect counts 1 1', // node 1 serves the other address: it is not banned from everything
      'expect flags 1 OK', // one credit, far from the threshold of 4
      'expect exclusive',
    ]);
    // One failed run, then one that placed the address on node 0; then settled.
    const runs = cluster.node(0).runtime.api.history(undefined);
    expect(runs.map((r) => r.status)).toEqual(['ok', 'failed']);
    expect(cluster.node(1).events.calls.filter((c) => c.event === 'takeip' && c.args[1] === bad)).toHaveLength(1);
  });

  it('a takeip hung until its timeout costs one timeout and one run, then the address is served elsewhere', async () => {
    const cluster = await TestCluster.start(SIX);
    const address = cluster.node(0).runtime.hosting.list()[0].address.text;
    const node2 = cluster.node(2);
    slowTakeip(cluster, node2, 2000, 'TIMEDOUT', address);
    await play(cluster, [
      `on 0: moveip ${address} 2`,
      'expect result E_FAILED', // the run that moved it failed: its take timed out
      `expect ${address} on -1`,
      'advance 300',
    ]);
    expect(await cluster.holderOf(address)).not.toBe(2);
    expect(await cluster.holderOf(address)).not.toBe(-1);
    await play(cluster, ['expect flags 2 OK', 'expect exclusive']);
  });
});

describe('one TAKE or RELEASE of several addresses', () => {
  it('runs no further takeip after one timed out, so the order answers within one timeout', async () => {
    const cluster = await TestCluster.start({ nodes: 1, addresses: addressRange(3) });
    const node = cluster.node(0);
    const { hosting } = node.runtime;
    await hosting.enqueue(() => hosting.releaseAll());
    slowTakeip(cluster, node, 2000, 'TIMEDOUT');
    const items = addressRange(3).map((text) => ({ address: ip(text.split('/')[0]), bits: 24, iface: 'eth0' }));
    const t0 = cluster.clock.now();
    const before = node.events.count('takeip');
    let ran = 0;
    let results: Awaited<ReturnType<typeof hosting.take>> | undefined;
    // The leader's own retake of these addresses queues behind this order: count what ran before it answered.
    void hosting.enqueue(() => hosting.take(items)).then((r) => { results = r; ran = node.events.count('takeip') - before; });
    await until(cluster, () => results !== undefined, 10_000);
    expect(cluster.clock.now() - t0).toBeLessThan(2100);
    expect(results?.map((r) => r.status)).toEqual(['failed', 'failed', 'failed']);
    expect(results?.[1].error).toMatch(/not run: takeip for 192\.0\.2\.1 timed out in the same TAKE/);
    expect(ran).toBe(1);
  });

  it('skips the releaseip of the others after one timed out, and releases every address', async () => {
    const cluster = await TestCluster.start({ nodes: 1, addresses: addressRange(3) });
    const node = cluster.node(0);
    const { hosting } = node.runtime;
    const wait = cluster.clock.forOwner('script');
    node.events.behave('releaseip', () => new Promise((resolve) => { wait.schedule(2000, () => resolve('TIMEDOUT')); }));
    const t0 = cluster.clock.now();
    let released: number | undefined;
    void hosting.enqueue(() => hosting.releaseAll()).then((r) => { released = r.released.length; });
    await until(cluster, () => released !== undefined, 10_000);
    expect(cluster.clock.now() - t0).toBeLessThan(2100);
    expect(released).toBe(3);
    expect(node.events.count('releaseip')).toBe(1);
  });
});

describe('settled means every placed address is hosted', () => {
  it('an address its node drops after the run (a takeip that outlived the run\'s deadline) leads to a run at once', async () => {
    // A takeip timeout longer than the run's deadline (what the configuration check now refuses): the take's
    // ack comes too late, and when the script ends the node drops the address, after the run.
    const cluster = await TestCluster.start({ ...SIX, init: { takeoverDeadlineMs: 3000 } });
    const address = cluster.node(0).runtime.hosting.list()[0].address.text;
    slowTakeip(cluster, cluster.node(2), 5000, 'TIMEDOUT', address);
    await play(cluster, [`on 0: moveip ${address} 2`]);
    // The node drops it when its script ends; from then on it must be served again within a run.
    await until(cluster, async () => !cluster.node(2).runtime.hosting.get(address), 10_000);
    const unserved = await until(cluster, async () => (await cluster.holderOf(address)) !== -1, 1000);
    expect(unserved).toBeLessThan(100);
    expect(await cluster.holderOf(address)).not.toBe(2);
    await play(cluster, ['expect exclusive']);
  });
});

describe('scripts calling back into floatipd while an event runs', () => {
  it('`floatip gratarp` from takeip is answered at once, and the take completes', async () => {
    const cluster = await TestCluster.start(SIX);
    const address = cluster.node(0).runtime.hosting.list()[0].address.text;
    const node2 = cluster.node(2);
    const answers: string[] = [];
    node2.events.behave('takeip', async (args) => {
      if (args[1] !== address) return 'OK';
      const before = node2.announcer.announced.length;
      const reply = await node2.runtime.api.gratArp(ip(args[1]), args[0]);
      answers.push(`${reply.done} ${node2.announcer.announced.length - before}`);
      answers.push(node2.runtime.api.ips(false).find((s) => s.address === address)?.address ?? 'missing');
      return 'OK';
    });
    await play(cluster, [`on 0: moveip ${address} 2`, 'expect result ok', `expect ${address} on 2`, 'expect exclusive']);
    expect(answers[0]).toBe('true 1');
    expect(answers[1]).toBe(address);
    expect(cluster.node(0).runtime.api.history(1)[0].status).toBe('ok');
  });

  it('gratarp does not announce an address whose release has begun (releaseip calling gratarp)', async () => {
    const cluster = await TestCluster.start(SIX);
    const node0 = cluster.node(0);
    const held = node0.runtime.hosting.list()[0];
    const codes: string[] = [];
    node0.events.behave('releaseip', async (args) => {
      await node0.runtime.api.gratArp(ip(args[1]), args[0]).then(() => codes.push('ok'), (e: { code: string }) => codes.push(e.code));
      return 'OK';
    });
    await play(cluster, [`on 0: moveip ${held.address.text} 1`, 'expect result ok', `expect ${held.address.text} on 1`, 'expect exclusive']);
    expect(codes).toEqual(['E_NOT_HOSTED']);
  });
});
