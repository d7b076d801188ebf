// Three real floatipds in a namespace lab: start, the CLI against them, SIGHUP reload, SIGTERM; no address ever on two nodes.
//
// The daemons run from src/ (helpers/ts-daemon.ts). A sampler dumps every node's addresses
// every 5 ms for the whole file; the last test checks its timelines for duplicates.

import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { StatusResult, IpStatus } from '../../../src/protocol/control-results';
import { AddressSampler } from './helpers/address-sampler';
import { DaemonLab, holders, pings, startDaemonLab, waitFor, waitReady } from './helpers/daemon-lab';
import { cleanUpAll } from '../helpers/cleanup';

jest.setTimeout(120_000);

const IPV4 = Array.from({ length: 6 }, (_, k) => `198.51.100.${k + 1}`);
const IPV6 = ['2001:db8:100::1', '2001:db8:100::2', '2001:db8:100::3'];
const ALL = [...IPV4, ...IPV6];
const DEAD_AFTER_MS = 1000;

let lab: DaemonLab;
let sampler: AddressSampler;
const measured: Record<string, number> = {};

beforeAll(async () => {
  lab = await startDaemonLab({ prefix: 'fwdc', nodes: 3, ipv4: 6, ipv6: 3 });
  sampler = await AddressSampler.start([0, 1, 2].map((pnn) => lab.namespace(pnn)), 5);
});

afterAll(async () => {
  // Each step whatever the one before did: a failed sampler must not leave the lab behind.
  await cleanUpAll(() => sampler?.stop(), () => lab?.down());
  process.stdout.write(`floatipd cluster measurements (ms): ${JSON.stringify(measured)}\n`);
});

function countsOf(layout: Map<string, number>, addresses: readonly string[]): number[] {
  const counts = [0, 0, 0];
  for (const a of addresses) counts[layout.get(a) as number]++;
  return counts;
}

describe('start', () => {
  let layout: Map<string, number>;

  beforeAll(async () => {
    // The daemons are up before their first monitor passes; until every node is healthy the
    // layout is a passing one (e.g. 0/5/4 while node 0 is still `pending`). Wait for the
    // settled cluster, then for the kernels to match the leader's assignment.
    const wanted = await waitFor('three healthy nodes agreeing on one epoch', async () => {
      const statuses = await Promise.all([0, 1, 2].map((pnn) => lab.json<StatusResult>(pnn, 'status')));
      const settled = statuses.every((s) => s.monitor === 'healthy' && s.nodes.every((n) => n.flags === 'OK'))
        && new Set(statuses.map((s) => s.epoch)).size === 1;
      if (!settled) return undefined;
      const ips = await lab.json<IpStatus[]>(0, 'ip', '-v');
      return ips.every((ip) => ip.pnn >= 0) ? new Map(ips.map((ip) => [ip.address, ip.pnn])) : undefined;
    }, 15_000, 100);
    layout = await waitFor('the kernels to match the assignment', () => {
      const seen = holders(lab, ALL);
      return seen && ALL.every((a) => seen.get(a) === wanted.get(a)) ? seen : undefined;
    }, 15_000);
  });

  test('every public address is in exactly one node\'s kernel, LCP2-balanced (3 per node, IPv4 and IPv6 spread)', () => {
    expect(countsOf(layout, ALL)).toEqual([3, 3, 3]);
    expect(countsOf(layout, IPV4).every((c) => c === 2)).toBe(true);
    expect(countsOf(layout, IPV6).every((c) => c === 1)).toBe(true);
  });

  test('each daemon set promote_secondaries on its public interface, and releasing a subnet\'s primary keeps the others', () => {
    for (const pnn of [0, 1, 2]) {
      const value = execFileSync('ip', ['netns', 'exec', lab.namespace(pnn), 'sysctl', '-n', `net.ipv4.conf.${lab.publicInterface}.promote_secondaries`]);
      expect([pnn, value.toString().trim()]).toEqual([pnn, '1']);
    }
    // The kernel rule it guards against, on node 0's interface: two documentation addresses of
    // 203.0.113.0/24 (no address there yet), the first deleted, the second must stay.
    const ns = lab.namespace(0);
    const run = (...args: string[]): string => execFileSync('ip', ['-n', ns, ...args]).toString();
    run('addr', 'add', '203.0.113.201/24', 'dev', lab.publicInterface);
    run('addr', 'add', '203.0.113.202/24', 'dev', lab.publicInterface);
    try {
      run('addr', 'del', '203.0.113.201/24', 'dev', lab.publicInterface);
      expect(run('-br', 'addr', 'show', 'dev', lab.publicInterface)).toContain('203.0.113.202/24');
    } finally {
      execFileSync('ip', ['-n', ns, 'addr', 'flush', 'dev', lab.publicInterface, 'to', '203.0.113.200/29']);
    }
  });

  test('floatip status on every node: three healthy nodes, one leader, one epoch, quorate', async () => {
    const statuses = await Promise.all([0, 1, 2].map((pnn) => lab.json<StatusResult>(pnn, 'status')));
    statuses.forEach((status, pnn) => {
      expect(status.pnn).toBe(pnn);
      expect(status.quorate).toBe(true);
      expect(status.monitor).toBe('healthy');
      expect(status.nodes.map((n) => n.flags)).toEqual(['OK', 'OK', 'OK']);
    });
    expect(new Set(statuses.map((s) => s.leader)).size).toBe(1);
    expect(new Set(statuses.map((s) => s.epoch)).size).toBe(1);
  });

  test('floatip ip on every node agrees with the kernels', async () => {
    for (const pnn of [0, 1, 2]) {
      const ips = await lab.json<IpStatus[]>(pnn, 'ip', '-v');
      expect(new Map(ips.map((ip) => [ip.address, ip.pnn]))).toEqual(layout);
      for (const ip of ips) expect(ip.activeInterface).toBe(ip.pnn === pnn ? lab.publicInterface : '');
    }
  });

  test('floatip ip -v prints CTDB-style lines', async () => {
    const run = await lab.cli(0, 'ip', '-v');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`198\\.51\\.100\\.1/24 +node\\[${layout.get('198.51.100.1')}\\]`));
  });

  test('the client reaches every public address', () => {
    expect(ALL.filter((a) => !pings(lab.client, a))).toEqual([]);
  });
});

