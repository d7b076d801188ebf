// createTakeover over memory ports: step order, timings, problems versus errors, socket-kill methods, batches.

import { ip } from '../../../../src/core/ip';
import { notOurs } from '../../../../src/adapters/netlink/errors';
import { announceSettings } from '../../../../src/adapters/packet/announce-settings';
import { createGarpAnnouncer } from '../../../../src/adapters/packet/garp-announcer';
import { TickleError } from '../../../../src/adapters/rawsock/tickler';
import { SockDiagError } from '../../../../src/adapters/sockdiag/port';
import { TakeoverAddress } from '../../../../src/adapters/takeover/port';
import { createTakeover } from '../../../../src/adapters/takeover/takeover';
import { TcpConnection } from '../../../../src/protocol/packets';
import { FakeLink } from '../packet/fake-link';
import { ManualClock } from '../../../../src/adapters/memory/clock';
import { memoryWorld, MemoryWorld, takeoverOver } from './fakes';

const A: TakeoverAddress = { address: ip('192.0.2.10'), bits: 24 };
const B: TakeoverAddress = { address: ip('198.51.100.7'), bits: 24 };
const conn = (server: TakeoverAddress, clientPort: number): TcpConnection => ({
  server: { address: server.address, port: 445 }, client: { address: ip('203.0.113.5'), port: clientPort },
});

/** One log across all ports, to check the order of steps. */
function logged(world: MemoryWorld): string[] {
  const log: string[] = [];
  const { netlink, announcer, tickler, sockets } = world;
  const wrap = <T extends object, K extends keyof T>(target: T, key: K, name: string) => {
    const original = (target[key] as unknown as (...args: unknown[]) => unknown).bind(target);
    (target as Record<K, unknown>)[key] = (...args: unknown[]) => { log.push(name); return original(...args); };
  };
  wrap(netlink, 'addAddress', 'add');
  wrap(netlink, 'deleteAddress', 'delete');
  wrap(netlink, 'listAddresses', 'lookup');
  wrap(announcer, 'announce', 'announce');
  wrap(announcer, 'withdraw', 'withdraw');
  wrap(tickler, 'tickle', 'tickle');
  wrap(tickler, 'sendReset', 'reset');
  wrap(sockets, 'destroyConnections', 'destroy');
  wrap(sockets, 'listEstablished', 'list-connections');
  return log;
}

describe('take', () => {
  it('adds, announces, then tickles, timing each step with sub-ms precision', async () => {
    const world = await memoryWorld();
    const log = logged(world);
    const report = await takeoverOver(world).take(A, 'eth0', { tickles: [conn(A, 1), conn(A, 2)] });
    expect(log).toEqual(['add', 'announce', 'tickle']);
    // The stepping clock moves 0.25 ms per read: one read per step, one for the total.
    expect(report.ms).toEqual({ add: 0.25, announce: 0.25, tickle: 0.25, total: 1 });
    expect(world.announcer.active()).toEqual(new Map([['eth0', ['192.0.2.10']]]));
    expect(world.tickler.tickledText()).toEqual(['203.0.113.5:1->192.0.2.10:445', '203.0.113.5:2->192.0.2.10:445']);
  });

  it('has no tickle step when there is nothing to tickle', async () => {
    const world = await memoryWorld();
    const report = await takeoverOver(world).take(A, 'eth0');
    expect(report.ms).toEqual({ add: 0.25, announce: 0.25, total: 0.75 });
    expect(world.tickler.tickled).toEqual([]);
  });

  it('re-announces an address it holds already, and only that', async () => {
    const world = await memoryWorld();
    const takeover = takeoverOver(world);
    await takeover.take(A, 'eth0');
    const log = logged(world);
    expect((await takeover.take(A, 'eth0', { tickles: [conn(A, 1)] })).outcome).toBe('present');
    expect(log).toEqual(['add', 'announce']);
  });

  it('reports failed announcements and tickles as problems: the address is taken all the same', async () => {
    const world = await memoryWorld();
    world.announcer.breakInterface('eth0');
    world.tickler.failWith(new TickleError('E_TICKLE_SOCKET', 'cannot open a raw IPv4 socket'));
    const report = await takeoverOver(world).take(A, 'eth0', { tickles: [conn(A, 1)] });
    expect(report.outcome).toBe('added');
    expect(report.tickled).toBe(0);
    expect(report.problems.map((p) => p.code)).toEqual(['E_TAKEOVER_ANNOUNCE', 'E_TAKEOVER_TICKLE']);
    expect(report.problems[0].message).toMatch(/announcing 192\.0\.2\.10 on eth0 failed: cannot announce on eth0/);
    expect(await world.netlink.listAddresses('eth0')).toHaveLength(1);
  });

  it('throws E_TAKEOVER_ADD with the kernel\'s reason when the add fails, and announces nothing', async () => {
    const world = await memoryWorld();
    world.netlink.externalAdd('eth0', A.address, A.bits);
    const failure = takeoverOver(world).take(A, 'eth0');
    await expect(failure).rejects.toMatchObject({ code: 'E_TAKEOVER_ADD', cause: { code: 'E_NETLINK_NOT_OURS' } });
    await expect(failure).rejects.toThrow(/taking 192\.0\.2\.10\/24 on eth0 failed: .*not added by floatip/);
    expect(world.announcer.announced).toEqual([]);
  });
});

