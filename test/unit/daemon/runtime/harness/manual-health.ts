// A HealthSource driven by the test: `check()` runs one `monitor` through the event runner and reports.

import { EventRunner } from '../../../../../src/adapters/scripts/port';
import { eventFailed } from '../../../../../src/adapters/scripts/status';
import { MonitorHealth } from '../../../../../src/daemon/health';
import { HealthListener, HealthSource } from '../../../../../src/daemon/runtime/health-source';

export class ManualHealth implements HealthSource {
  private listener: HealthListener | undefined;
  private readonly health = new MonitorHealth({ fall: 1, rise: 1, timeoutsToFail: 20 });

  /** Whether the node's mesh ran when prepare() was called (undefined: not called). */
  meshRanAtPrepare: boolean | undefined;

  /** `meshRunning`: whether the node's mesh has started, read when prepare() is called. */
  constructor(private readonly runner: EventRunner, private readonly meshRunning: () => boolean = () => false) {}

  prepare(): void {
    this.meshRanAtPrepare = this.meshRunning();
  }

  async start(listener: HealthListener): Promise<void> {
    this.listener = listener;
    const startup = await this.runner.run('startup');
    if (eventFailed(startup)) return;
    await this.check();
  }

  async stop(): Promise<void> {
    this.listener = undefined;
  }

  /** One monitor run, as the schedule would do it. */
  async check(): Promise<void> {
    const result = await this.runner.run('monitor');
    this.health.record(result.status);
    this.listener?.(this.health.healthy);
  }
}
