// The guardian's decision on a manual clock: ticks keep it quiet, silence or a closed pipe fence, a goodbye leaves.

import {
  GUARDIAN_BYE, GUARDIAN_TICK, GuardianVerdict, GuardianWatch, parseGuardianArgs, TickAnswers,
} from '../../../src/daemon/guardian';
import { whenReady } from '../../../src/daemon/guardian-main';
import { noticeArgs, NoticeSettings } from '../../../src/daemon/guardian-notice';
import { ManualClock } from '../../../src/adapters/memory/clock';

function watch(fenceAfterMs = 700): { clock: ManualClock; verdicts: GuardianVerdict[]; watch: GuardianWatch } {
  const clock = new ManualClock();
  const verdicts: GuardianVerdict[] = [];
  const w = new GuardianWatch(fenceAfterMs, clock, (v) => verdicts.push(v));
  w.start();
  return { clock, verdicts, watch: w };
}

const tick = Uint8Array.of(GUARDIAN_TICK);

describe('GuardianWatch', () => {
  it('stays quiet while ticks come every fence_after/4, for as long as they come', async () => {
    const { clock, verdicts, watch: w } = watch(700);
    for (let i = 0; i < 100; i++) {
      await clock.advance(175);
      w.input(tick);
    }
    expect(verdicts).toEqual([]);
    expect(w.ticks).toBe(100);
  });

  it('fences exactly fence_after after the last tick (a frozen daemon)', async () => {
    const { clock, verdicts, watch: w } = watch(700);
    await clock.advance(175);
    w.input(tick);
    await clock.advance(699);
    expect(verdicts).toEqual([]);
    await clock.advance(1);
    expect(verdicts).toEqual([{ kind: 'fence', cause: 'no-ticks', silentMs: 700 }]);
    expect(clock.now()).toBe(875);
  });

  it('judges a late deadline after reading the pipe: ticks that waited there while the guardian stood still are no silence', async () => {
    const clock = new ManualClock();
    const turns: Array<() => void> = [];
    // The loop turn split in two: the deadline's timer runs first, what nextTurn defers runs after the pipe was read.
    const loop = { now: () => clock.now(), wallNow: () => clock.wallNow(), schedule: (ms: number, fn: () => void) => clock.schedule(ms, fn), nextTurn: (fn: () => void) => { turns.push(fn); } };
    const verdicts: GuardianVerdict[] = [];
    const w = new GuardianWatch(45, loop, (v) => verdicts.push(v));
    w.start();
    await clock.advance(60); // the guardian got no core for 60 ms; the daemon ticked meanwhile
    expect(turns).toHaveLength(1);
    w.input(Uint8Array.from([GUARDIAN_TICK, GUARDIAN_TICK, GUARDIAN_TICK])); // read in the same turn, before the deferred judgement
    turns.shift()?.();
    expect(verdicts).toEqual([]);
    // The ticks stop for real: the next deadline fences.
    await clock.advance(45);
    turns.shift()?.();
    expect(verdicts).toEqual([{ kind: 'fence', cause: 'no-ticks', silentMs: 45 }]);
  });

  it('fences when the deadline timer fires a little early by the clock (libuv counts from its cached loop time)', async () => {
    const clock = new ManualClock();
    const early = { now: () => clock.now(), wallNow: () => clock.wallNow(), schedule: (ms: number, fn: () => void) => clock.schedule(ms - 1, fn), nextTurn: (fn: () => void) => clock.nextTurn(fn) };
    const verdicts: GuardianVerdict[] = [];
    const w = new GuardianWatch(700, early, (v) => verdicts.push(v));
    w.start();
    await clock.advance(100);
    w.input(tick);
    await clock.advance(699); // the timer fires at 699 ms after the tick
    expect(verdicts).toEqual([{ kind: 'fence', cause: 'no-ticks', silentMs: 699 }]);
  });

  it('fences a daemon that never ticks at all', async () => {
    const { clock, verdicts } = watch(300);
    await clock.advance(300);
    expect(verdicts).toEqual([{ kind: 'fence', cause: 'no-ticks', silentMs: 300 }]);
  });

  it('fences at once when the pipe closes (the daemon died), whatever the ticks said', async () => {
    const { clock, verdicts, watch: w } = watch(700);
    await clock.advance(100);
    w.input(tick);
    await clock.advance(20);
    w.closed();
    expect(verdicts).toEqual([{ kind: 'fence', cause: 'pipe-closed', silentMs: 20 }]);
    await clock.advance(10_000);
    w.closed();
    expect(verdicts).toHaveLength(1);
  });

  it('leaves on goodbye, and nothing after it (not the closing pipe, not the silence) fences', async () => {
    const { clock, verdicts, watch: w } = watch(700);
    w.input(Uint8Array.of(GUARDIAN_TICK, GUARDIAN_TICK, GUARDIAN_BYE, GUARDIAN_TICK));
    w.closed();
    await clock.advance(5000);
    expect(verdicts).toEqual([{ kind: 'bye' }]);
    expect(w.ticks).toBe(2);
  });

  it('says how many ticks each chunk held, so the guardian acks each one, and none after a goodbye', async () => {
    const { watch: w } = watch(700);
    expect(w.input(Uint8Array.of(GUARDIAN_TICK, GUARDIAN_TICK, 0x0a, GUARDIAN_TICK))).toBe(3);
    expect(w.input(Uint8Array.of(0x7a))).toBe(0);
    expect(w.input(Uint8Array.of(GUARDIAN_TICK, GUARDIAN_BYE, GUARDIAN_TICK))).toBe(1);
    expect(w.input(tick)).toBe(0);
  });

  it('does not count unknown bytes as ticks', async () => {
    const { clock, verdicts, watch: w } = watch(700);
    await clock.advance(600);
    w.input(Buffer.from('hello\n'));
    await clock.advance(100);
    expect(verdicts).toEqual([{ kind: 'fence', cause: 'no-ticks', silentMs: 700 }]);
    expect(w.unknownBytes).toBe(5);
  });

  it('refuses a fence time that is not positive', async () => {
    expect(() => new GuardianWatch(0, new ManualClock(), () => undefined)).toThrow(RangeError);
  });
});