describe('the CLI against the running daemons', () => {
  test('disable moves a node\'s addresses away, enable brings it back into the layout', async () => {
    const run = await lab.cli(1, 'disable');
    expect(run).toMatchObject({ code: 0 });
    const away = await waitFor('node 1 empty', () => (lab.kernelAddresses()[1].length === 0 ? holders(lab, ALL) : undefined), 5000);
    expect([...away.values()]).not.toContain(1);
    expect((await lab.json<StatusResult>(0, 'status')).nodes[1].flags).toBe('DISABLED');
    expect((await lab.cli(1, 'enable')).code).toBe(0);
    const back = await waitFor('node 1 hosting again', () => {
      const layout = holders(lab, ALL);
      return layout && countsOf(layout, ALL).join() === '3,3,3' ? layout : undefined;
    }, 5000);
    expect(countsOf(back, ALL)).toEqual([3, 3, 3]);
  });

  test('moveip puts one address on the named node', async () => {
    const address = await waitFor('an IPv4 address placed on another node than 2', () => {
      const layout = holders(lab, ALL);
      return layout === undefined ? undefined : IPV4.find((a) => layout.get(a) !== 2);
    }, 5000);
    await waitReady(lab, 2);
    const run = await lab.cli(0, 'moveip', address, '2');
    expect(run.code).toBe(0);
    await waitFor(`${address} on node 2`, () => (holders(lab, [address])?.get(address) === 2 ? true : undefined), 5000);
  });

  test('ban empties the node, unban lets it host again', async () => {
    const banned = await lab.cli(2, 'ban', '60', '-n', '0');
    expect([banned.code, banned.stderr]).toEqual([0, '']);
    await waitFor('node 0 empty', () => (lab.kernelAddresses()[0].length === 0 && holders(lab, ALL) ? true : undefined), 5000);
    expect((await lab.json<StatusResult>(1, 'status')).nodes[0].flags).toBe('BANNED');
    expect((await lab.cli(0, 'unban')).code).toBe(0);
    await waitFor('node 0 hosting again', () => (lab.kernelAddresses()[0].length > 0 && holders(lab, ALL) ? true : undefined), 5000);
  });

  test('a refused command exits non-zero with the daemon\'s reason', async () => {
    const run = await lab.cli(0, 'moveip', '198.51.100.99', '1');
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(/198\.51\.100\.99/);
  });
});

