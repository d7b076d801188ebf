// Monitor schedule and fall/rise health, with the in-memory runner and a fake clock.

import { MemoryEventRunner } from '../../../src/adapters/memory/scripts';
import { EventStatus } from '../../../src/adapters/scripts/status';
import {
  DEFAULT_HEALTH_OPTIONS,
  HealthMonitor,
  HealthOptions,
  MonitorHealth,
  monitorCronExpression,
} from '../../../src/daemon/health';

describe('monitorCronExpression', () => {
  it.each<[number | string, string]>([
    [5, '*/5 * * * * *'],
    ['10', '*/10 * * * * *'],
    [1, '* * * * * *'],
    [60, '0 * * * * *'],
    [300, '0 */5 * * * *'],
    ['*/15 * * * * *', '*/15 * * * * *'],
    ['*/2 * * * *', '*/2 * * * *'],
  ])('turns %j into %s', (schedule, expression) => {
    expect(monitorCronExpression(schedule)).toBe(expression);
  });

  it.each<[number | string, RegExp]>([
    [7, /7 s cannot run at an even pace: use 1, 2, 3/],
    [0, /0 s cannot run/],
    [2.5, /2\.5 s cannot run/],
    [420, /420 s cannot run/],
    ['every five seconds', /"every five seconds" is not a cron expression/],
  ])('refuses %j and says what works', (schedule, message) => {
    expect(() => monitorCronExpression(schedule)).toThrow(message);
  });
});

describe('MonitorHealth', () => {
  /** Feeds statuses and returns the health after each, as a compact string: H healthy, u unhealthy. */
  const trace = (options: Partial<HealthOptions>, statuses: EventStatus[]): string => {
    const health = new MonitorHealth({ ...DEFAULT_HEALTH_OPTIONS, ...options });
    return statuses.map((status) => (health.record(status).healthy ? 'H' : 'u')).join('');
  };

  it('starts UNHEALTHY and follows every monitor with fall 1 / rise 1, as CTDB', () => {
    expect(new MonitorHealth(DEFAULT_HEALTH_OPTIONS).healthy).toBe(false);
    expect(trace({}, ['OK', 'ERROR', 'OK', 'CANNOT RUN', 'OK'])).toBe('HuHuH');
  });

  it('needs `fall` failures in a row to go UNHEALTHY', () => {
    expect(trace({ fall: 3 }, ['OK', 'ERROR', 'ERROR', 'OK', 'ERROR', 'ERROR', 'ERROR'])).toBe('HHHHHHu');
  });

  it('needs `rise` passes in a row to become healthy', () => {
    expect(trace({ rise: 2 }, ['OK', 'OK', 'ERROR', 'OK', 'ERROR', 'OK', 'OK'])).toBe('uHuuuuH');
  });

  it('counts timeouts as failures only from the configured number in a row', () => {
    expect(trace({ timeoutsToFail: 3 }, ['OK', 'TIMEDOUT', 'TIMEDOUT', 'OK', 'TIMEDOUT', 'TIMEDOUT', 'TIMEDOUT'])).toBe('HHHHHHu');
  });

  it('ignores cancelled and skipped monitors', () => {
    expect(trace({ rise: 2 }, ['OK', 'SKIPPED', 'CANCELLED', 'OK'])).toBe('uuuH');
    expect(trace({}, ['OK', 'CANCELLED', 'SKIPPED'])).toBe('HHH');
  });

  it('reports a change only when health flips', () => {
    const health = new MonitorHealth(DEFAULT_HEALTH_OPTIONS);
    expect(health.record('OK')).toEqual({ healthy: true, changed: true });
    expect(health.record('OK')).toEqual({ healthy: true, changed: false });
    expect(health.record('ERROR')).toEqual({ healthy: false, changed: true });
  });
});

describe('HealthMonitor.prepare', () => {
  it('builds node-cron\'s time-zone formatters before start, so start builds none (their first build is one long turn)', async () => {
    // A fresh node-cron: its formatter cache is module-wide, and other tests here fill it.
    let Fresh: typeof HealthMonitor = HealthMonitor;
    jest.isolateModules(() => { Fresh = (jest.requireActual('../../../src/daemon/health') as { HealthMonitor: typeof HealthMonitor }).HealthMonitor; });
    const runner = new MemoryEventRunner();
    const fresh = new Fresh(DEFAULT_HEALTH_OPTIONS, { runner, onHealthChange: () => undefined });
    const built = jest.spyOn(Intl, 'DateTimeFormat');
    try {
      fresh.prepare();
      const inPrepare = built.mock.calls.length;
      await fresh.start();
      expect(inPrepare).toBeGreaterThan(0);
      expect(built.mock.calls.length).toBe(inPrepare);
      expect(runner.calls.map((c) => c.event)).toEqual(['startup', 'monitor']);
    } finally {
      built.mockRestore();
      await fresh.stop();
    }
  });
});