describe('release', () => {
  it('withdraws announcements, destroys the address\'s sockets, then deletes it', async () => {
    const world = await memoryWorld();
    const takeover = takeoverOver(world);
    await takeover.take(A, 'eth0');
    world.sockets.addConnection(conn(A, 1));
    world.sockets.addConnection(conn(B, 2));
    const log = logged(world);
    const report = await takeover.release(A);
    expect(log).toEqual(['lookup', 'withdraw', 'destroy', 'delete']);
    expect(report).toMatchObject({
      outcome: 'deleted', interfaces: ['eth0'], problems: [],
      sockets: { method: 'destroy', destroyed: 1, alreadyGone: 0, killed: 0, failed: 0 },
      ms: { lookup: 0.25, destroy: 0.25, delete: 0.25, total: 1 },
    });
    expect(world.sockets.reset.map((c) => c.client.port)).toEqual([1]);
    expect(world.announcer.active().size).toBe(0);
  });

  it('leaves an address floatip did not add, and its connections, alone', async () => {
    const world = await memoryWorld();
    world.netlink.externalAdd('eth0', B.address, B.bits);
    world.sockets.addConnection(conn(B, 9));
    const report = await takeoverOver(world).release(B);
    expect(report).toMatchObject({ outcome: 'absent', sockets: { method: 'none' } });
    expect(world.sockets.reset).toEqual([]);
    expect((await world.netlink.listAddresses('eth0')).map((a) => a.address.text)).toEqual(['198.51.100.7']);
  });

  it('still withdraws pending announcements of an absent address', async () => {
    const world = await memoryWorld();
    await world.announcer.announce(A.address, 'eth0');
    await takeoverOver(world).release(A);
    expect(world.announcer.withdrawn.map((a) => a.text)).toEqual(['192.0.2.10']);
  });

  it('deletes every copy floatip put on the node\'s interfaces', async () => {
    const world = await memoryWorld();
    await world.netlink.addAddress({ interface: 'eth0', address: A.address, bits: 24 });
    await world.netlink.addAddress({ interface: 'eth1', address: A.address, bits: 32 });
    const report = await takeoverOver(world).release(A);
    expect([...report.interfaces].sort()).toEqual(['eth0', 'eth1']);
    expect(await world.netlink.listAddresses()).toEqual(expect.not.arrayContaining([expect.objectContaining({ owned: true })]));
  });

  it('throws E_TAKEOVER_DELETE, saying the address is still here, when the delete fails', async () => {
    const world = await memoryWorld();
    const takeover = takeoverOver(world);
    await takeover.take(A, 'eth0');
    world.netlink.deleteAddress = async () => { throw notOurs('192.0.2.10/24 on eth0'); };
    await expect(takeover.release(A)).rejects.toMatchObject({ code: 'E_TAKEOVER_DELETE', message: expect.stringMatching(/still on this node/) });
  });

  it('throws E_TAKEOVER_LOOKUP when the kernel\'s addresses cannot be read', async () => {
    const world = await memoryWorld();
    await world.netlink.stop();
    await expect(takeoverOver(world).release(A)).rejects.toMatchObject({ code: 'E_TAKEOVER_LOOKUP' });
  });
});

