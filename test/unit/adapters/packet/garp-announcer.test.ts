import { ip, IpAddress } from '../../../../src/core/ip';
import { AnnounceError } from '../../../../src/adapters/packet/announcer';
import { announceSettings, AnnounceSettings } from '../../../../src/adapters/packet/announce-settings';
import { createGarpAnnouncer, FRAMES_PER_TURN } from '../../../../src/adapters/packet/garp-announcer';
import { decodeAnnouncement } from '../../../../src/protocol/packets';
import { FakeLink } from './fake-link';
import { ManualClock } from '../../../../src/adapters/memory/clock';

function setup(overrides: Partial<AnnounceSettings> = {}) {
  const clock = new ManualClock();
  const links = new Map<string, FakeLink[]>();
  const errors: AnnounceError[] = [];
  let openFailure: Error | undefined;
  let hardwareType = 1;
  const announcer = createGarpAnnouncer(announceSettings(overrides), {
    clock,
    onError: (error) => errors.push(error),
    openLink: (iface) => {
      if (openFailure) throw openFailure;
      const link = new FakeLink(clock, undefined, hardwareType);
      links.set(iface, [...(links.get(iface) ?? []), link]);
      return link;
    },
  });
  const link = (iface: string, n = 0): FakeLink => links.get(iface)![n];
  return {
    clock, links, errors, announcer, link,
    failOpen: (error: Error) => { openFailure = error; },
    useHardwareType: (type: number) => { hardwareType = type; },
  };
}

/** "request 192.0.2.10" / "reply 192.0.2.10" / "na 2001:db8::a" per frame. */
function describeFrames(frames: Buffer[]): string[] {
  return frames.map((frame) => {
    const decoded = decodeAnnouncement(frame)!;
    return decoded.kind === 'arp' ? `${decoded.op} ${decoded.senderIp.text}` : `na ${decoded.target.text}`;
  });
}

function addresses(count: number): IpAddress[] {
  return Array.from({ length: count }, (_, i) => ip(`198.51.100.${(i % 250) + 1}`)).map((a, i) => (i < 250 ? a : ip(`203.0.113.${(i % 250) + 1}`)));
}

