// The tickle-and-reset fallback against fake capture and sender ports.

import { ip } from '../../../../src/core/ip';
import { TcpConnection } from '../../../../src/protocol/packets';
import { killWithTickles } from '../../../../src/adapters/sockdiag/kill-fallback';
import { ClientReply, KillFallback } from '../../../../src/adapters/sockdiag/port';
import { MemorySockDiag } from '../../../../src/adapters/memory/sockdiag';

const conn = (port: number): TcpConnection => ({
  server: { address: ip('192.0.2.10'), port: 445 }, client: { address: ip('198.51.100.20'), port },
});

/** A pretend network: clients that answer tickles on the n-th try (or never). */
function network(answers: Map<number, { afterTickles: number; reply: ClientReply }>) {
  const log: string[] = [];
  const tickles = new Map<number, number>();
  const waiting = new Map<number, (reply: ClientReply | undefined) => void>();
  const ports: KillFallback = {
    capture: {
      awaitReply: (c) => new Promise((resolve) => {
        log.push(`capture ${c.client.port}`);
        waiting.set(c.client.port, resolve);
      }),
    },
    sender: {
      tickle: async (conns) => {
        for (const c of conns) {
          const n = (tickles.get(c.client.port) ?? 0) + 1;
          tickles.set(c.client.port, n);
          log.push(`tickle ${c.client.port}`);
          const answer = answers.get(c.client.port);
          waiting.get(c.client.port)?.(answer && n >= answer.afterTickles ? answer.reply : undefined);
        }
      },
      sendReset: async (c, seq, ack) => { log.push(`rst ${c.client.port} seq=${seq} ack=${ack}`); },
    },
  };
  return { ports, log };
}

describe('killWithTickles', () => {
  it('captures before tickling, then resets with the client\'s ack as seq', async () => {
    const { ports, log } = network(new Map([[50000, { afterTickles: 1, reply: { seq: 1000, ack: 2000 } }]]));
    const result = await killWithTickles([conn(50000)], ports);
    expect(result).toEqual({ killed: [conn(50000)], failed: [] });
    expect(log).toEqual(['capture 50000', 'tickle 50000', 'rst 50000 seq=2000 ack=1000']);
  });

  it('tickles again when a reply is missed, and gives up after the attempts', async () => {
    const { ports, log } = network(new Map([[50001, { afterTickles: 2, reply: { seq: 5, ack: 6 } }]]));
    const result = await killWithTickles([conn(50001), conn(50002)], ports, { attempts: 3 });
    expect(result.killed).toEqual([conn(50001)]);
    expect(result.failed).toEqual([conn(50002)]);
    expect(log.filter((l) => l === 'tickle 50001')).toHaveLength(2);
    expect(log.filter((l) => l === 'tickle 50002')).toHaveLength(3);
    expect(log.filter((l) => l.startsWith('rst 50002'))).toEqual([]);
  });

  it('counts a connection whose tickle cannot be sent as failed', async () => {
    const { ports } = network(new Map());
    ports.sender.tickle = async () => { throw new Error('no raw socket'); };
    expect(await killWithTickles([conn(50003)], ports, { attempts: 2 })).toEqual({ killed: [], failed: [conn(50003)] });
  });
});

describe('MemorySockDiag', () => {
  it('lists established connections on the given addresses and destroys only those on one address', async () => {
    const fake = new MemorySockDiag();
    const a = fake.addConnection(conn(1));
    fake.addConnection({ server: { address: ip('192.0.2.11'), port: 445 }, client: { address: ip('198.51.100.20'), port: 2 } });
    fake.addConnection(conn(3), 'CLOSE_WAIT');
    expect((await fake.listEstablished([ip('192.0.2.10')])).map((c) => c.client.port)).toEqual([1]);
    expect(await fake.destroyConnections(ip('192.0.2.10'))).toMatchObject({ destroyed: 2, failed: [] });
    expect(fake.reset.map((c) => c.client.port).sort()).toEqual([1, 3]);
    expect(await fake.listEstablished([ip('192.0.2.10'), ip('192.0.2.11')])).toHaveLength(1);
    expect(a.socketFamily).toBe(4);
  });
});
