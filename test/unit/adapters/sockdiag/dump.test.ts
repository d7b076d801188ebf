// The sock_diag adapter's dumps through a swapped dumper: what it asks, how it reads the kernel's answer, and what a refusal becomes.

import { NetlinkError } from '../../../../src/adapters/netlink/errors';
import { SockDiagAdapter, SockDiagDumper, decodeDumpReply } from '../../../../src/adapters/sockdiag/sockdiag';
import { ip } from '../../../../src/core/ip';

const SOCK_DIAG_BY_FAMILY = 20;
const NLMSG_ERROR = 2;
const NLMSG_DONE = 3;
const NLM_F_MULTI = 0x2;

/** One netlink message: header (length, type, flags, seq 1, port 0) and payload, padded to 4 bytes. */
function nlmsg(type: number, payload: Uint8Array, flags = NLM_F_MULTI): Buffer {
  const length = 16 + payload.length;
  const out = Buffer.alloc((length + 3) & ~3);
  out.writeUInt32LE(length, 0);
  out.writeUInt16LE(type, 4);
  out.writeUInt16LE(flags, 6);
  out.writeUInt32LE(1, 8);
  Buffer.from(payload).copy(out, 16);
  return out;
}

/** An established IPv4 inet_diag_msg: local 192.0.2.10:445, remote 198.51.100.20:50000. */
function socketMessage(local = 'c000020a'): Buffer {
  return nlmsg(SOCK_DIAG_BY_FAMILY, Buffer.from(
    '0201' + '0000' + '01bd' + 'c350' + local + '0'.repeat(24) + 'c6336414' + '0'.repeat(24) +
    '02000000' + '07000000' + '08000000' + '00000000' + '00000000' + '00000000' + 'e8030000' + '39300000', 'hex'));
}

const done = (): Buffer => nlmsg(NLMSG_DONE, Buffer.alloc(4));
/** NLMSG_ERROR with `errno` (negative, as the kernel sends it) and the request's header. */
const refusal = (errno: number): Buffer => {
  const payload = Buffer.alloc(20);
  payload.writeInt32LE(errno, 0);
  return nlmsg(NLMSG_ERROR, payload, 0);
};

test('a dump answer: its sockets, up to NLMSG_DONE', () => {
  const sockets = decodeDumpReply(Buffer.concat([socketMessage(), socketMessage('c000020b'), done()]), 'listing');
  expect(sockets.map((s) => s.id.localAddress.text)).toEqual(['192.0.2.10', '192.0.2.11']);
  expect(sockets[0]).toMatchObject({ family: 4, state: 1, id: { localPort: 445, remotePort: 50000 } });
  expect(decodeDumpReply(done(), 'listing')).toEqual([]);
});

test('a refused dump names the errno; an answer cut short or unreadable is a bad reply', () => {
  const refused = (): unknown => decodeDumpReply(refusal(-1), 'listing IPv4 TCP sockets');
  expect(refused).toThrow(new NetlinkError('E_NETLINK_KERNEL', 'listing IPv4 TCP sockets: the kernel refused it (EPERM)', 'EPERM'));
  expect(() => decodeDumpReply(socketMessage(), 'listing')).toThrow(/ends without NLMSG_DONE/);
  expect(() => decodeDumpReply(Buffer.alloc(0), 'listing')).toThrow(/ends without NLMSG_DONE/);
  const cut = socketMessage();
  cut.writeUInt32LE(400, 0); // longer than the buffer
  expect(() => decodeDumpReply(Buffer.concat([cut, done()]), 'listing')).toThrow(NetlinkError);
});

describe('the adapter with a swapped dumper', () => {
  let adapter: SockDiagAdapter;
  afterEach(async () => adapter.stop());

  test('asks one ESTABLISHED dump per family and keeps the sockets on the given addresses', async () => {
    const asked: Uint8Array[] = [];
    const dumper: SockDiagDumper = async (request) => {
      asked.push(request);
      return request[0] === 2 ? Buffer.concat([socketMessage(), socketMessage('c000020b'), done()]) : done();
    };
    adapter = new SockDiagAdapter({ dumper });
    await adapter.start();
    const found = await adapter.listEstablished([ip('192.0.2.11')]);
    expect(asked.map((r) => [r[0], r[1], Buffer.from(r).readUInt32LE(4)])).toEqual([[2, 6, 1 << 1], [10, 6, 1 << 1]]);
    expect(found.map((c) => `${c.server.address.text}:${c.server.port} ${c.client.address.text}:${c.client.port} ${c.state}`))
      .toEqual(['192.0.2.11:445 198.51.100.20:50000 ESTABLISHED']);
  });

  test('a dump the kernel did not answer in time is E_NETLINK_TIMEOUT, as from the netlink channel', async () => {
    const timedOut = Object.assign(new Error('recv(NETLINK_SOCK_DIAG dump): Connection timed out'), { code: 'ETIMEDOUT' });
    adapter = new SockDiagAdapter({ dumper: () => Promise.reject(timedOut) });
    await adapter.start();
    await expect(adapter.listEstablished([ip('192.0.2.10')])).rejects.toMatchObject({
      code: 'E_NETLINK_TIMEOUT', errno: 'ETIMEDOUT',
      message: 'listing IPv4 TCP sockets: no answer from the kernel in time (recv(NETLINK_SOCK_DIAG dump): Connection timed out); check `dmesg` and retry',
    });
  });

  test('a dumper that fails becomes a kernel error naming the dump and the errno', async () => {
    const failure = Object.assign(new Error('socket(NETLINK_SOCK_DIAG dump): Operation not permitted'), { code: 'EPERM' });
    adapter = new SockDiagAdapter({ dumper: () => Promise.reject(failure) });
    await adapter.start();
    await expect(adapter.listEstablished([ip('192.0.2.10')])).rejects.toMatchObject({
      code: 'E_NETLINK_KERNEL', errno: 'EPERM', message: 'listing IPv4 TCP sockets: socket(NETLINK_SOCK_DIAG dump): Operation not permitted',
    });
  });
});