describe('HealthMonitor', () => {
  let runner: MemoryEventRunner;
  let changes: string[];
  let monitor: HealthMonitor | undefined;

  const startMonitor = async (options: Partial<HealthOptions> = {}): Promise<HealthMonitor> => {
    monitor = new HealthMonitor({ ...DEFAULT_HEALTH_OPTIONS, ...options }, {
      runner,
      onHealthChange: (healthy, result) => changes.push(`${healthy ? 'healthy' : 'UNHEALTHY'} after ${result.status}`),
    });
    await monitor.start();
    return monitor;
  };
  /** Milliseconds since the test started at which each monitor ran. */
  const monitorTimes = (): number[] => runner.calls
    .map((call, i) => ({ call, at: monitorStarts[i] }))
    .filter(({ call }) => call.event === 'monitor')
    .map(({ at }) => at);
  let monitorStarts: number[];
  let t0: number;

  beforeEach(() => {
    jest.useFakeTimers();
    // Start on a whole minute so cron slots fall on round numbers.
    jest.setSystemTime(new Date('2025-01-01T00:00:00.000Z'));
    t0 = Date.now();
    monitorStarts = [];
    runner = new MemoryEventRunner();
    const run = runner.run.bind(runner);
    runner.run = (...args) => {
      monitorStarts.push(Date.now() - t0);
      return run(...args);
    };
    changes = [];
  });
  afterEach(async () => {
    await monitor?.stop();
    monitor = undefined;
    jest.useRealTimers();
  });

  it('runs startup, then the first monitor at once, then every 5 s', async () => {
    await startMonitor({ recheckAfterChangeMs: 5000 });
    expect(runner.calls.map((c) => c.event)).toEqual(['startup', 'monitor']);
    expect(changes).toEqual(['healthy after OK']);
    await jest.advanceTimersByTimeAsync(15_000);
    expect(monitorTimes()).toEqual([0, 5000, 10_000, 15_000]);
    expect(runner.count('startup')).toBe(1);
  });

  it('runs the first monitor again at once when another event cancelled or skipped it, not at the next slot', async () => {
    // A joining node meets the leader's ipreallocated at once: it cancels the first monitor, then skips the next.
    runner.answer('monitor', 'CANCELLED', 'SKIPPED', 'OK');
    const m = await startMonitor({ recheckAfterChangeMs: 5000 });
    expect(m.healthy).toBe(false);
    await jest.advanceTimersByTimeAsync(1000);
    expect(m.healthy).toBe(true);
    expect(changes).toEqual(['healthy after OK']);
    expect(monitorTimes()).toEqual([0, 50, 150]);
    // Then the schedule as usual: the retries do not go on.
    await jest.advanceTimersByTimeAsync(9000);
    expect(monitorTimes()).toEqual([0, 50, 150, 5000, 10_000]);
  });

  it('a failed first monitor starts no quick re-checks (nothing changed: the node started UNHEALTHY)', async () => {
    runner.answer('monitor', 'ERROR');
    await startMonitor({ recheckAfterChangeMs: 1000 });
    await jest.advanceTimersByTimeAsync(5000);
    expect(monitorTimes()).toEqual([0, 5000]);
  });

  it('re-checks sooner after a health change, doubling up to the interval', async () => {
    await startMonitor({ monitorSchedule: 10 });
    // First monitor passes: a change (the node starts UNHEALTHY), so re-checks at +1 s, +2 s, +4 s, +8 s.
    await jest.advanceTimersByTimeAsync(20_000);
    expect(monitorTimes()).toEqual([0, 1000, 3000, 7000, 10_000, 15_000, 20_000]);
  });

  it('reports UNHEALTHY on a failed monitor and healthy again when it passes', async () => {
    runner.answer('monitor', 'OK', 'ERROR', 'ERROR', 'OK');
    const m = await startMonitor({ recheckAfterChangeMs: 5000 });
    expect(m.healthy).toBe(true);
    await jest.advanceTimersByTimeAsync(5000);
    expect(m.healthy).toBe(false);
    await jest.advanceTimersByTimeAsync(10_000);
    expect(m.healthy).toBe(true);
    expect(changes).toEqual(['healthy after OK', 'UNHEALTHY after ERROR', 'healthy after OK']);
  });

  it('stays UNHEALTHY and retries startup on each tick until it passes', async () => {
    runner.answer('startup', 'ERROR', 'TIMEDOUT');
    const logged: string[] = [];
    monitor = new HealthMonitor(DEFAULT_HEALTH_OPTIONS, { runner, onHealthChange: () => undefined, log: (m) => logged.push(m) });
    await monitor.start();
    expect(monitor.healthy).toBe(false);
    expect(runner.count('monitor')).toBe(0);
    await jest.advanceTimersByTimeAsync(10_000);
    expect(runner.calls.map((c) => c.event).slice(0, 4)).toEqual(['startup', 'startup', 'startup', 'monitor']);
    expect(monitor.healthy).toBe(true);
    expect(logged[0]).toMatch(/startup event ERROR; retrying/);
  });

  it('does not overlap: a slow monitor makes the schedule skip, not pile up', async () => {
    let release: () => void = () => undefined;
    const slow = runner.run.bind(runner);
    let running = 0;
    let most = 0;
    runner.run = async (event, args, options) => {
      if (event !== 'monitor' || runner.count('monitor') < 1) return slow(event, args, options);
      running += 1;
      most = Math.max(most, running);
      await new Promise<void>((resolve) => { release = resolve; });
      running -= 1;
      return slow(event, args, options);
    };
    await startMonitor({ recheckAfterChangeMs: 5000 });
    await jest.advanceTimersByTimeAsync(30_000);
    expect(most).toBe(1);
    release();
    await jest.advanceTimersByTimeAsync(0);
    expect(running).toBe(0);
  });

  it('runs no more monitors after stop', async () => {
    const m = await startMonitor();
    await m.stop();
    const before = runner.calls.length;
    await jest.advanceTimersByTimeAsync(60_000);
    expect(runner.calls.length).toBe(before);
  });
});
