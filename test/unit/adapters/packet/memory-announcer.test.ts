import { ip } from '../../../../src/core/ip';
import { MemoryAnnouncer } from '../../../../src/adapters/memory/packet';

describe('MemoryAnnouncer', () => {
  it('records announcements and withdrawals', async () => {
    const fake = new MemoryAnnouncer();
    await fake.announce(ip('192.0.2.10'), 'eth1');
    await fake.announce(ip('2001:db8::a'), 'eth1');
    await fake.announce(ip('192.0.2.11'), 'eth2');
    fake.withdraw(ip('192.0.2.10'));
    expect(fake.announced.map((a) => `${a.address.text}@${a.iface}`)).toEqual(['192.0.2.10@eth1', '2001:db8::a@eth1', '192.0.2.11@eth2']);
    expect(fake.active()).toEqual(new Map([['eth1', ['2001:db8::a']], ['eth2', ['192.0.2.11']]]));
  });

  it('fails like the real adapter for a broken interface, and after close', async () => {
    const fake = new MemoryAnnouncer();
    fake.breakInterface('eth9');
    await expect(fake.announce(ip('192.0.2.10'), 'eth9')).rejects.toMatchObject({ code: 'E_ANNOUNCE_LINK' });
    fake.repairInterface('eth9');
    await expect(fake.announce(ip('192.0.2.10'), 'eth9')).resolves.toBeUndefined();
    fake.close();
    await expect(fake.announce(ip('192.0.2.10'), 'eth9')).rejects.toMatchObject({ code: 'E_ANNOUNCE_CLOSED' });
  });
});
