// The Takeover component on a real kernel: addresses, GARP/NA, socket kill, tickles and move, seen from a client.

import { MoveReport, ReleaseReport, TakeReport } from '../../../src/adapters/takeover/port';
import {
  A0, A1, Agent, B0, C0, CLIENT_V4, CLIENT_V6, cleanupLab, clientNeighbour, createLab, hasAddress, kernelAddresses, sleep,
  startAgent, stopAgents,
} from './lab';
import { ipIn } from '../helpers/netns-child';

jest.setTimeout(60_000);

const PORT = 4450;
let nodeA: Agent;
let nodeB: Agent;
let client: Agent;

beforeAll(async () => {
  createLab();
  [nodeA, nodeB, client] = await Promise.all([
    startAgent(A0.ns, 'node', { socketKill: 'auto' }),
    startAgent(B0.ns, 'node', { socketKill: 'auto' }),
    startAgent(C0.ns, 'client'),
  ]);
});

afterAll(() => {
  stopAgents();
  cleanupLab();
});

const take = (node: Agent, address: string, bits: number, iface: string, tickles: unknown[] = []) =>
  node.call<{ startedAt: number; report: TakeReport }>('take', address, bits, iface, tickles);
const release = (node: Agent, address: string, bits: number) => node.call<ReleaseReport>('release', address, bits);

/** Waits for the client's neighbour entry of `address` to show `mac` (the announcement is on the wire when take returns). */
async function neighbourBecomes(address: string, mac: string): Promise<string | undefined> {
  for (let i = 0; i < 50 && clientNeighbour(address)?.mac !== mac; i++) await sleep(10);
  return clientNeighbour(address)?.mac;
}

describe('take and move between nodes', () => {
  it('IPv4: the address lands on A, the client hears A\'s GARP; released on A and taken on B, it follows to B', async () => {
    const address = '192.0.2.50';
    await client.call('startCapture', C0.iface);
    const onA = await take(nodeA, address, 24, A0.iface);
    expect(onA.report).toMatchObject({ outcome: 'added', problems: [] });
    expect(kernelAddresses(A0)).toContainEqual(expect.objectContaining({ local: address, prefixlen: 24 }));
    expect(await neighbourBecomes(address, A0.mac)).toBe(A0.mac);

    const released = await release(nodeA, address, 24);
    expect(released).toMatchObject({ outcome: 'deleted', interfaces: [A0.iface] });
    expect(hasAddress(A0, address)).toBe(false);
    const fromA = (seen: string[]) => seen.filter((s) => s.endsWith(`${address} ${A0.mac}`));
    const fromAAtRelease = fromA(await client.call<string[]>('peekCapture'));
    const onB = await take(nodeB, address, 24, B0.iface);
    expect(onB.report.outcome).toBe('added');
    expect(hasAddress(B0, address)).toBe(true);
    expect(await neighbourBecomes(address, B0.mac)).toBe(B0.mac);

    await sleep(250); // past every round of both (2 rounds, 100 ms apart)
    const seen = await client.call<string[]>('stopCapture');
    // Each round is a request and a reply. A's rounds stop at its release (the withdraw), so a
    // released node never pulls traffic back; B, holding the address, sends both of its rounds.
    expect(fromAAtRelease.slice(0, 2)).toEqual([`arp request ${address} ${A0.mac}`, `arp reply ${address} ${A0.mac}`]);
    expect(fromA(seen)).toEqual(fromAAtRelease);
    expect(seen.filter((s) => s.endsWith(`${address} ${B0.mac}`))).toEqual([
      `arp request ${address} ${B0.mac}`, `arp reply ${address} ${B0.mac}`, `arp request ${address} ${B0.mac}`, `arp reply ${address} ${B0.mac}`,
    ]);
    console.log(`take IPv4 on A: ${JSON.stringify(onA.report.ms)}; release: ${JSON.stringify(released.ms)}; take on B: ${JSON.stringify(onB.report.ms)}`);
    await release(nodeB, address, 24);
  });

  it('IPv6: added without DAD (never tentative or dadfailed), announced by NA, and moved to B', async () => {
    const address = '2001:db8::50';
    // An unsolicited NA only updates an entry the client already has (RFC 4861 7.2.5).
    ipIn(C0.ns, '-6', 'neigh', 'replace', address, 'lladdr', '02:00:00:00:fc:99', 'dev', C0.iface, 'nud', 'stale');
    await client.call('startCapture', C0.iface);
    const onA = await take(nodeA, address, 64, A0.iface);
    expect(onA.report).toMatchObject({ outcome: 'added', problems: [] });
    const entry = kernelAddresses(A0).find((a) => a.local === address);
    expect(entry).toMatchObject({ prefixlen: 64 });
    expect(entry?.tentative).toBeUndefined();
    expect(entry?.dadfailed).toBeUndefined();
    expect(await neighbourBecomes(address, A0.mac)).toBe(A0.mac);

    await release(nodeA, address, 64);
    await take(nodeB, address, 64, B0.iface);
    expect(kernelAddresses(B0).find((a) => a.local === address)).toEqual(expect.not.objectContaining({ tentative: true }));
    expect(await neighbourBecomes(address, B0.mac)).toBe(B0.mac);
    const seen = await client.call<string[]>('stopCapture');
    expect(seen).toContain(`na ${address} ${A0.mac}`);
    expect(seen).toContain(`na ${address} ${B0.mac}`);
    await release(nodeB, address, 64);
  });

  it('is idempotent: a second take only re-announces, a second release reports absent', async () => {
    const address = '192.0.2.51';
    await take(nodeA, address, 24, A0.iface);
    const again = await take(nodeA, address, 24, A0.iface);
    expect(again.report).toMatchObject({ outcome: 'present', tickled: 0 });
    expect(kernelAddresses(A0).filter((a) => a.local === address)).toHaveLength(1);
    expect((await release(nodeA, address, 24)).outcome).toBe('deleted');
    expect(await release(nodeA, address, 24)).toMatchObject({ outcome: 'absent', sockets: { method: 'none' } });
  });
});

