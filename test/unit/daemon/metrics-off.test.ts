// A daemon with metrics off never loads prom-client: its ~80 modules were a fifth of a restart's module loading (docs/benchmarks.md).

import { ip } from '../../../src/core/ip';
import { recordingLogger } from './runtime/harness/recording-logger';

describe('metrics off', () => {
  afterEach(() => {
    jest.dontMock('prom-client');
    jest.resetModules();
  });

  it('floatipd\'s entry and a start with [metrics] enabled = false load no prom-client', async () => {
    jest.resetModules();
    jest.doMock('prom-client', () => {
      throw new Error('prom-client was loaded although metrics are off');
    });
    /* eslint-disable @typescript-eslint/no-require-imports -- loaded under the mock above, not at the top */
    require('../../../src/daemon/main');
    const { startMetrics } = require('../../../src/daemon/metrics-listener') as typeof import('../../../src/daemon/metrics-listener');
    const { noMetrics } = require('../../../src/daemon/metrics-off') as typeof import('../../../src/daemon/metrics-off');
    /* eslint-enable @typescript-eslint/no-require-imports */
    const setup = await startMetrics({ enabled: false, listen: { address: ip('127.0.0.1'), port: 9390 } }, recordingLogger());
    expect(setup.metrics).toBe(noMetrics);
  });
});
