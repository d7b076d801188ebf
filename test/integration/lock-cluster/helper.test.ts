// Two real floatipds with CTDB's `ctdb_mutex_fcntl_helper` as the cluster lock (`!HELPER FILE`): partition and kill.

import { CTDB_FCNTL_HELPER } from '../lock/helpers';
import { LockLab, lockClusterScenario, startLockLab } from './two-node-lab';

jest.setTimeout(120_000);

let lab: LockLab;

beforeAll(async () => {
  // Re-check the file every second (the helper's second argument); its parent check stays at 5 s.
  lab = await startLockLab('fhdlh', (shared) => `!${CTDB_FCNTL_HELPER} ${shared}/reclock 1`);
});

afterAll(async () => {
  await lab?.down();
});

// The helper of a killed daemon notices its parent is gone within its 5 s check; then node 1 gets the lock.
lockClusterScenario('ctdb_mutex_fcntl_helper', () => lab, 15_000);
