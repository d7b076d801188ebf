// LocalAddresses' evacuation: it does not wait in the address queue, and work already in the queue cannot put addresses back.

import { ip } from '../../../../src/core/ip';
import { AddOutcome, AddressRequest } from '../../../../src/adapters/netlink/port';
import { MemoryNetlink } from '../../../../src/adapters/memory/netlink';
import { MemoryAnnouncer } from '../../../../src/adapters/memory/packet';
import { MemorySockDiag } from '../../../../src/adapters/memory/sockdiag';
import { MemoryTickler } from '../../../../src/adapters/memory/tickle';
import { MemoryEventRunner } from '../../../../src/adapters/memory/scripts';
import { createTakeover } from '../../../../src/adapters/takeover/takeover';
import { LocalAddresses } from '../../../../src/daemon/runtime/hosting';
import { recordingLogger } from './harness/recording-logger';

/** A kernel whose next add of one address waits until the test opens the gate. */
class GatedNetlink extends MemoryNetlink {
  private gate: { readonly text: string; readonly opened: Promise<void>; readonly reach: () => void } | undefined;
  /** Resolves once the held add has begun. */
  reached: Promise<void> = Promise.resolve();

  holdAdd(text: string): () => void {
    let open!: () => void;
    let reach!: () => void;
    this.reached = new Promise<void>((resolve) => { reach = resolve; });
    this.gate = { text, reach, opened: new Promise<void>((resolve) => { open = resolve; }) };
    return open;
  }

  override async addAddress(request: AddressRequest): Promise<AddOutcome> {
    const gate = this.gate;
    if (gate && request.address.text === gate.text) {
      this.gate = undefined;
      gate.reach();
      await gate.opened;
    }
    return super.addAddress(request);
  }
}

async function setUp() {
  const netlink = new GatedNetlink({ eth0: {}, eth1: {} });
  await netlink.start();
  const events = new MemoryEventRunner();
  const log = recordingLogger();
  const takeover = createTakeover({ socketKill: 'destroy' }, {
    addresses: netlink, announcer: new MemoryAnnouncer(), tickler: new MemoryTickler(), connections: new MemorySockDiag(),
    openReplyCapture: () => ({ awaitReply: async () => undefined, close: () => undefined }),
    clock: { now: () => Date.now(), nextTurn: (callback) => setImmediate(callback) },
  });
  const hosting = new LocalAddresses({ takeover, events, log, ticklesFor: () => [], onChange: () => undefined });
  const inKernel = async (): Promise<string[]> => (await netlink.listAddresses()).filter((a) => a.owned).map((a) => `${a.address.text}@${a.interface}`).sort();
  return { netlink, events, hosting, inKernel };
}

const item = (text: string, iface = 'eth0') => ({ address: ip(text), bits: 24, iface });