describe('release: socket_kill', () => {
  async function heldWithConnections(init: Parameters<typeof takeoverOver>[1]) {
    const world = await memoryWorld();
    const takeover = takeoverOver(world, init);
    await takeover.take(A, 'eth1');
    for (const port of [1, 2]) world.sockets.addConnection(conn(A, port));
    world.captures.answers.set(1, { seq: 1000, ack: 2000 });
    return { world, takeover };
  }

  it('killtcp: tickles, captures on the address\'s interface, resets with the client\'s numbers', async () => {
    const { world, takeover } = await heldWithConnections({ socketKill: 'killtcp', killAttempts: 2 });
    const log = logged(world);
    const report = await takeover.release(A);
    expect(report.sockets).toEqual({ method: 'killtcp', destroyed: 0, alreadyGone: 0, killed: 1, failed: 1 });
    expect(report.problems).toEqual([expect.objectContaining({ code: 'E_TAKEOVER_SOCKETS', message: expect.stringMatching(/1 TCP clients of 192\.0\.2\.10 did not answer 2 tickles/) })]);
    expect(world.tickler.resets.map((r) => [r.conn.client.port, r.seq, r.ack])).toEqual([[1, 2000, 1000]]);
    expect(world.captures.opened).toEqual(['eth1']);
    expect(world.captures.closed).toEqual(['eth1']);
    expect(world.captures.waits.filter((w) => w === 'eth1 2')).toHaveLength(2);
    expect(log).not.toContain('destroy');
    expect(log[log.length - 1]).toBe('delete');
  });

  const refuseDestroy = (world: MemoryWorld): void => {
    world.sockets.destroyConnections = async () => { throw new SockDiagError('E_SOCKDIAG_NO_DESTROY', 'this kernel cannot destroy sockets'); };
  };

  it('auto: falls back to killtcp when the kernel cannot destroy sockets', async () => {
    const { world, takeover } = await heldWithConnections({ socketKill: 'auto' });
    refuseDestroy(world);
    world.captures.answers.set(2, { seq: 5, ack: 6 });
    const report = await takeover.release(A);
    expect(report.sockets).toMatchObject({ method: 'killtcp', killed: 2, failed: 0 });
    expect(report.problems).toEqual([]);
  });

  it('destroy: a kernel without SOCK_DESTROY is a problem that names the option; the address goes anyway', async () => {
    const { world, takeover } = await heldWithConnections({ socketKill: 'destroy' });
    refuseDestroy(world);
    const report = await takeover.release(A);
    expect(report.outcome).toBe('deleted');
    expect(report.sockets).toMatchObject({ method: 'destroy', killed: 0 });
    expect(report.problems[0].message).toMatch(/set socket_kill = "auto" or "killtcp"/);
    expect(world.tickler.tickled).toEqual([]);
    expect(await world.netlink.listAddresses('eth1')).toEqual([]);
  });

  it('killtcp: a capture that cannot open is a problem, not an error', async () => {
    const { world, takeover } = await heldWithConnections({ socketKill: 'killtcp' });
    world.captures.failOpen = new Error('no permission to open a packet socket on eth1');
    const report = await takeover.release(A);
    expect(report).toMatchObject({ outcome: 'deleted', sockets: { method: 'killtcp', killed: 0 } });
    expect(report.problems[0].message).toMatch(/by tickles on eth1 failed: no permission/);
  });

  it('releaseMany shares one capture per interface', async () => {
    const { world, takeover } = await heldWithConnections({ socketKill: 'killtcp', killAttempts: 1 });
    await takeover.take(B, 'eth1');
    world.sockets.addConnection(conn(B, 3));
    await takeover.releaseMany([A, B]);
    expect(world.captures.opened).toEqual(['eth1']);
    expect(world.captures.closed).toEqual(['eth1']);
  });
});

