// The node's own health as the runtime hears it: a port, and its adapter over health.ts's HealthMonitor.

import { EventRunner } from '../../adapters/scripts/port';
import { HealthMonitor, HealthOptions } from '../health';

/** Called after every finished `monitor` with the node's health then (repeats allowed). */
export type HealthListener = (healthy: boolean) => void;

/** Runs `startup` and the monitor schedule, and reports health. */
export interface HealthSource {
  /**
   * Pays what the first start costs the loop (node-cron's first time-zone formatter), called
   * before the node joins (node.ts start): no peer waits on the loop then.
   */
  prepare(): void;
  start(listener: HealthListener): Promise<void>;
  stop(): Promise<void>;
}

/**
 * HealthMonitor reports only changes; the runtime also needs the first verdict
 * (a node whose first monitor fails goes from `pending` to `unhealthy` without a
 * change), so the runner is wrapped to hear every finished monitor.
 */
export function healthMonitorSource(options: HealthOptions, runner: EventRunner, log?: (message: string) => void): HealthSource {
  let listener: HealthListener | undefined;
  let monitor: HealthMonitor | undefined;
  const watched: EventRunner = {
    run: async (event, args, runOptions) => {
      const result = await runner.run(event, args, runOptions);
      if (event === 'monitor' && result.status !== 'CANCELLED' && result.status !== 'SKIPPED') {
        // HealthMonitor records the result after this returns (in a later microtask): read its verdict after that.
        setImmediate(() => { if (monitor) listener?.(monitor.healthy); });
      }
      return result;
    },
    lastStatus: (event) => runner.lastStatus(event),
    listScripts: () => runner.listScripts(),
    setScriptEnabled: (name, enabled) => runner.setScriptEnabled(name, enabled),
  };
  const created = (): HealthMonitor => {
    monitor ??= new HealthMonitor(options, { runner: watched, onHealthChange: (healthy) => listener?.(healthy), ...(log ? { log } : {}) });
    return monitor;
  };
  return {
    prepare() {
      created().prepare();
    },
    async start(heard) {
      listener = heard;
      await created().start();
    },
    async stop() {
      await monitor?.stop();
    },
  };
}
