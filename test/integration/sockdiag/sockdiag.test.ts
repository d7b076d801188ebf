// sock_diag on the real kernel: a server in PREFIX-sa, clients in PREFIX-sb; list and destroy by public address.

import * as path from 'node:path';
import { ChildProcess } from 'node:child_process';
import { cleanupNamespaces, createNamespace, createVeth, ipIn, runTsInNamespace, PREFIX } from '../helpers/netns-netlink';
import { DestroyReport, TrackedConnection } from '../../../src/adapters/sockdiag/port';

const SERVER_NS = `${PREFIX}-sa`;
const CLIENT_NS = `${PREFIX}-sb`;

jest.setTimeout(60000);

describe('sock_diag adapter on the real kernel', () => {
  let server: ChildProcess;
  let client: ChildProcess;
  const clientLines: { ready?: boolean; host?: string; port?: number; error?: string }[] = [];
  let nextId = 1;
  const call = <T>(method: string, ...args: string[]): Promise<T> => new Promise((resolve, reject) => {
    const id = nextId++;
    const onMessage = (m: { id: number; result?: T; error?: string }): void => {
      if (m.id !== id) return;
      server.off('message', onMessage);
      if (m.error) reject(new Error(m.error)); else resolve(m.result as T);
    };
    server.on('message', onMessage);
    server.send({ id, method, args });
  });
  const waitFor = async (check: () => boolean, what: string): Promise<void> => {
    for (let i = 0; i < 200; i++) {
      if (check()) return;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error(`timed out waiting for ${what}`);
  };

  beforeAll(async () => {
    cleanupNamespaces(`${PREFIX}-s`);
    createNamespace(SERVER_NS);
    createNamespace(CLIENT_NS);
    createVeth(SERVER_NS, `${PREFIX}0sa`, CLIENT_NS, `${PREFIX}0sb`);
    for (const a of ['192.0.2.10/24', '192.0.2.11/24']) ipIn(SERVER_NS, 'addr', 'add', a, 'dev', `${PREFIX}0sa`);
    for (const a of ['2001:db8::10/64', '2001:db8::11/64']) ipIn(SERVER_NS, 'addr', 'add', a, 'dev', `${PREFIX}0sa`, 'nodad');
    ipIn(CLIENT_NS, 'addr', 'add', '192.0.2.20/24', 'dev', `${PREFIX}0sb`);
    ipIn(CLIENT_NS, 'addr', 'add', '2001:db8::20/64', 'dev', `${PREFIX}0sb`, 'nodad');

    const listeners = [['192.0.2.10', 4450], ['192.0.2.11', 4450], ['2001:db8::10', 4450], ['2001:db8::11', 4450], ['::', 4451]];
    server = runTsInNamespace(SERVER_NS, path.join(__dirname, 'server-host.ts'), [JSON.stringify(listeners)], { ipc: true });
    await new Promise<void>((resolve, reject) => {
      server.once('message', () => resolve());
      server.once('exit', (code) => reject(new Error(`server exited ${code}`)));
    });
    const targets = [
      { host: '192.0.2.10', port: 4450, count: 3, localAddress: '192.0.2.20' },
      { host: '192.0.2.10', port: 4451, count: 2, localAddress: '192.0.2.20' }, // an IPv6 socket with a mapped address
      { host: '192.0.2.11', port: 4450, count: 3, localAddress: '192.0.2.20' },
      { host: '2001:db8::10', port: 4450, count: 3, localAddress: '2001:db8::20' },
      { host: '2001:db8::11', port: 4450, count: 3, localAddress: '2001:db8::20' },
    ];
    client = runTsInNamespace(CLIENT_NS, path.join(__dirname, 'client.ts'), [JSON.stringify(targets)]);
    let buffered = '';
    client.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() as string;
      for (const line of lines) clientLines.push(JSON.parse(line));
    });
    await waitFor(() => clientLines.some((l) => l.ready), 'the client connections');
  });

  afterAll(() => {
    client?.stdin?.end();
    client?.kill();
    server?.kill();
    cleanupNamespaces(`${PREFIX}-s`);
  });

  const summary = (conns: TrackedConnection[]): string[] =>
    conns.map((c) => `${c.server.address.text}:${c.server.port}<-${c.client.address.text} v${c.socketFamily} ${c.state}`).sort();

  it('lists exactly the ESTABLISHED connections on the given addresses, IPv4, IPv6 and mapped', async () => {
    const conns = await call<TrackedConnection[]>('listEstablished', '192.0.2.10', '2001:db8::10');
    expect(summary(conns)).toEqual([
      ...Array(3).fill('192.0.2.10:4450<-192.0.2.20 v4 ESTABLISHED'),
      ...Array(2).fill('192.0.2.10:4451<-192.0.2.20 v6 ESTABLISHED'),
      ...Array(3).fill('2001:db8::10:4450<-2001:db8::20 v6 ESTABLISHED'),
    ].sort());
    expect(await call<TrackedConnection[]>('listEstablished', '198.51.100.1')).toEqual([]);
  });

  it('dumps off the loop through the addon: every IPv4 socket of the namespace, and the kernel\'s refusal by its errno', async () => {
    // AF_INET (2): the 6 IPv4 server sockets, 3 on each address (the mapped ones are IPv6 sockets); 99 is no family.
    expect(await call<number>('dumpAsFamily', '2')).toBe(6);
    await expect(call<number>('dumpAsFamily', '99')).rejects.toThrow('dump of family 99: the kernel refused it (EINVAL)');
  });

  it('destroys the connections on one address: their clients see ECONNRESET, the others stay', async () => {
    const report = await call<DestroyReport>('destroyConnections', '192.0.2.10');
    expect(report).toEqual({ destroyed: 5, alreadyGone: 0, killedByFallback: 0, failed: [] });
    await waitFor(() => clientLines.filter((l) => l.error).length >= 5, 'the client resets');
    const v6report = await call<DestroyReport>('destroyConnections', '2001:db8::10');
    expect(v6report.destroyed).toBe(3);
    await waitFor(() => clientLines.filter((l) => l.error).length >= 8, 'the IPv6 client resets');
    await new Promise((resolve) => setTimeout(resolve, 200));

    const errors = clientLines.filter((l) => l.error).map((l) => `${l.host}:${l.port} ${l.error}`).sort();
    expect(errors).toEqual([
      ...Array(3).fill('192.0.2.10:4450 ECONNRESET'),
      ...Array(2).fill('192.0.2.10:4451 ECONNRESET'),
      ...Array(3).fill('2001:db8::10:4450 ECONNRESET'),
    ].sort());
    const left = await call<TrackedConnection[]>('listEstablished', '192.0.2.10', '192.0.2.11', '2001:db8::10', '2001:db8::11');
    expect(summary(left)).toEqual([
      ...Array(3).fill('192.0.2.11:4450<-192.0.2.20 v4 ESTABLISHED'),
      ...Array(3).fill('2001:db8::11:4450<-2001:db8::20 v6 ESTABLISHED'),
    ].sort());
  });
});
