import { ip } from '../../../../src/core/ip';
import { MemoryTickler } from '../../../../src/adapters/memory/tickle';

const c = { server: { address: ip('198.51.100.7'), port: 445 }, client: { address: ip('203.0.113.5'), port: 50000 } };

describe('MemoryTickler', () => {
  it('records tickles and resets', async () => {
    const fake = new MemoryTickler();
    await expect(fake.tickle([c])).resolves.toEqual({ sent: 1 });
    await fake.sendReset(c, 5);
    await fake.sendReset(c, 5, 6);
    expect(fake.tickledText()).toEqual(['203.0.113.5:50000->198.51.100.7:445']);
    expect(fake.resets).toEqual([{ conn: c, seq: 5 }, { conn: c, seq: 5, ack: 6 }]);
  });

  it('fails as told, and after close', async () => {
    const fake = new MemoryTickler();
    fake.failWith();
    await expect(fake.tickle([c])).rejects.toMatchObject({ code: 'E_TICKLE_SOCKET' });
    const other = new MemoryTickler();
    other.close();
    await expect(other.sendReset(c, 1)).rejects.toMatchObject({ code: 'E_TICKLE_CLOSED' });
  });
});
