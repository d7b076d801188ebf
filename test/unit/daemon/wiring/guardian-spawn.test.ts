// The guardian keeper: a fence ends the daemon, a killed guardian is replaced (a few times), a goodbye ends quietly.

import { guardianCommand, GuardianEnd, GuardianError, GuardianLinkEvents, GuardianLinkOptions } from '../../../../src/daemon/guardian-client';
import { accessSync, constants } from 'node:fs';
import { GuardChange, GuardianKeeper, guardianLinkOptions } from '../../../../src/daemon/wiring/guardian-spawn';
import { StallReport } from '../../../../src/daemon/fastpath/fast-path';
import { recordingLogger } from '../runtime/harness/recording-logger';

/** `tickSilence.ms`: what every fake guardian's link says was the longest time without a tick (long: it may have fenced). */
function fakeGuardians(refuse: (o: GuardianLinkOptions) => boolean = () => false, tickSilence = { ms: 10_000 }) {
  const ends: Array<(end: GuardianEnd) => void> = [];
  const silents: Array<(ms: number) => void> = [];
  const options: GuardianLinkOptions[] = [];
  const kills: number[] = [];
  let byes = 0;
  const spawn = async (o: GuardianLinkOptions, events: GuardianLinkEvents) => {
    options.push(o);
    if (refuse(o)) throw new GuardianError('the guardian did not start (it exited with status 1)');
    ends.push(events.ended);
    silents.push((ms) => events.silent?.(ms));
    const pid = 1000 + ends.length;
    return {
      pid, bye: async (): Promise<GuardianEnd> => { byes++; return 'bye'; }, kill: () => { kills.push(pid); }, setPeers: () => undefined,
      tickSilenceMs: () => tickSilence.ms,
    };
  };
  return { spawn, ends, silents, options, kills, byes: () => byes };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('GuardianKeeper', () => {
  test('runs the guardian program binding.gyp builds, with fence_after and no other arguments of its own', () => {
    const options = guardianLinkOptions(700);
    expect(options.fenceAfterMs).toBe(700);
    expect(options.command?.execPath).toMatch(/\/build\/Release\/floatip-guardian$/);
    expect(options.command?.args).toEqual([]);
    // Built by `npm ci` like the addon: a missing program would leave every node unguarded.
    expect(() => accessSync(options.command?.execPath as string, constants.X_OK)).not.toThrow();
  });

  test.each(['fenced-pipe-closed', 'fenced-no-ticks'] as const)('%s: the daemon is told to end', async (end) => {
    const fake = fakeGuardians();
    const fenced: string[] = [];
    const keeper = await GuardianKeeper.start({ fenceAfterMs: 700, spawn: fake.spawn }, recordingLogger(), (why) => fenced.push(why));
    expect(keeper.pid).toBe(1001);
    fake.ends[0](end);
    expect(fenced).toEqual([`guardian fenced (${end})`]);
    await keeper.bye();
  });

  test('checkStall: a loop that stood still 3/4 fence_after ends the daemon at the first check, once', async () => {
    const fake = fakeGuardians();
    const fenced: string[] = [];
    let now = 1_000;
    const clock = jest.spyOn(performance, 'now').mockImplementation(() => now);
    try {
      const keeper = await GuardianKeeper.start({ fenceAfterMs: 700, spawn: fake.spawn }, recordingLogger(), (why) => fenced.push(why));
      now += 500;
      expect(keeper.checkStall()).toBe(false);
      now += 600; // 1100 ms since the watch last ran: SIGSTOP and SIGCONT in between
      expect(keeper.checkStall()).toBe(true);
      expect(keeper.checkStall()).toBe(true);
      expect(fenced).toEqual([expect.stringMatching(/event loop stalled for 1100 ms/)]);
      await keeper.bye();
    } finally {
      clock.mockRestore();
    }
  });

  describe('a stall of a node that holds no address', () => {
    let now = 1_000;
    let clock: jest.SpyInstance;
    beforeEach(() => { clock = jest.spyOn(performance, 'now').mockImplementation(() => now); });
    afterEach(() => clock.mockRestore());

    async function idleKeeper(holds: { value: boolean }, tickSilence = { ms: 10_000 }) {
      const fake = fakeGuardians(undefined, tickSilence);
      const fenced: string[] = [];
      const changes: GuardChange[] = [];
      const log = recordingLogger();
      const keeper = await GuardianKeeper.start({
        fenceAfterMs: 700, spawn: fake.spawn, maxRespawns: 1, holdsAddresses: () => holds.value, onGuard: (c) => changes.push(c),
      }, log, (why) => fenced.push(why));
      return { fake, fenced, changes, log, keeper };
    }

    test('is logged and counted, the daemon lives on; its guardian is replaced and takes wait for the new one', async () => {
      const { fake, fenced, changes, log, keeper } = await idleKeeper({ value: false });
      now += 560; // the 32-node lab's stalls: 527-573 ms at fence_after 700
      expect(keeper.checkStall()).toBe(false);
      expect(fenced).toEqual([]);
      expect(keeper.idleStalls).toBe(1);
      expect(log.lines.some((l) => /stood still for 560 ms while this node held no address/.test(l.message))).toBe(true);
      // Its deadline may have passed: not trusted any more, unguarded at once (TAKEs refused) and killed.
      expect(changes).toEqual([{ guarded: false, cause: 'stalled', detail: expect.stringMatching(/stood still for 560 ms/) }]);
      expect(fake.kills).toEqual([1001]);
      expect(keeper.checkStall()).toBe(false);
      expect(fake.kills).toEqual([1001]);
      fake.ends[0]('killed');
      await settle();
      expect(keeper.pid).toBe(1002);
      expect(changes.map((c) => c.guarded)).toEqual([false, true]);
      expect(fenced).toEqual([]);
      await keeper.bye();
    });

    test('a stall too short for the guardian to have fenced (a tick within 9/10 fence_after) keeps the guardian, and the node guarded', async () => {
      const { fake, fenced, changes, log, keeper } = await idleKeeper({ value: false }, { ms: 600 });
      now += 560;
      expect(keeper.checkStall()).toBe(false);
      expect(keeper.idleStalls).toBe(1);
      expect(fake.kills).toEqual([]);
      expect(changes).toEqual([]);
      expect(keeper.guarded).toBe(true);
      expect(log.lines.some((l) => /got a tick within 9\/10 of fence_after, so it keeps it/.test(l.message))).toBe(true);
      expect(fenced).toEqual([]);
      await keeper.bye();
    });

    test('its guardian fenced (SIGSTOP past fence_after) before any check: a successor, no exit', async () => {
      const { fake, fenced, changes, keeper } = await idleKeeper({ value: false });
      now += 1_500;
      fake.ends[0]('fenced-no-ticks');
      expect(changes).toEqual([{ guarded: false, cause: 'stalled', detail: expect.stringMatching(/fenced-no-ticks/) }]);
      await settle();
      expect(keeper.pid).toBe(1002);
      expect(keeper.checkStall()).toBe(false); // the same stall: the new guardian is kept
      expect(fake.kills).toEqual([]);
      expect(keeper.idleStalls).toBe(1);
      expect(keeper.guarded).toBe(true);
      expect(fenced).toEqual([]);
      await keeper.bye();
    });

    test('its guardian fenced before the kill after the check: a successor, and never counted against maxRespawns', async () => {
      const { fake, fenced, keeper } = await idleKeeper({ value: false });
      for (let k = 0; k < 3; k++) {
        now += 1_500;
        expect(keeper.checkStall()).toBe(false);
        expect(fake.kills).toEqual(fake.ends.map((_, i) => 1001 + i));
        fake.ends[k]('fenced-no-ticks');
        await settle();
        expect(keeper.pid).toBe(1002 + k);
        expect(keeper.guarded).toBe(true);
      }
      expect(keeper.idleStalls).toBe(3);
      expect(fenced).toEqual([]);
      await keeper.bye();
    });

    test('the fence applies again the moment the node holds anything', async () => {
      const holds = { value: false };
      const { fake, fenced, keeper } = await idleKeeper(holds);
      now += 600;
      expect(keeper.checkStall()).toBe(false);
      fake.ends[0]('killed');
      await settle();
      holds.value = true;
      now += 600;
      expect(keeper.checkStall()).toBe(true);
      expect(fenced).toEqual([expect.stringMatching(/event loop stalled for 600 ms/)]);
      await keeper.bye();
    });

    describe('judged by the fast-path worker (init.stall): its idle report takes the same path', () => {
      /** The worker's report of an idle stall that began at `from` (by default now, under the running guardian). */
      const idle = (stalledMs: number, from = performance.timeOrigin + now): StallReport => ({ kind: 'idle', stalledMs, from });

      async function workerKeeper(holds: { value: boolean }, report: { value: StallReport | undefined }) {
        const fake = fakeGuardians(undefined, { ms: 0 }); // the worker ticks it: the link's own silence says nothing of a freeze
        const fenced: string[] = [];
        const changes: GuardChange[] = [];
        const keeper = await GuardianKeeper.start({
          fenceAfterMs: 700, spawn: fake.spawn, holdsAddresses: () => holds.value, onGuard: (c) => changes.push(c),
          stall: () => { const r = report.value; report.value = undefined; return r; },
        }, recordingLogger(), (why) => fenced.push(why));
        return { fake, fenced, changes, keeper };
      }

      test('a freeze long enough for the guardian to have fenced: no exit, unguarded, the guardian replaced', async () => {
        const report = { value: idle(660) as StallReport | undefined };
        const { fake, fenced, changes, keeper } = await workerKeeper({ value: false }, report);
        expect(keeper.checkStall()).toBe(false);
        expect(fenced).toEqual([]);
        expect(keeper.idleStalls).toBe(1);
        expect(changes).toEqual([{ guarded: false, cause: 'stalled', detail: expect.stringMatching(/stood still for 660 ms/) }]);
        expect(fake.kills).toEqual([1001]);
        fake.ends[0]('fenced-no-ticks');
        await settle();
        expect(keeper.pid).toBe(1002);
        expect(keeper.guarded).toBe(true);
        expect(fenced).toEqual([]);
        await keeper.bye();
      });

      test('a stall reported only after a new guardian started (the old one fenced and told of it) keeps the new one', async () => {
        const report: { value: StallReport | undefined } = { value: undefined };
        const { fake, fenced, changes, keeper } = await workerKeeper({ value: false }, report);
        const stallFrom = performance.timeOrigin + now;
        now += 1_500;
        fake.ends[0]('fenced-no-ticks');
        await settle();
        expect(keeper.pid).toBe(1002);
        expect(keeper.idleStalls).toBe(1);
        // The main thread reads the worker's record of the same stall only now.
        report.value = idle(1_500, stallFrom);
        expect(keeper.checkStall()).toBe(false);
        expect(fake.kills).toEqual([]);
        expect(keeper.guarded).toBe(true);
        expect(changes.map((c) => c.guarded)).toEqual([false, true]);
        expect(keeper.idleStalls).toBe(1);
        expect(fenced).toEqual([]);
        await keeper.bye();
      });

      test('a shorter freeze keeps the guardian', async () => {
        const { fake, changes, keeper } = await workerKeeper({ value: false }, { value: idle(600) });
        expect(keeper.checkStall()).toBe(false);
        expect(keeper.idleStalls).toBe(1);
        expect(fake.kills).toEqual([]);
        expect(changes).toEqual([]);
        await keeper.bye();
      });

      test('an idle report while the records say the node holds (an add began since): the daemon ends', async () => {
        const { fenced, keeper } = await workerKeeper({ value: true }, { value: idle(660) });
        expect(keeper.checkStall()).toBe(true);
        expect(fenced).toEqual([expect.stringMatching(/stood still for 660 ms \(frozen\)/)]);
        await keeper.bye();
      });

      test('a fatal report ends the daemon with its words', async () => {
        const { fenced, keeper } = await workerKeeper({ value: false }, { value: { kind: 'fatal', why: 'the main loop stood still past its limit' } });
        expect(keeper.checkStall()).toBe(true);
        expect(keeper.checkStall()).toBe(true);
        expect(fenced).toEqual(['the main loop stood still past its limit']);
        await keeper.bye();
      });
    });

    test('a guardian that fenced while the node held addresses still ends the daemon', async () => {
      const { fake, fenced, keeper } = await idleKeeper({ value: true });
      fake.ends[0]('fenced-no-ticks');
      expect(fenced).toEqual(['guardian fenced (fenced-no-ticks)']);
      await keeper.bye();
    });
  });

  test('a killed guardian is replaced; the fourth end within the window ends the daemon', async () => {
    const fake = fakeGuardians();
    const fenced: string[] = [];
    const keeper = await GuardianKeeper.start({ fenceAfterMs: 700, spawn: fake.spawn, maxRespawns: 3 }, recordingLogger(), (why) => fenced.push(why));
    for (let k = 0; k < 3; k++) {
      fake.ends[k]('killed');
      await settle();
      expect(keeper.pid).toBe(1002 + k);
    }
    expect(fenced).toEqual([]);
    fake.ends[3]('failed');
    expect(fenced).toEqual([expect.stringMatching(/guardian ended 4 times/)]);
    await keeper.bye();
  });

  test('after bye, the goodbye end of the guardian is not an alarm', async () => {
    const fake = fakeGuardians();
    const fenced: string[] = [];
    const keeper = await GuardianKeeper.start({ fenceAfterMs: 700, spawn: fake.spawn }, recordingLogger(), (why) => fenced.push(why));
    expect(await keeper.bye()).toBe('bye');
    fake.ends[0]('fenced-no-ticks');
    expect(fenced).toEqual([]);
    expect(fake.byes()).toBe(1);
  });

  test('a guardian that stops answering: unguarded at once, killed, and guarded again when its successor is ready', async () => {
    const fake = fakeGuardians();
    const fenced: string[] = [];
    const changes: GuardChange[] = [];
    const log = recordingLogger();
    const keeper = await GuardianKeeper.start({ fenceAfterMs: 700, spawn: fake.spawn, onGuard: (c) => changes.push(c) }, log, (why) => fenced.push(why));
    expect(keeper.guarded).toBe(true);
    fake.silents[0](712);
    expect(changes).toEqual([{ guarded: false, cause: 'silent', detail: 'the guardian (pid 1001) answered no tick for 712 ms (frozen or hung)' }]);
    expect(fake.kills).toEqual([1001]);
    expect(keeper.guarded).toBe(false);
    fake.ends[0]('killed'); // the SIGKILL's exit
    await settle();
    expect(keeper.pid).toBe(1002);
    expect(keeper.guarded).toBe(true);
    expect(changes).toEqual([expect.objectContaining({ guarded: false }), { guarded: true }]);
    expect(fenced).toEqual([]);
    await keeper.bye();
  });

  test('a guardian killed from outside: unguarded until the new one is ready', async () => {
    const fake = fakeGuardians();
    const changes: GuardChange[] = [];
    const keeper = await GuardianKeeper.start({ fenceAfterMs: 700, spawn: fake.spawn, onGuard: (c) => changes.push(c) }, recordingLogger(), () => undefined);
    fake.ends[0]('killed');
    expect(changes).toEqual([{ guarded: false, cause: 'ended', detail: 'the guardian ended (killed)' }]);
    await settle();
    expect(changes[1]).toEqual({ guarded: true });
    await keeper.bye();
  });

  test('a silent report of a guardian already replaced is ignored', async () => {
    const fake = fakeGuardians();
    const changes: GuardChange[] = [];
    const keeper = await GuardianKeeper.start({ fenceAfterMs: 700, spawn: fake.spawn, onGuard: (c) => changes.push(c) }, recordingLogger(), () => undefined);
    fake.ends[0]('killed');
    await settle();
    fake.silents[0](900);
    expect(fake.kills).toEqual([]);
    expect(changes.map((c) => c.guarded)).toEqual([false, true]);
    await keeper.bye();
  });

  test('placed in a systemd scope that cannot be made: logged, and the guardian runs beside the daemon', async () => {
    const fake = fakeGuardians((o) => o.command?.execPath === '/usr/bin/systemd-run');
    const log = recordingLogger();
    const keeper = await GuardianKeeper.start({
      fenceAfterMs: 700, spawn: fake.spawn, placement: { kind: 'systemd-scope', systemdRun: '/usr/bin/systemd-run', unitPrefix: 'floatip-guardian' },
    }, log, () => undefined);
    expect(fake.options.map((o) => o.command?.execPath)).toEqual(['/usr/bin/systemd-run', guardianCommand().execPath]);
    expect(keeper.pid).toBe(1001);
    expect(log.lines.some((l) => /could not be started in a systemd scope/.test(l.message))).toBe(true);
    await keeper.bye();
  });
});
