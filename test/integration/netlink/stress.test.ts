// The overflow guard under load: 4000 adds and 2000 deletes at full speed in a child process that must survive.

import * as path from 'node:path';
import { cleanupNamespaces, createNamespace, createVeth, finished, runTsInNamespace, PREFIX } from '../helpers/netns-netlink';

const NS = `${PREFIX}-st`;
const IFACE = `${PREFIX}0st`;

jest.setTimeout(120000);

beforeAll(() => {
  cleanupNamespaces(`${PREFIX}-st`);
  createNamespace(NS);
  createNamespace(`${PREFIX}-stp`);
  createVeth(NS, IFACE, `${PREFIX}-stp`, `${PREFIX}0stp`);
});
afterAll(() => cleanupNamespaces(`${PREFIX}-st`));

it('survives 4000 adds and 2000 deletes with a listening subscriber, ending in the right state', async () => {
  // In a child: a C++ abort there fails this test instead of killing jest.
  const result = await finished(runTsInNamespace(NS, path.join(__dirname, 'stress-child.ts'), [IFACE]));
  expect({ code: result.code, signal: result.signal, stderr: result.stderr }).toEqual({ code: 0, signal: null, stderr: '' });
  const verdict = JSON.parse(result.stdout.trim().split('\n').pop() as string);
  process.stdout.write(`netlink stress: ${result.stdout}`);
  expect(verdict).toMatchObject({
    added: 4000, deleted: 2000, listedMatches: true, kernelMatches: true,
    addedByUs: 4000, removedByUs: 2000, foreignEvents: 0, resyncs: 0,
  });
});
