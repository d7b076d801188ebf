// Port decorators for metrics: finished events observed with their verdict, skipped ones not; tickles counted.

import { MemoryEventRunner } from '../../../../src/adapters/memory/scripts';
import { MemoryTickler } from '../../../../src/adapters/memory/tickle';
import { Metrics } from '../../../../src/daemon/metrics';
import { noMetrics } from '../../../../src/daemon/metrics-off';
import { countingTickler, observedEventRunner } from '../../../../src/daemon/wiring/observed';
import { ip } from '../../../../src/core/ip';

describe('observed ports', () => {
  test('events: OK and ERROR observed (failed = ERROR), SKIPPED not', async () => {
    const seen: string[] = [];
    const metrics: Metrics = { ...noMetrics, observeEvent: (event, _ms, failed) => seen.push(`${event} ${failed}`) };
    const runner = new MemoryEventRunner().answer('monitor', 'OK', 'ERROR', 'SKIPPED');
    const observed = observedEventRunner(runner, metrics);
    for (let k = 0; k < 3; k++) await observed.run('monitor');
    expect(seen).toEqual(['monitor false', 'monitor true']);
    expect(observed.lastStatus('monitor')?.status).toBe('ERROR');
  });

  test('tickles: the first-round count of each call', async () => {
    let counted = 0;
    const metrics: Metrics = { ...noMetrics, countTicklesSent: (n) => { counted += n; } };
    const tickler = countingTickler(new MemoryTickler(), metrics);
    const conn = { server: { address: ip('198.51.100.1'), port: 445 }, client: { address: ip('198.51.100.250'), port: 50000 } };
    await tickler.tickle([conn, { ...conn, client: { ...conn.client, port: 50001 } }]);
    await tickler.tickle([]);
    expect(counted).toBe(2);
  });
});
