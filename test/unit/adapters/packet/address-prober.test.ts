import { ip } from '../../../../src/core/ip';
import { createAddressProber } from '../../../../src/adapters/packet/address-prober';
import {
  buildArpProbe, buildGratuitousArp, buildNeighborSolicitProbe, buildUnsolicitedNeighborAdvert, ETHERTYPE_ARP, ETHERTYPE_IPV6, mac, MacAddress,
} from '../../../../src/protocol/packets';
import { ManualClock } from '../../../../src/adapters/memory/clock';

const OWN = mac('02:00:00:00:00:0a');
const OTHER = mac('02:00:00:00:00:0b');
const V4 = ip('203.0.113.10');
const V6 = ip('2001:db8::10');
const WINDOW = 250;

class FakeSocket {
  readonly sent: Buffer[] = [];
  closed = false;
  failSend = false;
  private onFrame: ((frame: Buffer, receivedAt: number) => void) | undefined;
  constructor(readonly etherType: number, readonly mac: MacAddress = OWN, readonly hardwareType = 1) {}
  sendBatch(frames: Buffer[]): number {
    if (this.failSend) throw Object.assign(new Error('sendmmsg(fs0): Network is down'), { sent: 0 });
    this.sent.push(...frames);
    return frames.length;
  }
  startReceive(onFrame: (frame: Buffer, receivedAt: number) => void): void { this.onFrame = onFrame; }
  close(): void { this.closed = true; }
  deliver(frame: Buffer): void { if (!this.closed) this.onFrame?.(frame, 0); }
}

function setup(options: { hardwareType?: number; failOpen?: boolean; failSend?: boolean } = {}) {
  const clock = new ManualClock();
  const sockets: FakeSocket[] = [];
  const prober = createAddressProber({ answerWindowMs: WINDOW }, {
    clock,
    openSocket: (iface, etherType) => {
      if (options.failOpen) throw Object.assign(new Error(`interface ${iface} does not exist`), { code: 'E_NO_INTERFACE' });
      const socket = new FakeSocket(etherType, OWN, options.hardwareType);
      socket.failSend = options.failSend ?? false;
      sockets.push(socket);
      return socket;
    },
  });
  const socketFor = (etherType: number): FakeSocket => {
    const found = sockets.filter((s) => s.etherType === etherType).at(-1);
    if (!found) throw new Error(`no socket for ${etherType}`);
    return found;
  };
  return { clock, sockets, prober, socketFor };
}

describe('createAddressProber', () => {
  it('sends an ARP probe and a DAD solicitation, one socket per family, and closes both after the window', async () => {
    const { clock, prober, sockets, socketFor } = setup();
    const done = prober.probe('fs0', [V4, V6]);
    await clock.advance(0);
    expect(socketFor(ETHERTYPE_ARP).sent).toEqual([buildArpProbe(OWN, V4)]);
    expect(socketFor(ETHERTYPE_IPV6).sent).toEqual([buildNeighborSolicitProbe(OWN, V6)]);
    await clock.advance(WINDOW);
    await expect(done).resolves.toEqual([]);
    expect(sockets.map((s) => s.closed)).toEqual([true, true]);
  });

  it('returns the other MAC\'s ARP reply and NA for probed addresses, and only those', async () => {
    const { clock, prober, socketFor } = setup();
    const done = prober.probe('fs0', [V4, V6]);
    await clock.advance(1);
    socketFor(ETHERTYPE_ARP).deliver(buildGratuitousArp('reply', OTHER, V4));
    socketFor(ETHERTYPE_ARP).deliver(buildGratuitousArp('request', OTHER, ip('203.0.113.99')));
    socketFor(ETHERTYPE_IPV6).deliver(buildUnsolicitedNeighborAdvert(OTHER, V6));
    await clock.advance(WINDOW);
    const claims = await done;
    expect(claims.map((c) => [c.address.text, c.mac.text, c.ownMac.text, c.how, c.iface]).sort()).toEqual([
      ['2001:db8::10', OTHER.text, OWN.text, 'neighbor-advert', 'fs0'],
      ['203.0.113.10', OTHER.text, OWN.text, 'arp-reply', 'fs0'],
    ]);
  });

  it('hears no claim in probes (sender 0.0.0.0) or in an NA that crossed a router (hop limit below 255)', async () => {
    const { clock, prober, socketFor } = setup();
    const done = prober.probe('fs0', [V4, V6]);
    await clock.advance(1);
    socketFor(ETHERTYPE_ARP).deliver(buildArpProbe(OTHER, V4));
    const routed = buildUnsolicitedNeighborAdvert(OTHER, V6);
    routed[21] = 254;
    socketFor(ETHERTYPE_IPV6).deliver(routed);
    await clock.advance(WINDOW);
    await expect(done).resolves.toEqual([]);
  });

  it('counts nothing heard after the window', async () => {
    const { clock, prober, socketFor } = setup();
    const done = prober.probe('fs0', [V4]);
    await clock.advance(WINDOW);
    socketFor(ETHERTYPE_ARP).deliver(buildGratuitousArp('reply', OTHER, V4));
    await expect(done).resolves.toEqual([]);
  });

  it('shares one socket between overlapping windows and closes it after the last', async () => {
    const { clock, prober, sockets, socketFor } = setup();
    const first = prober.probe('fs0', [V4]);
    await clock.advance(100);
    const second = prober.probe('fs0', [ip('203.0.113.11')]);
    await clock.advance(0);
    expect(sockets).toHaveLength(1);
    socketFor(ETHERTYPE_ARP).deliver(buildGratuitousArp('reply', OTHER, V4));
    await clock.advance(WINDOW - 100);
    expect((await first).map((c) => c.address.text)).toEqual(['203.0.113.10']);
    expect(sockets[0].closed).toBe(false);
    await clock.advance(100);
    await expect(second).resolves.toEqual([]);
    expect(sockets[0].closed).toBe(true);
  });

  it('rejects with typed errors: no interface, not Ethernet, send failed (and closes what it opened)', async () => {
    await expect(setup({ failOpen: true }).prober.probe('fs0', [V4])).rejects.toMatchObject({ code: 'E_PROBE_LINK' });
    const notEthernet = setup({ hardwareType: 772 });
    await expect(notEthernet.prober.probe('lo', [V4])).rejects.toMatchObject({ code: 'E_PROBE_NOT_ETHERNET' });
    expect(notEthernet.sockets[0].closed).toBe(true);

    const failing = setup({ failSend: true });
    await expect(failing.prober.probe('fs0', [V4])).rejects.toMatchObject({ code: 'E_PROBE_SEND', message: expect.stringMatching(/Network is down/) });
    expect(failing.sockets[0].closed).toBe(true);
  });
});