describe('release and TCP connections', () => {
  it('destroys server sockets on the address (clients see ECONNRESET); an address floatip did not add is untouched', async () => {
    const ours = '192.0.2.60';
    const foreign = '192.0.2.61';
    await take(nodeA, ours, 24, A0.iface);
    ipIn(A0.ns, 'addr', 'add', `${foreign}/24`, 'dev', A0.iface);
    await nodeA.call('listen', ours, PORT);
    await nodeA.call('listen', foreign, PORT);
    const [c1, c2, other] = await Promise.all([
      client.call<{ localPort: number }>('connect', ours, PORT),
      client.call<{ localPort: number }>('connect', ours, PORT),
      client.call<{ localPort: number }>('connect', foreign, PORT),
    ]);

    const report = await release(nodeA, ours, 24);
    expect(report).toMatchObject({ outcome: 'deleted', sockets: { method: 'destroy', destroyed: 2, failed: 0 }, problems: [] });
    for (const c of [c1, c2]) expect((await client.call<{ code: string }>('fate', c.localPort, 2000)).code).toBe('ECONNRESET');
    const servers = await nodeA.call<{ local: string; closed: boolean }[]>('serverSockets');
    expect(servers.filter((s) => s.local === ours).map((s) => s.closed)).toEqual([true, true]);
    console.log(`release with 2 connections: ${JSON.stringify(report.ms)}`);

    expect(await release(nodeA, foreign, 24)).toMatchObject({ outcome: 'absent' });
    expect(hasAddress(A0, foreign)).toBe(true);
    expect(await client.call('echo', other.localPort, 'still here')).toBe('still here');
    expect(servers.filter((s) => s.local === foreign).map((s) => s.closed)).toEqual([false]);
    ipIn(A0.ns, 'addr', 'del', `${foreign}/24`, 'dev', A0.iface);
  });
});

