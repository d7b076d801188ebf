// Gratuitous ARP and unsolicited NA on real links: a client's neighbour entry follows the address from node A to node B.

import { execIn, ipIn, LabMember, packetLab, startJob, startTcpdump, stopAllJobs } from '../helpers/netns-packet';

jest.setTimeout(60_000);

const PUBLIC_V4 = '192.0.2.50';
const PUBLIC_V6 = '2001:db8::50';
const STALE_MAC = '02:00:00:00:f0:99';
const ROUNDS = { count: 2, spacingMs: 100, secondBurstDelayMs: 0 };
/** Only for a capture nobody ends: each test tells its capture to finish. */
const CAPTURE_MAX_MS = 45_000;

// Its own prefix: tickle.test.ts's `fpk` lab may be built and torn down at the same time.
const lab = packetLab('fpa');
const { nodeA: NODE_A, nodeB: NODE_B, client: CLIENT } = lab;
const clientNeighbour = (address: string) => lab.clientNeighbour(address);

beforeAll(() => {
  lab.create();
  // The brief's condition for a host to take a gratuitous ARP: an existing entry, or arp_accept.
  execIn(CLIENT.ns, 'sysctl', '-q', 'net.ipv4.conf.all.arp_accept=1', `net.ipv4.conf.${CLIENT.iface}.arp_accept=1`);
});

afterAll(() => {
  stopAllJobs();
  lab.cleanup();
});

/**
 * Announces from `node` while tcpdump and our own AF_PACKET receiver listen in the client
 * namespace. Both are listening before the announce job starts, and both stop only after
 * it has ended (its last round went out before it did), so a slow start of any of the
 * three children on a busy machine cannot cut a round off.
 */
async function announceAndCapture(node: LabMember, address: string, tcpdumpFilter: string) {
  const tcpdump = await startTcpdump(CLIENT.ns, CLIENT.iface, tcpdumpFilter);
  const capture = startJob<string[]>(CLIENT.ns, 'capture', { iface: CLIENT.iface, maxMs: CAPTURE_MAX_MS });
  await capture.ready;
  const announced = await startJob<{ firstRoundMs: number; errors: string[] }>(node.ns, 'announce', {
    iface: node.iface, addresses: [address], settings: ROUNDS, waitMs: 500,
  }).result;
  expect(announced.errors).toEqual([]);
  // The announce job outlives its last round by waitMs, and the kernel hands each frame to
  // tcpdump and to our socket together, so both have every frame queued before they stop.
  const tcpdumpLines = await tcpdump.lines();
  return { tcpdump: tcpdumpLines, captured: await capture.finish() };
}

