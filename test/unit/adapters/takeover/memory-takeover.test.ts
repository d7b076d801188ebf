// MemoryTakeover beyond the contract: the controls the daemon's tests use.

import { MemoryTakeover } from '../../../../src/adapters/memory/takeover';
import { ip } from '../../../../src/core/ip';

const A = { address: ip('192.0.2.10'), bits: 24 };
const B = { address: ip('2001:db8::10'), bits: 64 };

describe('MemoryTakeover controls', () => {
  it('logs every operation in order, batches one line per address', async () => {
    const takeover = new MemoryTakeover();
    await takeover.takeMany([{ address: A, iface: 'eth0' }, { address: B, iface: 'eth1' }]);
    await takeover.move(A, 'eth0', 'eth1');
    await takeover.releaseMany([A, B]);
    expect(takeover.operations).toEqual([
      'take 192.0.2.10/24 eth0', 'take 2001:db8::10/64 eth1', 'move 192.0.2.10 eth0 eth1', 'release 192.0.2.10', 'release 2001:db8::10',
    ]);
    expect(takeover.heldAddresses()).toEqual(new Map());
  });

  it('refuse makes takes and releases of that address fail until allow', async () => {
    const takeover = new MemoryTakeover();
    await takeover.take(A, 'eth0');
    takeover.refuse(A.address, 'Operation not permitted');
    await expect(takeover.take(A, 'eth1')).rejects.toMatchObject({ code: 'E_TAKEOVER_ADD', message: 'taking 192.0.2.10 failed: Operation not permitted' });
    await expect(takeover.release(A)).rejects.toMatchObject({ code: 'E_TAKEOVER_DELETE' });
    const batch = await takeover.releaseMany([A, B]);
    expect(batch.failures.map((f) => f.address.text)).toEqual(['192.0.2.10']);
    expect(batch.reports.map((r) => [r.address.text, r.outcome])).toEqual([['2001:db8::10', 'absent']]);
    takeover.allow(A.address);
    expect((await takeover.release(A)).outcome).toBe('deleted');
  });

  it('externalDelete makes the next take add again and tickle', async () => {
    const takeover = new MemoryTakeover();
    const conn = { server: { address: A.address, port: 445 }, client: { address: ip('192.0.2.99'), port: 5000 } };
    await takeover.take(A, 'eth0');
    takeover.externalDelete(A.address);
    expect(await takeover.take(A, 'eth0', { tickles: [conn] })).toMatchObject({ outcome: 'added', tickled: 1 });
    expect(takeover.tickled).toEqual([conn]);
  });
});