describe('SIGHUP', () => {
  test('an edited public_addresses (one added, one removed) changes only those two', async () => {
    const before = await waitFor('a stable layout', () => holders(lab, ALL), 5000);
    const removed = '198.51.100.6';
    const added = '198.51.100.7';
    for (const pnn of [0, 1, 2]) {
      const file = join(lab.target.dir, `node${pnn}`, 'public_addresses');
      const text = readFileSync(file, 'utf8').replace(`${removed}/24`, `${added}/24`);
      writeFileSync(file, text);
    }
    const pids = await Promise.all([0, 1, 2].map((pnn) => lab.pid(pnn)));
    for (const pid of pids) process.kill(pid as number, 'SIGHUP');
    const kept = ALL.filter((a) => a !== removed);
    const after = await waitFor('the added address hosted, the removed one gone', () => {
      const layout = holders(lab, [...kept, added]);
      return layout && lab.kernelAddresses().every((list) => !list.includes(removed)) ? layout : undefined;
    }, 10_000);
    for (const address of kept) expect([address, after.get(address)]).toEqual([address, before.get(address)]);
    // Which node gets the added address depends on which daemon reloads first (each node
    // reloads its own file): any one node will do, as long as it is exactly one.
    expect([0, 1, 2]).toContain(after.get(added));
  });

  test('a broken configuration is refused with a log line and nothing changes', async () => {
    const before = await waitFor('a stable layout', () => holders(lab, ALL.filter((a) => a !== '198.51.100.6').concat('198.51.100.7')), 5000);
    const file = join(lab.target.dir, 'node0', 'public_addresses');
    const good = readFileSync(file, 'utf8');
    writeFileSync(file, `${good}198.51.100.300/24 ${lab.publicInterface}\n`);
    process.kill(await lab.pid(0) as number, 'SIGHUP');
    await waitFor('the refusal in the log', () => (readFileSync(lab.log(0), 'utf8').includes('reload refused') ? true : undefined), 5000);
    writeFileSync(file, good);
    expect(holders(lab, [...before.keys()])).toEqual(before);
    expect(readFileSync(lab.log(0), 'utf8')).toMatch(/public_addresses:\d+:.*198\.51\.100\.300/);
  });
});

describe('SIGTERM', () => {
  test('a planned stop moves the node\'s addresses at once (well under dead_after) and the daemon exits 0', async () => {
    const layout = await waitFor('a stable layout', () => holders(lab, [...lab.kernelAddresses().flat()]), 5000);
    const leaving = [...layout].filter(([, pnn]) => pnn === 2).map(([a]) => a);
    expect(leaving.length).toBeGreaterThan(0);
    const pid = await lab.pid(2) as number;
    const signalledAt = performance.timeOrigin + performance.now();
    process.kill(pid, 'SIGTERM');
    await waitFor('node 2\'s addresses on the others', () => {
      const now = holders(lab, leaving);
      return now && [...now.values()].every((pnn) => pnn !== 2) ? true : undefined;
    }, 5000);
    await waitFor('floatipd of node 2 gone', async () => ((await lab.pid(2)) === null ? true : undefined), 5000);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const moved = leaving.map((address) => Math.min(...[0, 1].map((pnn) => sampler.firstSeen(pnn, address, signalledAt) ?? Infinity)));
    const worst = Math.max(...moved) - signalledAt;
    measured.sigtermToLastAddressOnSurvivor = Math.round(worst);
    expect(worst).toBeLessThan(DEAD_AFTER_MS / 2);
    expect(readFileSync(lab.log(2), 'utf8')).toMatch(/"code":0,.*"msg":"floatipd stopped"/);
  });
});

describe('throughout', () => {
  test('no address was ever seen on two nodes at once (5 ms samples)', () => {
    expect(sampler.duplicates()).toEqual([]);
    expect(sampler.changes.every((c) => c.length > 1)).toBe(true);
  });
});
