// Node health from the `monitor` event: the schedule (node-cron, no overlap) and the fall/rise state.

import { createTask, ScheduledTask, validate as validateCron } from 'node-cron';
import { EventRunner } from '../adapters/scripts/port';
import { EventResult, EventStatus, eventFailed } from '../adapters/scripts/status';

export interface HealthOptions {
  /**
   * When `monitor` runs: whole seconds (a divisor of 60, or whole minutes
   * dividing 60) or a six- or five-field cron expression.
   * @default 5
   */
  readonly monitorSchedule: number | string;
  /**
   * Consecutive failed monitors that make a healthy node UNHEALTHY (CTDB: 1).
   * @default 1
   */
  readonly fall: number;
  /**
   * Consecutive passing monitors that make an UNHEALTHY node healthy (CTDB: 1).
   * @default 1
   */
  readonly rise: number;
  /**
   * Consecutive timed-out monitors after which each further timeout counts as a
   * failure; fewer are ignored. CTDB's MonitorTimeoutCount.
   * @default 20
   */
  readonly timeoutsToFail: number;
  /**
   * After a health change, the next monitor runs this soon, then twice as
   * late each time until the schedule's interval is reached. CTDB starts at
   * 5 s under its 15 s interval; ours defaults to 1 s under 5 s.
   * @default 1000
   */
  readonly recheckAfterChangeMs: number;
}

/**
 * A first monitor that another event cancelled or skipped is tried again this soon (doubling).
 * A joining node meets the leader's run at once (its `ipreallocated` cancels a running monitor
 * and skips one asked for meanwhile): waiting for the next slot kept such a node UNHEALTHY for
 * seconds (3.7 s seen in the lab) with nothing wrong.
 */
export const FIRST_MONITOR_RETRY_MS = 50;

export const DEFAULT_HEALTH_OPTIONS: HealthOptions = {
  monitorSchedule: 5,
  fall: 1,
  rise: 1,
  timeoutsToFail: 20,
  recheckAfterChangeMs: 1000,
};

/** A monitor schedule that node-cron cannot express. */
export class MonitorScheduleError extends Error {
  readonly code = 'E_MONITOR_SCHEDULE';
}

/** A schedule given as a number of seconds (a number, or digits in a string); undefined for a cron expression. */
function scheduleSeconds(schedule: number | string): number | undefined {
  return typeof schedule === 'number' ? schedule : /^\s*[0-9]+\s*$/.test(schedule) ? Number(schedule) : undefined;
}

/** The cron expression for a schedule given as seconds or as cron text. */
export function monitorCronExpression(schedule: number | string): string {
  const seconds = scheduleSeconds(schedule);
  if (seconds === undefined) {
    if (!validateCron(String(schedule))) {
      throw new MonitorScheduleError(`monitor schedule ${JSON.stringify(schedule)} is not a cron expression: write e.g. "*/5 * * * * *" or a number of seconds`);
    }
    return String(schedule).trim();
  }
  if (Number.isInteger(seconds) && seconds >= 1 && seconds < 60 && 60 % seconds === 0) {
    return seconds === 1 ? '* * * * * *' : `*/${seconds} * * * * *`;
  }
  const minutes = seconds / 60;
  if (Number.isInteger(minutes) && minutes >= 1 && 60 % minutes === 0) {
    return minutes === 1 ? '0 * * * * *' : `0 */${minutes} * * * *`;
  }
  throw new MonitorScheduleError(
    `monitor schedule ${seconds} s cannot run at an even pace: use 1, 2, 3, 4, 5, 6, 10, 12, 15, 20 or 30 s, ` +
      'whole minutes dividing an hour, or a cron expression',
  );
}

/** What one monitor result did to the node's health. */
export interface HealthChange {
  readonly healthy: boolean;
  readonly changed: boolean;
}

/**
 * Health as CTDB counts it: a node starts UNHEALTHY until a monitor passes;
 * `fall` failures in a row make it UNHEALTHY, `rise` passes in a row healthy.
 * Timeouts count as failures only from the `timeoutsToFail`-th in a row.
 * Cancelled and skipped monitors say nothing about health.
 */
export class MonitorHealth {
  private isHealthy = false;
  private failures = 0;
  private passes = 0;
  private timeouts = 0;

  constructor(private readonly options: Pick<HealthOptions, 'fall' | 'rise' | 'timeoutsToFail'>) {}

  get healthy(): boolean {
    return this.isHealthy;
  }

  record(status: EventStatus): HealthChange {
    const before = this.isHealthy;
    switch (status) {
      case 'OK':
        this.timeouts = 0;
        this.failures = 0;
        this.passes += 1;
        if (this.passes >= this.options.rise) this.isHealthy = true;
        break;
      case 'TIMEDOUT':
        this.timeouts += 1;
        this.passes = 0;
        if (this.timeouts >= this.options.timeoutsToFail) this.fail();
        break;
      case 'ERROR':
      case 'CANNOT RUN':
        this.timeouts = 0;
        this.passes = 0;
        this.fail();
        break;
      case 'CANCELLED':
      case 'SKIPPED':
        break;
    }
    return { healthy: this.isHealthy, changed: this.isHealthy !== before };
  }

  private fail(): void {
    this.failures += 1;
    if (this.failures >= this.options.fall) this.isHealthy = false;
  }
}

