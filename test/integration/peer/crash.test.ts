// A mesh node's process killed with SIGKILL: its peer sees peer-down 'closed' at once, through the closed stream.

import { ChildProcess, spawn } from 'node:child_process';
import * as path from 'node:path';
import { Node, beat, waitFor } from '../../unit/adapters/peer/contract';
import { TS_REQUIRE_HOOK, REPO_ROOT } from '../guardian/namespace';
import { loopbackCluster } from './loopback';

jest.setTimeout(30000);

it('SIGKILL of a node process: peer-down closed within milliseconds, and its restart is up again', async () => {
  const first = 41;
  const cluster = await loopbackCluster(2, first);
  const local = new Node(0, cluster.mesh(0));
  await local.mesh.start();
  const spawnNode = (): ChildProcess => spawn(process.execPath, [
    '-e', `${TS_REQUIRE_HOOK}; require(${JSON.stringify(path.join(__dirname, 'mesh-child.ts'))});`, '--',
    '1', '2', String(first), String(cluster.port), Buffer.from(cluster.key).toString('hex'),
  ], { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, NODE_OPTIONS: '' } });
  const figures: number[] = [];
  const children: ChildProcess[] = [];
  try {
    for (let round = 0; round < 3; round++) {
      const child = spawnNode();
      children.push(child);
      const exited = new Promise((resolve) => child.once('exit', resolve));
      await waitFor('the child node up', () => local.mesh.connected().includes(1), 15000);
      // An echo proves the session carries traffic both ways before the kill.
      local.mesh.send(1, beat(0, round));
      await waitFor('the echo', () => local.beatsFrom(1).includes(round));
      const downsBefore = local.downs().length;
      const killedAt = performance.now();
      child.kill('SIGKILL');
      await waitFor('peer-down', () => local.downs().length > downsBefore, 2000);
      figures.push(performance.now() - killedAt);
      expect(local.downs()[downsBefore]).toMatchObject({ pnn: 1, reason: expect.stringMatching(/^(closed|error)$/) });
      expect(local.mesh.connected()).toEqual([]);
      await exited;
    }
  } finally {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await local.mesh.stop();
  }
  process.stdout.write(`${JSON.stringify({ meshCrash: { killToPeerDownMs: figures.map((f) => +f.toFixed(2)) } })}\n`);
  expect(Math.max(...figures)).toBeLessThan(100);
  expect(local.ups()).toEqual([1, 1, 1]);
});
