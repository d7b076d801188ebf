// The Takeover contract: one suite, run against the component over memory ports and against the memory fake.

import { ip } from '../../../../src/core/ip';
import { Takeover, TakeoverAddress } from '../../../../src/adapters/takeover/port';
import { TcpConnection } from '../../../../src/protocol/packets';

export interface TakeoverWorld {
  readonly takeover: Takeover;
  /** Two interfaces of the node, both up. */
  readonly ifaces: readonly [string, string];
  /** An interface the node does not have. */
  readonly missingIface: string;
  /** floatip's addresses on `iface`, as text. */
  heldOn(iface: string): Promise<string[]>;
}

const v4: TakeoverAddress = { address: ip('192.0.2.10'), bits: 24 };
const v6: TakeoverAddress = { address: ip('2001:db8::10'), bits: 64 };
const other: TakeoverAddress = { address: ip('198.51.100.7'), bits: 24 };

const conn = (server: TakeoverAddress, clientPort: number): TcpConnection => ({
  server: { address: server.address, port: 445 },
  client: { address: ip(server.address.family === 4 ? '203.0.113.5' : '2001:db8:ff::5'), port: clientPort },
});

export function takeoverContract(name: string, makeWorld: () => Promise<TakeoverWorld>): void {
  describe(`Takeover contract: ${name}`, () => {
    let world: TakeoverWorld;
    let eth0: string;
    let eth1: string;
    beforeEach(async () => {
      world = await makeWorld();
      [eth0, eth1] = world.ifaces;
    });

    it('take adds once; taking again reports present and tickles nobody', async () => {
      const first = await world.takeover.take(v4, eth0, { tickles: [conn(v4, 50000)] });
      expect(first).toMatchObject({ op: 'take', outcome: 'added', iface: eth0, tickled: 1, problems: [] });
      const again = await world.takeover.take(v4, eth0, { tickles: [conn(v4, 50000)] });
      expect(again).toMatchObject({ outcome: 'present', tickled: 0 });
      expect(await world.heldOn(eth0)).toEqual(['192.0.2.10']);
    });

    it('tickles only recorded connections that are on the address taken', async () => {
      const report = await world.takeover.take(v6, eth0, { tickles: [conn(v6, 1), conn(v6, 2), conn(other, 3)] });
      expect(report.tickled).toBe(2);
    });

    it('release deletes; releasing again reports absent and changes nothing', async () => {
      await world.takeover.take(v6, eth0);
      const released = await world.takeover.release(v6);
      expect(released).toMatchObject({ op: 'release', outcome: 'deleted', interfaces: [eth0], problems: [] });
      expect(await world.heldOn(eth0)).toEqual([]);
      const again = await world.takeover.release(v6);
      expect(again).toMatchObject({ outcome: 'absent', interfaces: [], sockets: { method: 'none' } });
    });

    it('move puts the address on the new interface only; repeating it is a no-op', async () => {
      await world.takeover.take(v4, eth0);
      expect(await world.takeover.move(v4, eth0, eth1)).toMatchObject({ op: 'move', added: 'added', deleted: 'deleted' });
      expect([await world.heldOn(eth0), await world.heldOn(eth1)]).toEqual([[], ['192.0.2.10']]);
      expect(await world.takeover.move(v4, eth0, eth1)).toMatchObject({ added: 'present', deleted: 'absent' });
      expect([await world.heldOn(eth0), await world.heldOn(eth1)]).toEqual([[], ['192.0.2.10']]);
    });

    it('move of an address held nowhere adds it on the new interface', async () => {
      expect(await world.takeover.move(other, eth0, eth1)).toMatchObject({ added: 'added', deleted: 'absent' });
      expect(await world.heldOn(eth1)).toEqual(['198.51.100.7']);
    });

    it('take on a missing interface fails with E_TAKEOVER_ADD and changes nothing', async () => {
      await expect(world.takeover.take(v4, world.missingIface)).rejects.toMatchObject({ code: 'E_TAKEOVER_ADD', name: 'TakeoverError' });
      expect([await world.heldOn(eth0), await world.heldOn(eth1)]).toEqual([[], []]);
    });

    it('takeMany and releaseMany report each address in order; one refusal does not stop the rest', async () => {
      await world.takeover.take(other, eth1);
      const taken = await world.takeover.takeMany([
        { address: v4, iface: eth0, tickles: [conn(v4, 7)] },
        { address: v6, iface: world.missingIface },
        { address: other, iface: eth1 },
      ]);
      expect(taken.reports.map((r) => [r.address.text, r.outcome, r.tickled])).toEqual([['192.0.2.10', 'added', 1], ['198.51.100.7', 'present', 0]]);
      expect(taken.failures.map((f) => [f.address.text, f.error.code])).toEqual([['2001:db8::10', 'E_TAKEOVER_ADD']]);

      const released = await world.takeover.releaseMany([v4, v6, other]);
      expect(released.reports.map((r) => [r.address.text, r.outcome])).toEqual([
        ['192.0.2.10', 'deleted'], ['2001:db8::10', 'absent'], ['198.51.100.7', 'deleted'],
      ]);
      expect(released.failures).toEqual([]);
      expect([await world.heldOn(eth0), await world.heldOn(eth1)]).toEqual([[], []]);
    });

    it('reports step times as numbers and a total', async () => {
      const report = await world.takeover.take(v4, eth0);
      expect(typeof report.ms.total).toBe('number');
      expect(report.ms.total).toBeGreaterThanOrEqual(0);
    });
  });
}
