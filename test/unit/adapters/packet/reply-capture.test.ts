// The AF_PACKET reply capture against a fake socket and a manual clock: matching, timeouts, idle, close.

import { openReplyCapture } from '../../../../src/adapters/packet/reply-capture';
import { ip } from '../../../../src/core/ip';
import {
  buildTcpPacket, ETHERTYPE_IPV4, ETHERTYPE_IPV6, mac, TCP_FLAG_ACK, TCP_FLAG_RST, TcpConnection, writeEthernetHeader,
} from '../../../../src/protocol/packets';
import { ManualClock } from '../../../../src/adapters/memory/clock';

class FakeReceiveSocket {
  onFrame: ((frame: Buffer, receivedAt: number) => void) | undefined;
  starts = 0;
  stops = 0;
  closed = false;
  startReceive(onFrame: (frame: Buffer, receivedAt: number) => void): void { this.starts++; this.onFrame = onFrame; }
  stopReceive(): void { this.stops++; this.onFrame = undefined; }
  close(): void { this.closed = true; this.onFrame = undefined; }
  /** Delivers a segment the client sends to the server end of `conn`. */
  deliver(conn: TcpConnection, seq: number, ack: number, flags = TCP_FLAG_ACK): void {
    const packet = buildTcpPacket({ server: conn.client, client: conn.server }, { seq, ack, flags, window: 100 });
    const frame = Buffer.alloc(14 + packet.length);
    writeEthernetHeader(frame, mac('02:00:00:00:00:0a'), mac('02:00:00:00:00:cc'), conn.server.address.family === 4 ? ETHERTYPE_IPV4 : ETHERTYPE_IPV6);
    packet.copy(frame, 14);
    this.onFrame?.(frame, 0);
  }
}

const conn = (clientPort: number, family: 4 | 6 = 4): TcpConnection => ({
  server: { address: ip(family === 4 ? '192.0.2.10' : '2001:db8::10'), port: 445 },
  client: { address: ip(family === 4 ? '192.0.2.100' : '2001:db8::100'), port: clientPort },
});

function setup() {
  const socket = new FakeReceiveSocket();
  const clock = new ManualClock();
  const opened: string[] = [];
  const capture = openReplyCapture('ftk0a', { openSocket: (iface) => { opened.push(iface); return socket; }, clock });
  return { socket, clock, capture, opened };
}

describe('openReplyCapture', () => {
  it('opens its interface at once and reads frames only while someone waits', async () => {
    const { socket, capture, opened } = setup();
    expect(opened).toEqual(['ftk0a']);
    expect(socket.starts).toBe(0);
    const reply = capture.awaitReply(conn(50000), 200);
    expect(socket.starts).toBe(1);
    socket.deliver(conn(50000), 1111, 2222);
    await expect(reply).resolves.toEqual({ seq: 1111, ack: 2222 });
    expect(socket.stops).toBe(1);
  });

  it('resolves the waiter of the matching connection only (IPv4 and IPv6)', async () => {
    const { socket, capture } = setup();
    const first = capture.awaitReply(conn(50001), 200);
    const second = capture.awaitReply(conn(50002, 6), 200);
    socket.deliver(conn(50002, 6), 5, 6);
    await expect(second).resolves.toEqual({ seq: 5, ack: 6 });
    socket.deliver(conn(50001), 7, 8);
    await expect(first).resolves.toEqual({ seq: 7, ack: 8 });
  });

  it('ignores our own direction, resets, SYNs and other ports', async () => {
    const { socket, clock, capture } = setup();
    const c = conn(50003);
    const reply = capture.awaitReply(c, 200);
    socket.deliver({ server: c.client, client: c.server }, 1, 1); // server -> client: our tickle seen on the wire
    socket.deliver(c, 2, 2, TCP_FLAG_RST | TCP_FLAG_ACK);
    socket.deliver(c, 3, 3, 0x02 | TCP_FLAG_ACK);
    socket.deliver(conn(50004), 4, 4);
    socket.deliver(c, 9, 10, 0); // no ACK flag
    await clock.advance(199);
    socket.deliver(c, 11, 12);
    await expect(reply).resolves.toEqual({ seq: 11, ack: 12 });
  });

  it('resolves undefined after the timeout and stops reading when nobody waits', async () => {
    const { socket, clock, capture } = setup();
    const reply = capture.awaitReply(conn(50005), 200);
    await clock.advance(200);
    await expect(reply).resolves.toBeUndefined();
    expect(socket.stops).toBe(1);
    expect(socket.onFrame).toBeUndefined();
  });

  it('answers two waiters of one connection with the same reply', async () => {
    const { socket, capture } = setup();
    const a = capture.awaitReply(conn(50006), 200);
    const b = capture.awaitReply(conn(50006), 200);
    socket.deliver(conn(50006), 1, 2);
    await expect(Promise.all([a, b])).resolves.toEqual([{ seq: 1, ack: 2 }, { seq: 1, ack: 2 }]);
    expect(socket.starts).toBe(1);
  });

  it('close ends every wait and the socket; later waits resolve undefined at once', async () => {
    const { socket, clock, capture } = setup();
    const reply = capture.awaitReply(conn(50007), 200);
    capture.close();
    await expect(reply).resolves.toBeUndefined();
    expect(socket.closed).toBe(true);
    expect(clock.waiting).toBe(0);
    await expect(capture.awaitReply(conn(50007), 200)).resolves.toBeUndefined();
  });

  it('passes the socket error of a missing interface through', () => {
    const error = Object.assign(new Error('interface ftk-missing does not exist'), { code: 'E_NO_INTERFACE' });
    expect(() => openReplyCapture('ftk-missing', { openSocket: () => { throw error; }, clock: new ManualClock() })).toThrow(error);
  });
});