describe('gratuitous ARP', () => {
  it('moves the client neighbour entry to A, then to B, sending request and reply per round', async () => {
    ipIn(NODE_A.ns, 'addr', 'add', `${PUBLIC_V4}/24`, 'dev', NODE_A.iface);
    ipIn(CLIENT.ns, 'neigh', 'replace', PUBLIC_V4, 'lladdr', STALE_MAC, 'dev', CLIENT.iface, 'nud', 'stale');
    expect(clientNeighbour(PUBLIC_V4)?.mac).toBe(STALE_MAC);

    const fromA = await announceAndCapture(NODE_A, PUBLIC_V4, 'arp');
    expect(clientNeighbour(PUBLIC_V4)?.mac).toBe(NODE_A.mac);
    // tcpdump is the independent decoder: two rounds of request + reply from A's MAC, broadcast.
    const requests = fromA.tcpdump.filter((l) => l.includes(`${NODE_A.mac} > ff:ff:ff:ff:ff:ff`) && l.includes(`Request who-has ${PUBLIC_V4} tell ${PUBLIC_V4}`));
    const replies = fromA.tcpdump.filter((l) => l.includes(`${NODE_A.mac} > ff:ff:ff:ff:ff:ff`) && l.includes(`Reply ${PUBLIC_V4} is-at ${NODE_A.mac}`));
    expect([requests.length, replies.length]).toEqual([2, 2]);
    expect(fromA.tcpdump.join('\n')).not.toMatch(/bad|incorrect|truncated/i);
    // Our own receive path (AF_PACKET + uv_poll in the addon) sees the same frames.
    expect(fromA.captured).toEqual([
      `arp request ${PUBLIC_V4} ${NODE_A.mac} -> ${PUBLIC_V4} 00:00:00:00:00:00`,
      `arp reply ${PUBLIC_V4} ${NODE_A.mac} -> ${PUBLIC_V4} ${NODE_A.mac}`,
      `arp request ${PUBLIC_V4} ${NODE_A.mac} -> ${PUBLIC_V4} 00:00:00:00:00:00`,
      `arp reply ${PUBLIC_V4} ${NODE_A.mac} -> ${PUBLIC_V4} ${NODE_A.mac}`,
    ]);

    ipIn(NODE_A.ns, 'addr', 'del', `${PUBLIC_V4}/24`, 'dev', NODE_A.iface);
    ipIn(NODE_B.ns, 'addr', 'add', `${PUBLIC_V4}/24`, 'dev', NODE_B.iface);
    const fromB = await announceAndCapture(NODE_B, PUBLIC_V4, 'arp');
    expect(clientNeighbour(PUBLIC_V4)?.mac).toBe(NODE_B.mac);
    expect(fromB.tcpdump.filter((l) => l.includes(`Reply ${PUBLIC_V4} is-at ${NODE_B.mac}`))).toHaveLength(2);
  });
});

describe('unsolicited neighbour advertisement', () => {
  it('moves the client neighbour entry to A, then to B, with a checksum tcpdump accepts', async () => {
    ipIn(NODE_A.ns, '-6', 'addr', 'add', `${PUBLIC_V6}/64`, 'dev', NODE_A.iface, 'nodad');
    ipIn(CLIENT.ns, '-6', 'neigh', 'replace', PUBLIC_V6, 'lladdr', STALE_MAC, 'dev', CLIENT.iface, 'nud', 'stale');
    expect(clientNeighbour(PUBLIC_V6)?.mac).toBe(STALE_MAC);

    const filter = 'icmp6 and ip6[40] == 136';
    const fromA = await announceAndCapture(NODE_A, PUBLIC_V6, filter);
    expect(clientNeighbour(PUBLIC_V6)?.mac).toBe(NODE_A.mac);
    const adverts = fromA.tcpdump.filter((l) => l.includes(`${NODE_A.mac} > 33:33:00:00:00:01`) && l.includes(`tgt is ${PUBLIC_V6}`));
    expect(adverts).toHaveLength(2);
    for (const line of adverts) {
      expect(line).toMatch(/hlim 255/);
      expect(line).toMatch(/icmp6 sum ok/);
      expect(line).toMatch(/Flags \[override\]/);
      expect(line).toContain(`destination link-address option (2), length 8 (1): ${NODE_A.mac}`);
    }
    expect(fromA.tcpdump.join('\n')).not.toMatch(/bad|incorrect/i);
    expect(fromA.captured).toEqual([
      `na ${PUBLIC_V6} ${NODE_A.mac} hop 255 O- from ${NODE_A.mac}`,
      `na ${PUBLIC_V6} ${NODE_A.mac} hop 255 O- from ${NODE_A.mac}`,
    ]);

    ipIn(NODE_A.ns, '-6', 'addr', 'del', `${PUBLIC_V6}/64`, 'dev', NODE_A.iface);
    ipIn(NODE_B.ns, '-6', 'addr', 'add', `${PUBLIC_V6}/64`, 'dev', NODE_B.iface, 'nodad');
    await announceAndCapture(NODE_B, PUBLIC_V6, filter);
    expect(clientNeighbour(PUBLIC_V6)?.mac).toBe(NODE_B.mac);
  });
});
