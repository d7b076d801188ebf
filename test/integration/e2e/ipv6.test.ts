// IPv6 failover end to end: kill -9 of the owner of a v6 public address; the client sees the new owner's unsolicited NA, moves its neighbour entry, gets ECONNRESET, and reaches the address again.
//
// Lab prefix fe2d, three real floatipds from src/ with IPv6 public addresses only; an
// echo server on the wildcard address in every node namespace.

import { labFail, labHeal } from '../../../src/lab';
import { AddressSampler } from '../daemon/helpers/address-sampler';
import { DaemonLab, pings, startDaemonLab } from '../daemon/helpers/daemon-lab';
import { overrideAdvertisements, stopAllCaptures } from './helpers/capture';
import { addressesOf, balanced } from './helpers/cluster';
import { FaultEvidence, observeFault, segmentsToClient } from './helpers/fault-observer';
import { startEchoServers, stopAllTcp } from './helpers/tcp';
import { cleanUpAll } from '../helpers/cleanup';

jest.setTimeout(120_000);

const ALL = ['2001:db8:100::1', '2001:db8:100::2', '2001:db8:100::3'];
const CLIENT_ADDRESS = '2001:db8:100::ffff';
const PORT = 4450;
/** Half of dead_after (default profile) plus slack for a loaded machine: a crash is seen at once, not after dead_after. */
const RESET_BOUND_MS = 500 + 1000;

let lab: DaemonLab;
let sampler: AddressSampler;
let evidence: FaultEvidence;
/** Addresses the client could not ping before the fault. */
let unreachableAtStart: string[];
const measured: Record<string, number> = {};

beforeAll(async () => {
  lab = await startDaemonLab({ prefix: 'fe2d', nodes: 3, ipv4: 0, ipv6: ALL.length });
  await startEchoServers([0, 1, 2].map((pnn) => lab.namespace(pnn)), PORT);
  sampler = await AddressSampler.start([0, 1, 2].map((pnn) => lab.namespace(pnn)), 5);
  const victim = 1;
  const [address] = addressesOf(await balanced(lab, ALL), victim);
  unreachableAtStart = ALL.filter((a) => !pings(lab.client, a));
  try {
    evidence = await observeFault(lab, {
      address, victim, port: PORT, captureFilter: `icmp6 or tcp port ${PORT}`,
      fault: (pnn) => labFail(lab.target, pnn, 'kill'),
    });
  } finally {
    await labHeal(lab.target, victim);
  }
});

afterAll(async () => {
  stopAllCaptures();
  stopAllTcp();
  // Each step whatever the one before did: a failed sampler must not leave the lab behind.
  await cleanUpAll(() => sampler?.stop(), () => lab?.down());
  process.stdout.write(`floatip e2e IPv6 measurements (ms after kill -9): ${JSON.stringify(measured)}\n`);
});

test('before the fault every IPv6 public address was on exactly one node, one each, and the client reached each (ping -6)', () => {
  expect(unreachableAtStart).toEqual([]);
});

test('after kill -9 of its owner the address is on a survivor, and the client sees that node\'s unsolicited NA (Override) for it', () => {
  const e = evidence;
  expect(e.newOwner).not.toBe(e.victim);
  const adverts = overrideAdvertisements(e.frames, e.address).filter((f) => f.at >= e.fault);
  const fromNewOwner = adverts.filter((f) => f.sourceMac === e.newMac);
  expect(fromNewOwner.length).toBeGreaterThanOrEqual(1);
  // The target link-layer address option names the new owner too.
  expect(fromNewOwner[0].text).toMatch(new RegExp(`link-address option.*${e.newMac}`));
  expect(adverts.filter((f) => f.sourceMac === e.oldMac)).toEqual([]);
  measured.presentOnSurvivor = Math.round((sampler.firstSeen(e.newOwner, e.address, e.fault) ?? NaN) - e.fault);
  measured.firstNa = Math.round(fromNewOwner[0].at - e.fault);
});

test('the client\'s neighbour entry for the address moves from the old owner\'s MAC to the new owner\'s', () => {
  expect(evidence.neighbourBefore).toBe(evidence.oldMac);
  expect(evidence.neighbourAfter).toBe(evidence.newMac);
});

test('the idle IPv6 connection gets ECONNRESET from the new owner\'s tickle, and a new connection succeeds', () => {
  const e = evidence;
  expect(e.tickles.get(e.victim)?.connections).toEqual([{ client: CLIENT_ADDRESS, clientPort: e.connection.localPort, serverPort: PORT }]);
  expect(e.broken.code).toBe('ECONNRESET');
  expect(segmentsToClient(e, CLIENT_ADDRESS, PORT, '.]')[0]?.text).toMatch(/seq 0, ack 0/);
  expect(segmentsToClient(e, CLIENT_ADDRESS, PORT, 'R').length).toBeGreaterThanOrEqual(1);
  measured.econnreset = Math.round(e.broken.at - e.fault);
  expect(e.broken.at - e.fault).toBeLessThan(RESET_BOUND_MS);
  expect(e.reconnected).toBe(true);
});

test('the client pings the moved address (ping -6), and after the heal every address is hosted once again', async () => {
  expect(pings(lab.client, evidence.address)).toBe(true);
  await balanced(lab, ALL);
  expect(sampler.duplicates()).toEqual([]);
});