describe('GARP announcer', () => {
  it('sends the first IPv4 round (request, then reply) before announce() resolves', async () => {
    const { announcer, link } = setup();
    await announcer.announce(ip('192.0.2.10'), 'eth1');
    expect(describeFrames(link('eth1').frames)).toEqual(['request 192.0.2.10', 'reply 192.0.2.10']);
    expect(link('eth1').batches[0].at).toBe(0);
  });

  it('repeats rounds as configured: count per burst, spacing, second burst', async () => {
    const { announcer, link, clock } = setup({ count: 3, spacingMs: 200, secondBurstDelayMs: 5000, refreshIntervalMs: 0 });
    await announcer.announce(ip('192.0.2.10'), 'eth1');
    await clock.advance(10_000);
    expect(link('eth1').batches.map((b) => b.at)).toEqual([0, 200, 400, 5000, 5200, 5400]);
    expect(link('eth1').frames).toHaveLength(12);
    expect(clock.waiting).toBe(0);
  });

  it('announces IPv6 with one unsolicited NA per round', async () => {
    const { announcer, link, clock } = setup({ count: 2, spacingMs: 100, secondBurstDelayMs: 0 });
    await announcer.announce(ip('2001:db8::a'), 'eth1');
    await clock.advance(1000);
    expect(describeFrames(link('eth1').frames)).toEqual(['na 2001:db8::a', 'na 2001:db8::a']);
  });

  it('sends the first round of many addresses announced in one tick in batches of FRAMES_PER_TURN, one a turn', async () => {
    const { announcer, link, clock } = setup();
    const all = addresses(500);
    const firstRounds = Promise.all(all.map((a) => announcer.announce(a, 'eth1')));
    await clock.advance(0);
    await firstRounds;
    expect(link('eth1').batches.map((b) => b.frames.length)).toEqual([FRAMES_PER_TURN, FRAMES_PER_TURN, FRAMES_PER_TURN, 1000 - 3 * FRAMES_PER_TURN]);
    expect(new Set(link('eth1').batches.map((b) => b.at))).toEqual(new Set([clock.now()]));
  });

  it('keeps to the per-interface rate and gives every address its first round before any second', async () => {
    const { announcer, link, clock } = setup({ count: 2, spacingMs: 50, secondBurstDelayMs: 0, maxFramesPerSecond: 1000, burstFrames: 100 });
    const all = addresses(200);
    const settled = Promise.all(all.map((a) => announcer.announce(a, 'eth1')));
    await clock.advance(2000);
    await settled;
    const batches = link('eth1').batches;
    let sent = 0;
    for (const batch of batches) {
      sent += batch.frames.length;
      // Never more than the bucket allows: its capacity plus the rate times elapsed time.
      expect(sent).toBeLessThanOrEqual(100 + batch.at);
    }
    expect(sent).toBe(800);
    const order = describeFrames(link('eth1').frames);
    expect(order.slice(0, 400)).toEqual(all.flatMap((a) => [`request ${a.text}`, `reply ${a.text}`]));
    // 800 frames at 1 per ms after the first 100: the last leaves at about 700 ms.
    expect(batches[batches.length - 1].at).toBeGreaterThanOrEqual(699);
    expect(batches[batches.length - 1].at).toBeLessThan(720);
  });

  it('stops the remaining rounds when an address is withdrawn', async () => {
    const { announcer, link, clock } = setup({ count: 3, spacingMs: 200, secondBurstDelayMs: 5000, refreshIntervalMs: 0 });
    await announcer.announce(ip('192.0.2.10'), 'eth1');
    await announcer.announce(ip('192.0.2.11'), 'eth1');
    await clock.advance(250);
    announcer.withdraw(ip('192.0.2.10'));
    await clock.advance(10_000);
    const frames = describeFrames(link('eth1').frames);
    expect(frames.filter((f) => f.endsWith('192.0.2.10'))).toHaveLength(4);
    expect(frames.filter((f) => f.endsWith('192.0.2.11'))).toHaveLength(12);
  });

  it('refreshes periodically until withdrawn', async () => {
    const { announcer, link, clock } = setup({ count: 1, spacingMs: 0, secondBurstDelayMs: 0, refreshIntervalMs: 1000 });
    await announcer.announce(ip('2001:db8::a'), 'eth1');
    await clock.advance(3500);
    expect(link('eth1').batches.map((b) => b.at)).toEqual([0, 1000, 2000, 3000]);
    announcer.withdraw(ip('2001:db8::a'));
    await clock.advance(5000);
    expect(link('eth1').batches).toHaveLength(4);
  });

  it('restarts the schedule when an address is announced again, on its new interface only', async () => {
    const { announcer, link, clock } = setup({ count: 2, spacingMs: 100, secondBurstDelayMs: 0 });
    await announcer.announce(ip('192.0.2.10'), 'eth1');
    await announcer.announce(ip('192.0.2.10'), 'eth2');
    await clock.advance(1000);
    expect(link('eth1').frames).toHaveLength(2);
    expect(link('eth2').frames).toHaveLength(4);
  });

  it('rejects with E_ANNOUNCE_LINK when the interface cannot be opened', async () => {
    const { announcer, failOpen } = setup();
    failOpen(new Error('interface eth9 does not exist'));
    await expect(announcer.announce(ip('192.0.2.10'), 'eth9')).rejects.toMatchObject({
      code: 'E_ANNOUNCE_LINK', message: 'cannot announce on eth9: interface eth9 does not exist',
    });
  });

  it('refuses a non-Ethernet interface and closes what it opened', async () => {
    const { announcer, useHardwareType, link } = setup();
    useHardwareType(772);
    await expect(announcer.announce(ip('192.0.2.10'), 'lo')).rejects.toMatchObject({ code: 'E_ANNOUNCE_NOT_ETHERNET' });
    expect(link('lo').closed).toBe(true);
  });

  it('rejects the first round on a send failure, then reopens the interface on the next announce', async () => {
    const { announcer, link } = setup();
    await announcer.announce(ip('192.0.2.9'), 'eth1');
    link('eth1').failAfter = 1;
    const first = announcer.announce(ip('192.0.2.10'), 'eth1');
    await expect(first).rejects.toMatchObject({ code: 'E_ANNOUNCE_SEND' });
    await expect(first).rejects.toThrow(/announcing on eth1 failed: sendmmsg\(fpk0b\): Network is down/);
    expect(link('eth1').closed).toBe(true);
    await announcer.announce(ip('192.0.2.10'), 'eth1');
    expect(link('eth1', 1).frames).toHaveLength(2);
  });

  it('reports a failed later round through onError', async () => {
    const { announcer, link, clock, errors } = setup({ count: 2, spacingMs: 100, secondBurstDelayMs: 0 });
    await announcer.announce(ip('192.0.2.10'), 'eth1');
    link('eth1').failAfter = 0;
    await clock.advance(200);
    expect(errors.map((e) => e.code)).toEqual(['E_ANNOUNCE_SEND']);
  });

  it('on close rejects what waits, cancels every timer and closes the sockets', async () => {
    const { announcer, link, clock } = setup({ maxFramesPerSecond: 10, burstFrames: 2 });
    await announcer.announce(ip('192.0.2.10'), 'eth1');
    const waiting = announcer.announce(ip('192.0.2.11'), 'eth1');
    announcer.close();
    await expect(waiting).rejects.toMatchObject({ code: 'E_ANNOUNCE_CLOSED' });
    await clock.advance(60_000);
    expect(link('eth1').frames).toHaveLength(2);
    expect(link('eth1').closed).toBe(true);
    expect(clock.waiting).toBe(0);
    await expect(announcer.announce(ip('192.0.2.12'), 'eth1')).rejects.toMatchObject({ code: 'E_ANNOUNCE_CLOSED' });
  });

  it('sends at most FRAMES_PER_TURN frames a turn, the rest on the next turns, in order', async () => {
    const { announcer, clock, link } = setup();
    const addresses = Array.from({ length: 200 }, (_, i) => ip(`198.51.100.${i + 1}`));
    const firstRounds = Promise.all(addresses.map((a) => announcer.announce(a, 'eth1')));
    await clock.settle();
    expect(link('eth1').batches.map((b) => b.frames.length)).toEqual([FRAMES_PER_TURN]);
    await clock.advance(0);
    await firstRounds;
    expect(link('eth1').batches.map((b) => b.frames.length)).toEqual([FRAMES_PER_TURN, 400 - FRAMES_PER_TURN]);
    expect(describeFrames(link('eth1').frames).filter((_, i) => i % 2 === 0).map((f) => f.split(' ').pop()))
      .toEqual(addresses.map((a) => a.text));
  });

  it('rejects an announcement withdrawn while it waited for the rate limit', async () => {
    const { announcer, clock, link } = setup({ maxFramesPerSecond: 10, burstFrames: 2 });
    await announcer.announce(ip('192.0.2.10'), 'eth1');
    const waiting = announcer.announce(ip('192.0.2.11'), 'eth1');
    announcer.withdraw(ip('192.0.2.11'));
    await expect(waiting).rejects.toMatchObject({ code: 'E_ANNOUNCE_CLOSED' });
    await clock.advance(1000);
    expect(describeFrames(link('eth1').frames).filter((f) => f.endsWith('.11'))).toEqual([]);
  });
});
