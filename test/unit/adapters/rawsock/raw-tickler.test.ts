import { Family, ip } from '../../../../src/core/ip';
import { IpPacketSender } from '../../../../src/adapters/rawsock/ip-packet-sender';
import { createRawTickler } from '../../../../src/adapters/rawsock/raw-tickler';
import { TickleError } from '../../../../src/adapters/rawsock/tickler';
import { tickleSettings, TickleSettings } from '../../../../src/adapters/rawsock/tickle-settings';
import { buildTcpReset, buildTickle, TcpConnection } from '../../../../src/protocol/packets';
import { ManualClock } from '../../../../src/adapters/memory/clock';

class RecordingSender implements IpPacketSender {
  readonly sends: { at: number; packets: Buffer[] }[] = [];
  closed = false;
  failNext: Error | undefined;
  constructor(readonly family: Family, private readonly clock: ManualClock) {}
  async send(packets: Buffer[]): Promise<number> {
    if (this.failNext) {
      const error = this.failNext;
      this.failNext = undefined;
      throw Object.assign(error, { sent: 0 });
    }
    this.sends.push({ at: this.clock.now(), packets });
    return packets.length;
  }
  close(): void {
    this.closed = true;
  }
}

function setup(overrides: Partial<TickleSettings> = {}) {
  const clock = new ManualClock();
  const opened: RecordingSender[] = [];
  const errors: TickleError[] = [];
  let refuse: Error | undefined;
  const tickler = createRawTickler(tickleSettings(overrides), {
    clock,
    onError: (error) => errors.push(error),
    openSender: (family) => {
      if (refuse) throw refuse;
      const sender = new RecordingSender(family, clock);
      opened.push(sender);
      return sender;
    },
  });
  const sender = (family: Family) => opened.filter((s) => s.family === family).at(-1)!;
  return { clock, opened, errors, tickler, sender, refuseOpen: (error: Error) => { refuse = error; } };
}

const conn = (server: string, client: string, clientPort = 50000): TcpConnection => ({
  server: { address: ip(server), port: 445 },
  client: { address: ip(client), port: clientPort },
});

describe('raw tickler', () => {
  it('sends one tickle per connection at once, split by family, and repeats after the spacing', async () => {
    const { tickler, sender, clock } = setup({ count: 3, spacingMs: 500 });
    const conns = [conn('198.51.100.7', '203.0.113.5'), conn('2001:db8::7', '2001:db8:1::5'), conn('198.51.100.7', '203.0.113.6', 50001)];
    await expect(tickler.tickle(conns)).resolves.toEqual({ sent: 3 });
    expect(sender(4).sends[0].packets).toEqual([buildTickle(conns[0]), buildTickle(conns[2])]);
    expect(sender(6).sends[0].packets).toEqual([buildTickle(conns[1])]);
    await clock.advance(5000);
    expect(sender(4).sends.map((s) => s.at)).toEqual([0, 500, 1000]);
    expect(sender(6).sends.map((s) => s.at)).toEqual([0, 500, 1000]);
  });

  it('does nothing for no connections', async () => {
    const { tickler, opened, clock } = setup();
    await expect(tickler.tickle([])).resolves.toEqual({ sent: 0 });
    expect(opened).toHaveLength(0);
    expect(clock.waiting).toBe(0);
  });

  it('sends a reset with the given sequence (and acknowledgement) number', async () => {
    const { tickler, sender } = setup();
    const c = conn('198.51.100.7', '203.0.113.5');
    await tickler.sendReset(c, 0x01020304);
    await tickler.sendReset(c, 7, 9);
    expect(sender(4).sends.map((s) => s.packets[0])).toEqual([buildTcpReset(c, 0x01020304), buildTcpReset(c, 7, 9)]);
  });

  it('rejects with E_TICKLE_SOCKET and advice when the raw socket cannot be opened', async () => {
    const { tickler, refuseOpen } = setup();
    refuseOpen(Object.assign(new Error('socket(AF_INET, IPPROTO_RAW): Operation not permitted'), { code: 'EPERM' }));
    await expect(tickler.tickle([conn('198.51.100.7', '203.0.113.5')])).rejects.toMatchObject({
      code: 'E_TICKLE_SOCKET', message: expect.stringMatching(/Operation not permitted; floatipd needs root or CAP_NET_RAW/),
    });
  });

  it('rejects a failed first round, closes the socket and opens a new one next time', async () => {
    const { tickler, sender, opened } = setup();
    await tickler.sendReset(conn('198.51.100.7', '203.0.113.5'), 1);
    sender(4).failNext = new Error('sendmmsg: Network is unreachable');
    await expect(tickler.tickle([conn('198.51.100.7', '203.0.113.5')])).rejects.toMatchObject({ code: 'E_TICKLE_SEND' });
    expect(opened[0].closed).toBe(true);
    await tickler.tickle([conn('198.51.100.7', '203.0.113.5')]);
    expect(opened).toHaveLength(2);
  });

  it('reports a failed later round through onError and stops repeating it', async () => {
    const { tickler, sender, clock, errors } = setup({ count: 3, spacingMs: 100 });
    await tickler.tickle([conn('198.51.100.7', '203.0.113.5')]);
    sender(4).failNext = new Error('sendmmsg: No buffer space available');
    await clock.advance(1000);
    expect(errors.map((e) => e.code)).toEqual(['E_TICKLE_SEND']);
    expect(clock.waiting).toBe(0);
  });

  it('cancels pending rounds on close and refuses work afterwards', async () => {
    const { tickler, sender, clock } = setup({ count: 3, spacingMs: 100 });
    await tickler.tickle([conn('198.51.100.7', '203.0.113.5')]);
    const first = sender(4);
    tickler.close();
    expect(first.closed).toBe(true);
    expect(clock.waiting).toBe(0);
    await clock.advance(1000);
    expect(first.sends).toHaveLength(1);
    await expect(tickler.sendReset(conn('198.51.100.7', '203.0.113.5'), 1)).rejects.toMatchObject({ code: 'E_TICKLE_CLOSED' });
  });
});

describe('tickleSettings', () => {
  it('defaults to 3 tickles 500 ms apart', () => {
    expect(tickleSettings()).toEqual({ count: 3, spacingMs: 500 });
  });

  it.each([
    [{ count: 0 }, /count = 0 is out of range/],
    [{ spacingMs: 1.5 }, /spacingMs = 1.5 is out of range/],
  ])('rejects %p', (overrides, message) => {
    expect(() => tickleSettings(overrides)).toThrow(message);
  });
});