describe('parseGuardianArgs', () => {
  it('reads the fence time and the address tag (default 0xf1)', () => {
    expect(parseGuardianArgs(['--fence-after-ms=700'])).toEqual({ fenceAfterMs: 700, addressProtocol: 0xf1 });
    expect(parseGuardianArgs(['--fence-after-ms=175', '--address-protocol=200'])).toEqual({ fenceAfterMs: 175, addressProtocol: 200 });
  });

  it('refuses missing, unknown and out-of-range arguments with the usage', () => {
    expect(() => parseGuardianArgs([])).toThrow(/--fence-after-ms is required.*usage/);
    expect(() => parseGuardianArgs(['--fence-after-ms=700', '--verbose'])).toThrow(/unknown argument "--verbose"/);
    expect(() => parseGuardianArgs(['--fence-after-ms=700', '--address-protocol=2'])).toThrow(/4..255/);
    expect(() => parseGuardianArgs(['--fence-after-ms=0'])).toThrow(/--fence-after-ms must be 1\.\.3600000, not "0"/);
  });

  const notice: NoticeSettings = {
    pnn: 1, keyFile: '/etc/floatip/cluster.key', bindAddress: '192.0.2.11', port: 4390,
    peers: [{ pnn: 0, address: '192.0.2.10' }, { pnn: 2, address: '2001:db8::12' }],
  };

  it('reads back the notice settings the daemon writes with noticeArgs', () => {
    expect(parseGuardianArgs(['--fence-after-ms=700', ...noticeArgs(notice)])).toEqual({ fenceAfterMs: 700, addressProtocol: 0xf1, notice });
    expect(parseGuardianArgs(['--fence-after-ms=700', ...noticeArgs({ ...notice, peers: [] })]).notice?.peers).toEqual([]);
  });

  it('refuses a partial or malformed notice, naming the argument', () => {
    expect(() => parseGuardianArgs(['--fence-after-ms=700', '--notice-pnn=1'])).toThrow(/needs all of --notice-pnn, --notice-key-file/);
    expect(() => parseGuardianArgs(['--fence-after-ms=700', ...noticeArgs(notice), '--notice-peer=two@192.0.2.12'])).toThrow(/--notice-peer must be PNN@ADDRESS, not "two@192.0.2.12"/);
    expect(() => parseGuardianArgs(['--fence-after-ms=700', ...noticeArgs({ ...notice, port: 0 })])).toThrow(/--notice-port must be 1\.\.65535/);
  });
});

describe('TickAnswers', () => {
  it('measures the oldest unanswered tick, in order, one ack per tick', () => {
    const answers = new TickAnswers();
    expect(answers.oldestUnansweredMs(100)).toBe(0);
    answers.sent(100);
    answers.sent(275);
    answers.sent(450);
    expect(answers.oldestUnansweredMs(500)).toBe(400);
    answers.answered(1);
    expect(answers.oldestUnansweredMs(500)).toBe(225);
    answers.answered(2);
    expect(answers.oldestUnansweredMs(500)).toBe(0);
    expect(answers.unanswered).toBe(0);
  });

  it('a stalled daemon sends no ticks, so its own stall does not age the guardian\'s answers', () => {
    const answers = new TickAnswers();
    answers.sent(0);
    answers.answered(1);
    // 2 s without a tick (the daemon was stopped), then one tick, answered 5 ms later.
    answers.sent(2000);
    expect(answers.oldestUnansweredMs(2005)).toBe(5);
  });

  it('ignores acks beyond the ticks sent, and stays small over a long run', () => {
    const answers = new TickAnswers();
    answers.answered(5);
    answers.sent(10);
    expect(answers.oldestUnansweredMs(20)).toBe(10);
    for (let k = 0; k < 100_000; k++) {
      answers.sent(k);
      answers.answered(1);
    }
    expect(answers.unanswered).toBe(1);
    expect((answers as unknown as { sentAt: number[] }).sentAt.length).toBeLessThan(200);
  });
});

describe('whenReady', () => {
  it('starts the watch only once the guardian can fence: a slow start is no silence', async () => {
    const started: string[] = [];
    let finish: () => void = () => undefined;
    const preparing = new Promise<void>((resolve) => { finish = resolve; });
    const done = whenReady({ start: () => started.push('watch') }, preparing);
    await new Promise((resolve) => setImmediate(resolve));
    expect(started).toEqual([]);
    finish();
    await done;
    expect(started).toEqual(['watch']);
  });

  it('a start that fails starts no watch', async () => {
    const started: string[] = [];
    await expect(whenReady({ start: () => started.push('watch') }, Promise.reject(new Error('no netlink')))).rejects.toThrow('no netlink');
    expect(started).toEqual([]);
  });
});