describe('LocalAddresses.evacuate', () => {
  it('deletes at once while a hung takeip holds the queue, and runs releaseip afterwards in queue order', async () => {
    const { events, hosting, inKernel } = await setUp();
    await hosting.enqueue(() => hosting.take([item('192.0.2.1')]));
    let endScript!: () => void;
    events.behave('takeip', () => new Promise((resolve) => { endScript = () => resolve('OK'); }));
    const taking = hosting.enqueue(() => hosting.take([item('192.0.2.2')]));
    while (events.count('takeip') < 2) await new Promise((resolve) => setImmediate(resolve));

    hosting.bar('fence');
    const outcome = await hosting.evacuate();
    expect(outcome.released.map((a) => a.text).sort()).toEqual(['192.0.2.1', '192.0.2.2']);
    expect(await inKernel()).toEqual([]);
    expect(hosting.size).toBe(0);
    expect(events.count('releaseip')).toBe(0); // queued behind the hung takeip

    endScript();
    const results = await taking;
    expect(results).toEqual([expect.objectContaining({ status: 'failed', error: expect.stringContaining('released while the script ran (fence)') })]);
    await hosting.enqueue(async () => undefined);
    expect(events.calls.filter((c) => c.event === 'releaseip').map((c) => c.args[1]).sort()).toEqual(['192.0.2.1', '192.0.2.2']);
  });

  it('an add that completes after the evacuation is deleted again and reported failed', async () => {
    const { netlink, hosting, inKernel } = await setUp();
    await hosting.enqueue(() => hosting.take([item('192.0.2.1')]));
    const open = netlink.holdAdd('192.0.2.2');
    const taking = hosting.enqueue(() => hosting.take([item('192.0.2.2')]));
    await netlink.reached;

    hosting.bar('fence');
    await hosting.evacuate();
    expect(await inKernel()).toEqual([]);
    open();
    const results = await taking;
    expect(results).toEqual([expect.objectContaining({ status: 'failed', error: expect.stringContaining('may hold no address now (fence)') })]);
    expect(await inKernel()).toEqual([]);
    expect(hosting.size).toBe(0);
  });

  it('a move under way when the evacuation ran leaves nothing on the new interface', async () => {
    const { netlink, hosting, inKernel } = await setUp();
    await hosting.enqueue(() => hosting.take([item('192.0.2.1')]));
    const open = netlink.holdAdd('192.0.2.1');
    const moving = hosting.enqueue(() => hosting.move('192.0.2.1', 'eth1'));
    await netlink.reached;

    hosting.bar('fence');
    await hosting.evacuate();
    open();
    await moving;
    expect(await inKernel()).toEqual([]);
    expect(hosting.size).toBe(0);
  });

  it('while barred: takes fail without touching the kernel, restore and announce do nothing; after lift takes work again', async () => {
    const { hosting, inKernel } = await setUp();
    await hosting.enqueue(() => hosting.take([item('192.0.2.1')]));
    hosting.bar('unguarded');
    await hosting.evacuate();
    const results = await hosting.enqueue(() => hosting.take([item('192.0.2.3')]));
    expect(results).toEqual([expect.objectContaining({ status: 'failed', error: expect.stringContaining('(unguarded)') })]);
    expect(await hosting.announce('192.0.2.1')).toBeUndefined();
    expect(await hosting.enqueue(() => hosting.restore('192.0.2.1'))).toBeUndefined();
    expect(await inKernel()).toEqual([]);

    hosting.lift('unguarded');
    expect(hosting.barred).toBeUndefined();
    await hosting.enqueue(() => hosting.take([item('192.0.2.3')]));
    expect(await inKernel()).toEqual(['192.0.2.3@eth0']);
  });

  it('two bars need two lifts', async () => {
    const { hosting } = await setUp();
    hosting.bar('fence');
    hosting.bar('unguarded');
    expect(hosting.barred).toBe('fence, unguarded');
    hosting.lift('fence');
    expect(hosting.barred).toBe('unguarded');
  });
});

describe('LocalAddresses.list', () => {
  it('answers ascending, and anew after every take, move and release (its sorted answer is kept between changes)', async () => {
    const { hosting } = await setUp();
    const listed = (): string[] => hosting.list().map((h) => `${h.address.text}@${h.iface}`);
    await hosting.enqueue(() => hosting.take([item('192.0.2.9'), item('192.0.2.3')]));
    expect(listed()).toEqual(['192.0.2.3@eth0', '192.0.2.9@eth0']);
    hosting.list().pop(); // a caller's copy: changing it changes nothing here
    expect(listed()).toEqual(['192.0.2.3@eth0', '192.0.2.9@eth0']);
    await hosting.enqueue(() => hosting.move('192.0.2.9', 'eth1'));
    expect(listed()).toEqual(['192.0.2.3@eth0', '192.0.2.9@eth1']);
    await hosting.enqueue(() => hosting.release([{ address: ip('192.0.2.3'), bits: 24 }]));
    expect(listed()).toEqual(['192.0.2.9@eth1']);
    await hosting.evacuate();
    expect(listed()).toEqual([]);
  });

  it('gives the addresses as one array until the held set changes, so an unchanged heartbeat is found by identity', async () => {
    const { hosting } = await setUp();
    await hosting.enqueue(() => hosting.take([item('192.0.2.9'), item('192.0.2.3')]));
    const first = hosting.addresses();
    expect(first.map((a) => a.text)).toEqual(['192.0.2.3', '192.0.2.9']);
    expect(hosting.addresses()).toBe(first);
    await hosting.enqueue(() => hosting.release([{ address: ip('192.0.2.3'), bits: 24 }]));
    expect(hosting.addresses()).not.toBe(first);
    expect(hosting.addresses().map((a) => a.text)).toEqual(['192.0.2.9']);
    expect(first.map((a) => a.text)).toEqual(['192.0.2.3', '192.0.2.9']);
  });
});