describe('releaseMany, deleting', () => {
  it('goes secondaries first, so the kernel promotes no address of the subnet while the rest go', async () => {
    const world = await memoryWorld();
    const takeover = takeoverOver(world);
    const subnet = ['198.51.100.20', '198.51.100.21', '198.51.100.22'].map((text): TakeoverAddress => ({ address: ip(text), bits: 24 }));
    // The first one added is its subnet's primary; the other two stand behind it.
    await takeover.takeMany(subnet.map((address) => ({ address, iface: 'eth0' })));
    expect((await world.netlink.listAddresses('eth0')).map((a) => [a.address.text, a.secondary]))
      .toEqual([['198.51.100.20', false], ['198.51.100.21', true], ['198.51.100.22', true]]);
    const batch = await takeover.releaseMany(subnet);
    expect(world.netlink.operations.filter((o) => o.startsWith('delete'))).toEqual([
      'delete 198.51.100.21/24 eth0', 'delete 198.51.100.22/24 eth0', 'delete 198.51.100.20/24 eth0',
    ]);
    expect(world.netlink.promotions).toBe(0);
    // Reported in the order asked, whatever the order of the deletes.
    expect(batch.reports.map((r) => [r.address.text, r.outcome])).toEqual(subnet.map((a) => [a.address.text, 'deleted']));
  });
});

describe('move', () => {
  it('adds on the new interface, announces there, then deletes the old copy; connections stay', async () => {
    const world = await memoryWorld();
    const takeover = takeoverOver(world);
    await takeover.take(A, 'eth0');
    world.sockets.addConnection(conn(A, 1));
    const log = logged(world);
    const report = await takeover.move(A, 'eth0', 'eth1');
    expect(log).toEqual(['lookup', 'add', 'announce', 'delete']);
    expect(report.ms).toEqual({ lookup: 0.25, add: 0.25, announce: 0.25, delete: 0.25, total: 1.25 });
    expect(world.announcer.active()).toEqual(new Map([['eth1', ['192.0.2.10']]]));
    expect(world.sockets.reset).toEqual([]);
  });

  it('changes nothing when the new interface refuses the address', async () => {
    const world = await memoryWorld();
    const takeover = takeoverOver(world);
    await takeover.take(A, 'eth0');
    await expect(takeover.move(A, 'eth0', 'eth7')).rejects.toMatchObject({ code: 'E_TAKEOVER_ADD' });
    expect((await world.netlink.listAddresses('eth0')).map((a) => a.address.text)).toEqual(['192.0.2.10']);
  });

  it('to the same interface only re-announces', async () => {
    const world = await memoryWorld();
    const takeover = takeoverOver(world);
    await takeover.take(A, 'eth0');
    expect(await takeover.move(A, 'eth0', 'eth0')).toMatchObject({ added: 'present', deleted: 'absent' });
    expect(await world.netlink.listAddresses('eth0')).toHaveLength(1);
  });
});

