import { EventEmitter } from 'node:events';
import { ip } from '../../../../src/core/ip';
import { openRawSocketSender, RawSocketSendError } from '../../../../src/adapters/rawsock/raw-socket-sender';
import { buildTickle } from '../../../../src/protocol/packets';

/** Stands in for raw-socket 1.8: sends wait in a queue until `writable()`, as on its poll watcher. */
class FakeRawSocket extends EventEmitter {
  readonly queue: { address: string; packet: Buffer; after: (error: Error | null, bytes: number) => void }[] = [];
  closed = false;
  failSendWith: Error | undefined;
  constructor(readonly options: { addressFamily: number; protocol: number }) {
    super();
  }
  send(buffer: Buffer, offset: number, length: number, address: string, after: (error: Error | null, bytes: number) => void): void {
    this.queue.push({ address, packet: buffer.subarray(offset, offset + length), after });
  }
  /** One writable event per queued packet, as the package handles them. */
  writable(count = this.queue.length): void {
    for (let i = 0; i < count; i++) {
      const request = this.queue.shift();
      if (!request) return;
      if (this.failSendWith) request.after(this.failSendWith, 0);
      else request.after(null, request.packet.length);
    }
  }
  /** The package on a poll failure: 'error' with libuv's status as the message, then close. */
  pollFails(status: number): void {
    this.emit('error', new Error(String(status)));
    this.close();
  }
  close(): void {
    this.closed = true;
  }
}

const sockets: FakeRawSocket[] = [];
jest.mock('raw-socket', () => ({
  AddressFamily: { IPv4: 1, IPv6: 2 },
  createSocket: (options: { addressFamily: number; protocol: number }) => {
    const socket = new FakeRawSocket(options);
    sockets.push(socket);
    return socket;
  },
}));

const tickle4 = buildTickle({ server: { address: ip('198.51.100.7'), port: 445 }, client: { address: ip('203.0.113.5'), port: 50000 } });
const tickle6 = buildTickle({ server: { address: ip('2001:db8::7'), port: 445 }, client: { address: ip('2001:db8:1::5'), port: 50000 } });

async function settled<T>(promise: Promise<T>): Promise<{ value?: T; error?: unknown }> {
  return promise.then((value) => ({ value }), (error: unknown) => ({ error }));
}

beforeEach(() => { sockets.length = 0; });

describe('raw-socket sender', () => {
  it('opens an IPPROTO_RAW socket of the family and sends each packet to the destination in its header', async () => {
    const sender4 = openRawSocketSender(4);
    const sender6 = openRawSocketSender(6);
    expect(sockets.map((s) => s.options)).toEqual([{ addressFamily: 1, protocol: 255 }, { addressFamily: 2, protocol: 255 }]);
    const sending4 = sender4.send([tickle4, tickle4]);
    const sending6 = sender6.send([tickle6]);
    expect(sockets[0].queue.map((r) => r.address)).toEqual(['203.0.113.5', '203.0.113.5']);
    expect(sockets[0].queue.map((r) => r.packet)).toEqual([tickle4, tickle4]);
    expect(sockets[1].queue.map((r) => r.address)).toEqual(['2001:db8:1:0:0:0:0:5']);
    sockets[0].writable();
    sockets[1].writable();
    await expect(sending4).resolves.toBe(2);
    await expect(sending6).resolves.toBe(1);
    await expect(sender4.send([])).resolves.toBe(0);
  });

  it('resolves only when the last queued packet has gone out', async () => {
    const sender = openRawSocketSender(4);
    let resolved = false;
    const sending = sender.send([tickle4, tickle4, tickle4]).then((n) => { resolved = true; return n; });
    sockets[0].writable(2);
    await Promise.resolve();
    expect(resolved).toBe(false);
    sockets[0].writable(1);
    await expect(sending).resolves.toBe(3);
  });

  it('rejects with the count sent before a sendto error', async () => {
    const sender = openRawSocketSender(4);
    const sending = settled(sender.send([tickle4, tickle4, tickle4]));
    sockets[0].writable(1);
    sockets[0].failSendWith = new Error('Network is unreachable');
    sockets[0].writable();
    expect((await sending).error).toMatchObject({ message: 'Network is unreachable', sent: 1 });
  });

  it('rejects the sends still queued when the poll watcher fails, since the package drops them', async () => {
    const sender = openRawSocketSender(4);
    const sending = settled(sender.send([tickle4, tickle4]));
    sockets[0].writable(1);
    sockets[0].pollFails(-9);
    const { error } = await sending;
    expect(error).toBeInstanceOf(RawSocketSendError);
    expect(error).toMatchObject({ code: 'E_RAWSOCK_FAILED', sent: 1, message: 'the raw IPv4 socket failed (libuv status -9); open a new sender' });
    expect(sockets[0].closed).toBe(true);
    await expect(sender.send([tickle4])).rejects.toMatchObject({ code: 'E_RAWSOCK_FAILED', sent: 0 });
    // Only the packet the failure stranded: the refused send queued nothing.
    expect(sockets[0].queue).toHaveLength(1);
  });

  it('rejects the sends still queued when it is closed, and ignores their late callbacks', async () => {
    const sender = openRawSocketSender(6);
    const sending = settled(sender.send([tickle6, tickle6]));
    sockets[0].writable(1);
    sender.close();
    expect(sockets[0].closed).toBe(true);
    sockets[0].writable();
    expect((await sending).error).toMatchObject({ code: 'E_RAWSOCK_CLOSED', sent: 1, message: 'the raw socket was closed' });
    await expect(sender.send([tickle6])).rejects.toMatchObject({ code: 'E_RAWSOCK_CLOSED', sent: 0 });
  });
});
