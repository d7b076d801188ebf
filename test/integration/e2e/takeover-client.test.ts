// What a client sees when its server's node fails (kill -9, link down): gratuitous ARP from the new owner, its neighbour entry moving, ECONNRESET on its old connection, and a new connection served.
//
// Three real floatipds (from src/) in a lab with prefix fe2b; an echo server listens on
// the wildcard address in every node namespace. The client holds one idle connection to
// an address of the node about to fail; the connection is recorded by the owner and
// replicated (gettickles), so the new owner can tickle it. tcpdump in the client
// namespace is the witness for every frame.

import { labFail, labHeal } from '../../../src/lab';
import { AddressSampler } from '../daemon/helpers/address-sampler';
import { DaemonLab, holders, startDaemonLab } from '../daemon/helpers/daemon-lab';
import { arpReplies, garpRequests, stopAllCaptures } from './helpers/capture';
import { addressesOf, balanced } from './helpers/cluster';
import { FaultEvidence, observeFault, segmentsToClient } from './helpers/fault-observer';
import { startEchoServers, stopAllTcp } from './helpers/tcp';
import { cleanUpAll } from '../helpers/cleanup';

jest.setTimeout(120_000);

const ALL = Array.from({ length: 6 }, (_, k) => `198.51.100.${k + 1}`);
const CLIENT_ADDRESS = '198.51.100.250';
const PORT = 4450;
/** timing profile `default`. */
const DEAD_AFTER_MS = 1000;
/** Scheduling slack on a loaded 2-core machine shared with other labs. */
const SLACK_MS = 1000;

let lab: DaemonLab;
let sampler: AddressSampler;
const measured: Record<string, Record<string, number>> = {};

beforeAll(async () => {
  lab = await startDaemonLab({ prefix: 'fe2b', nodes: 3, ipv4: ALL.length, ipv6: 0 });
  await startEchoServers([0, 1, 2].map((pnn) => lab.namespace(pnn)), PORT);
  sampler = await AddressSampler.start([0, 1, 2].map((pnn) => lab.namespace(pnn)), 5);
});

afterAll(async () => {
  stopAllCaptures();
  stopAllTcp();
  // Each step whatever the one before did: a failed sampler must not leave the lab behind.
  await cleanUpAll(() => sampler?.stop(), () => lab?.down());
  process.stdout.write(`floatip e2e client measurements (ms after the fault): ${JSON.stringify(measured)}\n`);
});

/** Makes the fault on `victim`, holding a connection to the first of its addresses. */
async function failOwner(victim: number, fault: (victimPnn: number) => Promise<unknown>): Promise<FaultEvidence> {
  const [address] = addressesOf(await balanced(lab, ALL), victim);
  return observeFault(lab, { address, victim, port: PORT, captureFilter: `arp or tcp port ${PORT}`, fault });
}

function report(name: string, e: FaultEvidence): void {
  const firstGarp = garpRequests(e.frames, e.address).find((f) => f.sourceMac === e.newMac && f.at >= e.fault);
  const [reset] = segmentsToClient(e, CLIENT_ADDRESS, PORT, 'R');
  measured[name] = {
    presentOnSurvivor: Math.round((sampler.firstSeen(e.newOwner, e.address, e.fault) ?? NaN) - e.fault),
    firstGarp: Math.round((firstGarp?.at ?? NaN) - e.fault),
    resetOnWire: Math.round((reset?.at ?? NaN) - e.fault),
    econnreset: Math.round(e.broken.at - e.fault),
  };
}

function describeClientView(name: string, evidence: () => FaultEvidence, resetBoundMs: number): void {
  test('before the fault: gettickles lists the client\'s connection on the owner and on every other node', () => {
    const e = evidence();
    for (const pnn of [0, 1, 2]) {
      expect([pnn, e.tickles.get(pnn)]).toEqual([pnn, {
        address: e.address,
        connections: [{ client: CLIENT_ADDRESS, clientPort: e.connection.localPort, serverPort: PORT }],
      }]);
    }
    expect(e.ticklesText).toContain(`SRC: ${CLIENT_ADDRESS}:${e.connection.localPort}`);
    expect(e.ticklesText).toContain(`DST: ${e.address}:${PORT}`);
    expect(e.neighbourBefore).toBe(e.oldMac);
  });

  test('the client sees a gratuitous ARP request and reply for the address from the new owner\'s MAC', () => {
    const e = evidence();
    expect(e.newOwner).not.toBe(e.victim);
    const requests = garpRequests(e.frames, e.address).filter((f) => f.at >= e.fault);
    const replies = arpReplies(e.frames, e.address).filter((f) => f.at >= e.fault);
    expect(requests.filter((f) => f.sourceMac === e.newMac && f.destinationMac === 'ff:ff:ff:ff:ff:ff').length).toBeGreaterThanOrEqual(1);
    expect(replies.filter((f) => f.sourceMac === e.newMac && f.isAt === e.newMac).length).toBeGreaterThanOrEqual(1);
  });

  test('after the fault no frame claims the address for the failed node\'s MAC', () => {
    const e = evidence();
    const fromOld = [...garpRequests(e.frames, e.address), ...arpReplies(e.frames, e.address)]
      .filter((f) => f.at >= e.fault && (f.sourceMac === e.oldMac || ('isAt' in f && f.isAt === e.oldMac)));
    expect(fromOld).toEqual([]);
  });

  test('the client\'s neighbour entry for the address changes to the new owner\'s MAC', () => {
    const e = evidence();
    expect(e.neighbourAfter).toBe(e.newMac);
  });

  test(`the idle connection gets ECONNRESET from the new owner's tickle, within ${resetBoundMs} ms of the fault`, () => {
    const e = evidence();
    expect(e.broken.code).toBe('ECONNRESET');
    const [tickle] = segmentsToClient(e, CLIENT_ADDRESS, PORT, '.]');
    expect(tickle?.text).toMatch(/seq 0, ack 0/);
    expect(segmentsToClient(e, CLIENT_ADDRESS, PORT, 'R').length).toBeGreaterThanOrEqual(1);
    report(name, e);
    expect(e.broken.at - e.fault).toBeGreaterThan(0);
    expect(e.broken.at - e.fault).toBeLessThan(resetBoundMs);
  });

  test('a new connection to the address succeeds', () => {
    expect(evidence().reconnected).toBe(true);
  });
}

describe('kill -9 of the owner', () => {
  let evidence: FaultEvidence;
  beforeAll(async () => {
    evidence = await failOwner(1, (pnn) => labFail(lab.target, pnn, 'kill'));
  });
  afterAll(async () => {
    await labHeal(lab.target, 1);
  });
  // The survivor holds the address soon after a crash (after the guardian's FENCED notice, or crash_grace); the tickle follows the take.
  describeClientView('kill', () => evidence, DEAD_AFTER_MS / 2 + SLACK_MS);
});

describe('link down on the owner', () => {
  let evidence: FaultEvidence;
  beforeAll(async () => {
    evidence = await failOwner(2, (pnn) => labFail(lab.target, pnn, 'link', 'all'));
  });
  afterAll(async () => {
    await labHeal(lab.target, 2);
  });
  // The others count the silent node dead after dead_after and take its addresses then.
  describeClientView('link', () => evidence, DEAD_AFTER_MS + SLACK_MS);
});

test('throughout: no address was ever seen on two nodes at once (5 ms samples), and the layout is balanced again', async () => {
  expect(sampler.duplicates()).toEqual([]);
  const layout = await balanced(lab, ALL);
  expect(holders(lab, ALL)).toEqual(layout);
});
