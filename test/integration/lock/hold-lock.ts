// Child process for the lock integration tests: another node that takes the lock, says what happened, holds until SIGTERM.

import { createClusterLock } from '../../../src/adapters/lock/factory';
import { parseClusterLock } from '../../../src/config/cluster-lock';

function say(message: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(message)}\n`);
}

async function main(): Promise<void> {
  const parsed = parseClusterLock(process.argv[2] ?? '');
  if (!parsed.ok) throw new Error(parsed.error);
  const lock = createClusterLock(parsed.value, { fcntl: { recheckIntervalMs: 200 }, etcd: { ttlSeconds: 2, holderName: `child ${process.pid}` } });
  lock.onLost((loss) => say({ lost: loss.code }));
  const result = await lock.acquire();
  say(result.outcome === 'error' ? { outcome: 'error', code: result.error.code, message: result.error.message } : { ...result });
  // Keeps the event loop alive (the lock's timers are unref'd) until told to go.
  const keepAlive = setInterval(() => undefined, 1000);
  process.once('SIGTERM', () => {
    void lock.close().then(() => {
      clearInterval(keepAlive);
      say({ released: true });
      process.exit(0);
    });
  });
}

main().catch((error: Error) => {
  process.stderr.write(`${error.stack}\n`);
  process.exit(1);
});