export interface HealthMonitorComponents {
  readonly runner: EventRunner;
  /** Called on every change of health, with the monitor result that caused it. */
  readonly onHealthChange: (healthy: boolean, result: EventResult) => void;
  readonly log?: (message: string) => void;
}

/**
 * Runs `startup` (retried on each tick until it passes), the first `monitor`
 * right after it (again at once if another event cancelled or skipped it), then
 * `monitor` on the schedule with node-cron's overlap prevention, plus quicker
 * re-checks after a health change.
 */
export class HealthMonitor {
  private readonly health: MonitorHealth;
  private readonly cronExpression: string;
  private task: ScheduledTask | undefined;
  /** start() ran (and stop() has not). */
  private running = false;
  private recheckTimer: NodeJS.Timeout | undefined;
  private recheckDelayMs = 0;
  private inFlight: Promise<void> | undefined;
  private startupDone = false;
  /** A monitor has finished (not cancelled, not skipped) since start. */
  private verdictGiven = false;

  constructor(
    private readonly options: HealthOptions,
    private readonly components: HealthMonitorComponents,
  ) {
    this.health = new MonitorHealth(options);
    this.cronExpression = monitorCronExpression(options.monitorSchedule);
  }

  get healthy(): boolean {
    return this.health.healthy;
  }

  /**
   * Creates the schedule and asks it once for its next run, before the node joins. node-cron
   * builds its first `Intl.DateTimeFormat` (getPartsFormatter: ICU's time-zone and locale data)
   * on that first question: 85-570 ms of one turn under load (--cpu-prof), which start()
   * paid just after joining, where a stalled main loop delays heartbeats and runs. Before any
   * socket opens nobody waits on this loop, so the cost is paid there. (Avoiding node-cron's
   * time-zone path instead would mean a schedule of our own for seconds and another for cron
   * text, and give up its overlap prevention: more code for the same one-off cost.)
   */
  prepare(): void {
    this.schedule().getNextRuns(1);
  }

  /** Runs startup and the first monitor, then starts the schedule. */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    const task = this.schedule();
    await this.tick();
    await task.start();
  }

  async stop(): Promise<void> {
    this.clearRecheck();
    const task = this.task;
    this.task = undefined;
    this.running = false;
    if (task) await task.destroy();
    await this.inFlight;
  }

  /** The cron task, created once (not started: start() does that). */
  private schedule(): ScheduledTask {
    if (this.task) return this.task;
    const log = (message: string): void => this.components.log?.(message);
    this.task = createTask(this.cronExpression, () => this.tick(), {
      name: 'floatip-monitor',
      noOverlap: true,
      logger: { info: log, warn: log, error: (m) => log(String(m)), debug: () => undefined },
    });
    return this.task;
  }

  /** One scheduled step; a step while another runs is dropped (the next tick comes soon). */
  tick(): Promise<void> {
    if (this.inFlight) return this.inFlight;
    this.inFlight = this.step().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  private async step(): Promise<void> {
    if (!this.startupDone) {
      const startup = await this.components.runner.run('startup');
      if (eventFailed(startup)) {
        this.components.log?.(`startup event ${startup.status}${startup.reason ? `: ${startup.reason}` : ''}; retrying at the next monitor interval`);
        return;
      }
      this.startupDone = true;
    }
    const result = await this.components.runner.run('monitor');
    const noVerdict = result.status === 'CANCELLED' || result.status === 'SKIPPED';
    if (!this.verdictGiven) {
      if (noVerdict) {
        this.recheckDelayMs = this.recheckDelayMs > 0 ? this.recheckDelayMs * 2 : FIRST_MONITOR_RETRY_MS;
        this.scheduleRecheck();
        return;
      }
      this.verdictGiven = true;
      this.recheckDelayMs = 0;
    }
    const change = this.health.record(result.status);
    if (change.changed) {
      this.components.onHealthChange(change.healthy, result);
      this.recheckDelayMs = this.options.recheckAfterChangeMs;
      this.scheduleRecheck();
    } else if (this.recheckTimer === undefined && this.recheckDelayMs > 0) {
      this.recheckDelayMs *= 2;
      this.scheduleRecheck();
    }
  }

  private scheduleRecheck(): void {
    this.clearRecheck();
    if (!this.task || this.recheckDelayMs <= 0 || this.recheckDelayMs >= this.intervalMs()) {
      this.recheckDelayMs = 0;
      return;
    }
    this.recheckTimer = setTimeout(() => {
      this.recheckTimer = undefined;
      // The cron's own ticks go through node-cron, which catches; this one has nobody else to.
      this.tick().catch((error: unknown) => this.components.log?.(`E_MONITOR_STEP: a monitor recheck failed: ${error instanceof Error ? error.message : String(error)}`));
    }, this.recheckDelayMs);
  }

  private clearRecheck(): void {
    if (this.recheckTimer) clearTimeout(this.recheckTimer);
    this.recheckTimer = undefined;
  }

  /**
   * The schedule's current gap between two runs. A schedule in seconds needs no cron:
   * node-cron's getNextRuns formats dates through Intl on every call, and took tens of
   * milliseconds of a busy daemon's loop (seen in --cpu-prof during a 333-address takeover).
   */
  private intervalMs(): number {
    const seconds = scheduleSeconds(this.options.monitorSchedule);
    if (seconds !== undefined) return seconds * 1000;
    const [first, second] = this.task?.getNextRuns(2) ?? [];
    return first && second ? second.getTime() - first.getTime() : Number.POSITIVE_INFINITY;
  }
}
