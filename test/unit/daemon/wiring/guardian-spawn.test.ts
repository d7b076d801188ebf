// The guardian keeper: a fence ends the daemon, a killed guardian is replaced (a few times), a goodbye ends quietly.

import { GuardianEnd, GuardianLinkOptions } from '../../../../src/daemon/guardian-client';
import { GuardianKeeper, guardianLinkOptions } from '../../../../src/daemon/wiring/guardian-spawn';
import { recordingLogger } from '../runtime/harness/recording-logger';

function fakeGuardians() {
  const ends: Array<(end: GuardianEnd) => void> = [];
  const options: GuardianLinkOptions[] = [];
  let byes = 0;
  const spawn = async (o: GuardianLinkOptions, onEnd: (end: GuardianEnd) => void) => {
    options.push(o);
    ends.push(onEnd);
    const pid = 1000 + ends.length;
    return { pid, bye: async (): Promise<GuardianEnd> => { byes++; return 'bye'; } };
  };
  return { spawn, ends, options, byes: () => byes };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('GuardianKeeper', () => {
  test('runs guardian-main beside guardian-client with the same loader, and fence_after', () => {
    const options = guardianLinkOptions(700);
    expect(options.fenceAfterMs).toBe(700);
    expect(options.command?.execPath).toBe(process.execPath);
    expect(options.command?.args[options.command.args.length - 1]).toMatch(/src\/daemon\/guardian-main\.ts$/);
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
});
