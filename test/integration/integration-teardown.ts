// After the integration tests: kill every process a test left running, name each, and fail the run.
//
// Without this a leaked child keeps jest waiting after the last test ("Jest did not exit"),
// and CI ends at its time limit with the leak unnamed. With it jest exits at once, and the
// run is red with the leaked commands in its log, so the test that leaked can be found.

import { descendantsOf } from './helpers/leftovers';

export default async function integrationTeardown(): Promise<void> {
  // jest's own workers (on a machine with more cores) are ending by now: not a test's leftovers.
  const leftovers = descendantsOf(process.pid).filter((l) => !l.command.includes('jest-worker'));
  if (leftovers.length === 0) return;
  for (const { pid } of leftovers) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone already
    }
  }
  const list = leftovers.map((l) => `  ${l.pid} ${l.command}`).join('\n');
  throw new Error(`the integration tests left ${leftovers.length} process(es) running; killed now:\n${list}\n`
    + 'A test\'s cleanup did not run to its end: find the test that started them.');
}