describe('takeMany', () => {
  it('sends the first announcement round of the whole batch in one frame batch', async () => {
    const clock = new ManualClock();
    const link = new FakeLink(clock);
    const announcer = createGarpAnnouncer(announceSettings(), { openLink: () => link, clock, onError: () => undefined });
    const world = await memoryWorld({ announcer });
    const addresses = Array.from({ length: 50 }, (_, i) => ({ address: ip(`192.0.2.${i + 1}`), bits: 24 }));
    const report = await createTakeover({}, world.components).takeMany(addresses.map((address) => ({ address, iface: 'eth0' })));
    expect(report.reports).toHaveLength(50);
    expect(link.batches).toHaveLength(1);
    expect(link.batches[0].frames).toHaveLength(100);
    announcer.close();
  });

  it('tickles every connection of the batch in one call, and times the batch\'s steps', async () => {
    const world = await memoryWorld();
    const report = await takeoverOver(world).takeMany([
      { address: A, iface: 'eth0', tickles: [conn(A, 1), conn(A, 2)] },
      { address: B, iface: 'eth1', tickles: [conn(B, 3)] },
    ]);
    expect(world.tickler.tickled).toHaveLength(1);
    expect(world.tickler.tickled[0]).toHaveLength(3);
    expect(report.ms).toEqual({ add: 0.25, announce: 0.25, tickle: 0.25, total: 1 });
    expect(report.reports.map((r) => r.tickled)).toEqual([2, 1]);
  });

  it('puts a failed tickle batch on the reports of the addresses that had connections', async () => {
    const world = await memoryWorld();
    world.tickler.failWith();
    const report = await takeoverOver(world).takeMany([{ address: A, iface: 'eth0', tickles: [conn(A, 1)] }, { address: B, iface: 'eth0' }]);
    expect(report.reports.map((r) => r.problems.map((p) => p.code))).toEqual([['E_TAKEOVER_TICKLE'], []]);
  });

  it('reports an announcement failure on its own address only', async () => {
    const world = await memoryWorld();
    world.announcer.breakInterface('eth1');
    const report = await takeoverOver(world).takeMany([{ address: A, iface: 'eth0' }, { address: B, iface: 'eth1' }]);
    expect(report.reports.map((r) => r.problems.length)).toEqual([0, 1]);
    expect(report.reports[1].problems[0]).toMatchObject({ code: 'E_TAKEOVER_ANNOUNCE' });
    expect(report.failures).toEqual([]);
  });
});

describe('takeMany and releaseMany in chunks', () => {
  /** 130 addresses: three chunks of TAKEOVER_CHUNK (64). */
  const many = Array.from({ length: 130 }, (_, i) => ({ address: ip(`198.51.100.${i + 1}`), bits: 24 }));

  /** A clock whose next turn comes only when the test calls `turn()`. */
  function heldTurns(): { clock: { now: () => number; nextTurn: (callback: () => void) => void }; turn: () => void; asked: () => number } {
    const waiting: (() => void)[] = [];
    return {
      clock: { now: () => 0, nextTurn: (callback) => { waiting.push(callback); } },
      turn: () => (waiting.shift() as () => void)(),
      asked: () => waiting.length,
    };
  }

  /** Waits until the batch asks for a turn, or ends without asking (then the counts show it). */
  async function untilAsked(turns: ReturnType<typeof heldTurns>, batch: Promise<unknown>): Promise<void> {
    let ended = false;
    void batch.then(() => { ended = true; }, () => { ended = true; });
    while (turns.asked() === 0 && !ended) await new Promise<void>((resolve) => setImmediate(resolve));
  }

  it('starts 64 adds, then 64 announcements, per turn, and takes every address in order', async () => {
    const turns = heldTurns();
    const world = await memoryWorld({ clock: turns.clock });
    const log = logged(world);
    const done = takeoverOver(world).takeMany(many.map((address) => ({ address, iface: 'eth0' })));
    const counts: string[] = [];
    for (let i = 0; i < 4; i++) {
      await untilAsked(turns, done);
      if (turns.asked() === 0) break;
      counts.push(`${log.filter((l) => l === 'add').length}/${log.filter((l) => l === 'announce').length}`);
      turns.turn();
    }
    const report = await done;
    expect(counts).toEqual(['64/0', '128/0', '130/64', '130/128']);
    expect(report.reports.map((r) => r.address.text)).toEqual(many.map((a) => a.address.text));
    expect(report.failures).toEqual([]);
  });

  it('starts 64 deletes per turn, and reports a failed one as that address\'s failure', async () => {
    const world = await memoryWorld({ clock: { now: () => 0, nextTurn: (callback) => setImmediate(callback) } });
    const takeover = takeoverOver(world);
    await takeover.takeMany(many.map((address) => ({ address, iface: 'eth0' })));
    const turns = heldTurns();
    const deleteAddress = world.netlink.deleteAddress.bind(world.netlink);
    world.netlink.deleteAddress = async (request) => {
      if (request.address.text === '198.51.100.100') throw new Error('EBUSY');
      return deleteAddress(request);
    };
    const released = takeoverOver({ ...world, components: { ...world.components, clock: turns.clock } });
    const log = logged(world);
    const done = released.releaseMany(many);
    const counts: number[] = [];
    for (let i = 0; i < 2; i++) {
      await untilAsked(turns, done);
      if (turns.asked() === 0) break;
      counts.push(log.filter((l) => l === 'delete').length);
      turns.turn();
    }
    const report = await done;
    expect(counts).toEqual([64, 128]);
    expect(log.filter((l) => l === 'delete')).toHaveLength(130);
    expect(report.failures.map((f) => [f.address.text, f.error.code])).toEqual([['198.51.100.100', 'E_TAKEOVER_DELETE']]);
    expect(report.reports).toHaveLength(129);
  });
});