describe('tickle through take()', () => {
  it.each([
    { family: 'IPv4', address: '192.0.2.70', bits: 24, clientAddress: CLIENT_V4 },
    { family: 'IPv6', address: '2001:db8::70', bits: 64, clientAddress: CLIENT_V6 },
  ])('$family: A loses its link, B takes the address with the recorded connection, the client is reset at once', async ({ address, bits, clientAddress }) => {
    await take(nodeA, address, bits, A0.iface);
    await nodeA.call('listen', address, PORT);
    const conn = await client.call<{ localPort: number }>('connect', address, PORT);
    expect(await client.call('echo', conn.localPort, 'before')).toBe('before');

    ipIn(A0.ns, 'link', 'set', A0.iface, 'down');
    try {
      const tickles = [{ server: address, serverPort: PORT, client: clientAddress, clientPort: conn.localPort }];
      const onB = await take(nodeB, address, bits, B0.iface, tickles);
      expect(onB.report).toMatchObject({ outcome: 'added', tickled: 1, problems: [] });
      const fate = await client.call<{ code: string; at: number }>('fate', conn.localPort, 3000);
      expect(fate.code).toBe('ECONNRESET');
      const delayMs = fate.at - onB.startedAt;
      console.log(`tickle ${address}: take() on B started -> client ECONNRESET after ${delayMs.toFixed(2)} ms; steps ${JSON.stringify(onB.report.ms)}`);
      expect(delayMs).toBeLessThan(500);
    } finally {
      ipIn(A0.ns, 'link', 'set', A0.iface, 'up');
      await release(nodeA, address, bits);
      await release(nodeB, address, bits);
    }
  });
});

describe('move between two interfaces of one node (updateip)', () => {
  it('the address changes interface, the client follows the new MAC, and its connection survives', async () => {
    const address = '192.0.2.80';
    await take(nodeA, address, 24, A0.iface);
    await nodeA.call('listen', address, PORT);
    const conn = await client.call<{ localPort: number }>('connect', address, PORT);
    expect(clientNeighbour(address)?.mac).toBe(A0.mac);

    const report = await nodeA.call<MoveReport>('move', address, 24, A0.iface, A1.iface);
    expect(report).toMatchObject({ added: 'added', deleted: 'deleted', problems: [] });
    expect(hasAddress(A0, address)).toBe(false);
    expect(hasAddress(A1, address)).toBe(true);
    expect(await neighbourBecomes(address, A1.mac)).toBe(A1.mac);
    expect(await client.call('echo', conn.localPort, 'after move')).toBe('after move');
    console.log(`move: ${JSON.stringify(report.ms)}`);

    expect(await nodeA.call<MoveReport>('move', address, 24, A0.iface, A1.iface)).toMatchObject({ added: 'present', deleted: 'absent' });
    await release(nodeA, address, 24);
  });
});

describe('killtcp fallback with the real capture', () => {
  let killer: Agent;
  beforeAll(async () => { killer = await startAgent(A0.ns, 'node', { socketKill: 'killtcp' }); });
  afterAll(() => killer.stop());

  it.each([
    { family: 'IPv4', address: '192.0.2.90', bits: 24 },
    { family: 'IPv6', address: '2001:db8::90', bits: 64 },
  ])('$family: tickle, capture the client\'s ACK on the interface, reset with its numbers', async ({ address, bits }) => {
    await take(killer, address, bits, A0.iface);
    await killer.call('listen', address, PORT);
    const conns = await Promise.all([client.call<{ localPort: number }>('connect', address, PORT), client.call<{ localPort: number }>('connect', address, PORT)]);
    for (const c of conns) expect(await client.call('echo', c.localPort, 'hello')).toBe('hello');

    const report = await release(killer, address, bits);
    expect(report).toMatchObject({ outcome: 'deleted', sockets: { method: 'killtcp', killed: 2, failed: 0, destroyed: 0 }, problems: [] });
    for (const c of conns) expect((await client.call<{ code: string }>('fate', c.localPort, 2000)).code).toBe('ECONNRESET');
    console.log(`killtcp release ${address} with 2 connections: ${JSON.stringify(report.ms)}`);
  });
});
