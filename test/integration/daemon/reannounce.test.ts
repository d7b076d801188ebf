// After a 2|1 split heals, the majority announces every address it kept again, seen as gratuitous ARP on the client's network (lab prefix h9g).

import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { labHeal, labPartition } from '../../../src/lab';
import { startTcpdump } from '../helpers/netns-packet';
import { DaemonLab, holders, startDaemonLab, waitFor } from './helpers/daemon-lab';

jest.setTimeout(180_000);

const ALL = ['198.51.100.1', '198.51.100.2', '198.51.100.3'];
let lab: DaemonLab;

beforeAll(async () => {
  lab = await startDaemonLab({ prefix: 'h9g', nodes: 3, ipv4: ALL.length, ipv6: 0 });
});

afterAll(async () => {
  await lab?.down();
});

function macOf(pnn: number): string {
  const [link] = JSON.parse(execFileSync('ip', ['-n', lab.namespace(pnn), '-j', 'link', 'show', 'dev', lab.publicInterface], { encoding: 'utf8' })) as Array<{ address: string }>;
  return link.address;
}

test('nodes 0 and 1 announce what they hold when node 2 is back, and say why', async () => {
  await waitFor('one address per node', () => {
    const layout = holders(lab, ALL);
    return layout && new Set(layout.values()).size === 3 ? layout : undefined;
  }, 60_000, 100);
  await labPartition(lab.target, [[0, 1], [2]]);
  const split = await waitFor('the majority to hold every address', () => {
    const layout = holders(lab, ALL);
    return layout && ![...layout.values()].includes(2) ? layout : undefined;
  }, 30_000, 50);
  const kept = (pnn: number): string[] => [...split].filter(([, holder]) => holder === pnn).map(([address]) => address);

  const capture = await startTcpdump(lab.client, lab.publicInterface, 'arp');
  await labHeal(lab.target, undefined);
  const said = (pnn: number): boolean => readFileSync(lab.log(pnn), 'utf8').includes('node 2 back in the partition: announcing the');
  await waitFor('nodes 0 and 1 to log the re-announcement', () => (said(0) && said(1) ? true : undefined), 30_000, 100);
  await waitFor('node 2 to host an address again', () => {
    const layout = holders(lab, ALL);
    return layout && [...layout.values()].includes(2) ? true : undefined;
  }, 30_000, 100);
  const frames = await capture.lines();

  // Each address node 0 or 1 held when the split healed went out from that node's MAC, as ARP about itself.
  for (const pnn of [0, 1]) {
    const mac = macOf(pnn);
    for (const address of kept(pnn)) {
      const announced = frames.filter((line) => line.includes(` ${mac} > `) && line.includes(`who-has ${address} tell ${address},`));
      expect([pnn, address, announced.length > 0]).toEqual([pnn, address, true]);
    }
  }
});