describe('releaseMany', () => {
  it('reads the kernel once, and reports a failed delete as that address\'s failure', async () => {
    const world = await memoryWorld();
    const takeover = takeoverOver(world);
    await takeover.takeMany([{ address: A, iface: 'eth0' }, { address: B, iface: 'eth0' }]);
    const deleteAddress = world.netlink.deleteAddress.bind(world.netlink);
    world.netlink.deleteAddress = async (request) => {
      if (request.address.text === B.address.text) throw new Error('EBUSY');
      return deleteAddress(request);
    };
    const log = logged(world);
    const report = await takeover.releaseMany([A, B]);
    expect(log.filter((l) => l === 'lookup')).toHaveLength(1);
    expect(report.reports.map((r) => [r.address.text, r.outcome])).toEqual([['192.0.2.10', 'deleted']]);
    expect(report.failures.map((f) => [f.address.text, f.error.code])).toEqual([['198.51.100.7', 'E_TAKEOVER_DELETE']]);
  });
});

describe('releaseMany and connections', () => {
  const C: TakeoverAddress = { address: ip('2001:db8::c'), bits: 64 };

  it('lists connections once and destroys only on addresses that have some', async () => {
    const world = await memoryWorld();
    const takeover = takeoverOver(world);
    await takeover.takeMany([A, B, C].map((address) => ({ address, iface: 'eth0' })));
    world.sockets.addConnection(conn(B, 4));
    const log = logged(world);
    const report = await takeover.releaseMany([A, B, C]);
    expect(log.filter((l) => l === 'list-connections')).toHaveLength(1);
    expect(log.filter((l) => l === 'destroy')).toHaveLength(1);
    expect(report.reports.map((r) => [r.address.text, r.sockets.method, r.sockets.destroyed])).toEqual([
      ['192.0.2.10', 'destroy', 0], ['198.51.100.7', 'destroy', 1], ['2001:db8::c', 'destroy', 0],
    ]);
    expect(world.sockets.reset.map((c) => c.client.port)).toEqual([4]);
  });

  it('destroys on every address when the listing fails', async () => {
    const world = await memoryWorld();
    const takeover = takeoverOver(world);
    await takeover.takeMany([A, B].map((address) => ({ address, iface: 'eth0' })));
    world.sockets.listEstablished = async () => { throw new Error('EPERM'); };
    const log = logged(world);
    await takeover.releaseMany([A, B]);
    expect(log.filter((l) => l === 'destroy')).toHaveLength(2);
  });
});

describe('options', () => {
  it('refuses an unknown socket_kill method, naming the choices', async () => {
    const world = await memoryWorld();
    expect(() => createTakeover({ socketKill: 'rst' as never }, world.components))
      .toThrow(expect.objectContaining({ code: 'E_TAKEOVER_OPTIONS', message: expect.stringMatching(/use "destroy", "killtcp" or "auto"/) }));
    expect(() => createTakeover({ killAttempts: 0 }, world.components)).toThrow(/killAttempts = 0 is out of range/);
    expect(() => createTakeover({ killReplyTimeoutMs: 1.5 }, world.components)).toThrow(/killReplyTimeoutMs = 1.5/);
  });
});
