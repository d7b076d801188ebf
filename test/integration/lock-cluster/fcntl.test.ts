// Two real floatipds with `cluster_lock = "fcntl:FILE"` on a file both node namespaces share: partition and kill.

import { LockLab, lockClusterScenario, startLockLab } from './two-node-lab';

jest.setTimeout(120_000);

let lab: LockLab;

beforeAll(async () => {
  lab = await startLockLab('fhdlf', (shared) => `fcntl:${shared}/floatip.lock`);
});

afterAll(async () => {
  await lab?.down();
});

// An OFD lock dies with its process: node 1 takes over as soon as it sees the closed stream.
lockClusterScenario('fcntl', () => lab, 10_000);
