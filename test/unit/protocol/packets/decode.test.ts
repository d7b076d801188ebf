import { ip, IpAddress } from '../../../../src/core/ip';
import {
  addressHex, announcedAddressHex, buildArpRequest, buildGratuitousArp, buildTickle, buildUnsolicitedNeighborAdvert, decodeAnnouncement, mac,
} from '../../../../src/protocol/packets';

describe('decodeAnnouncement', () => {
  const nodeMac = mac('02:00:00:00:00:0a');

  it('reads back both gratuitous ARP kinds', () => {
    const request = decodeAnnouncement(buildGratuitousArp('request', nodeMac, ip('192.0.2.10')));
    expect(request).toMatchObject({ kind: 'arp', op: 'request', senderIp: ip('192.0.2.10'), targetIp: ip('192.0.2.10') });
    expect(request?.kind === 'arp' && request.targetMac.text).toBe('00:00:00:00:00:00');
    const reply = decodeAnnouncement(buildGratuitousArp('reply', nodeMac, ip('192.0.2.10')));
    expect(reply?.kind === 'arp' && [reply.op, reply.senderMac.text, reply.destinationMac.text])
      .toEqual(['reply', '02:00:00:00:00:0a', 'ff:ff:ff:ff:ff:ff']);
  });

  it('reads back a neighbour advertisement with its flags and option', () => {
    const na = decodeAnnouncement(buildUnsolicitedNeighborAdvert(nodeMac, ip('2001:db8::a')));
    expect(na).toMatchObject({
      kind: 'neighbor-advert', hopLimit: 255, override: true, solicited: false,
      target: ip('2001:db8::a'), destinationIp: ip('ff02::1'),
    });
    expect(na?.kind === 'neighbor-advert' && na.targetMac?.text).toBe('02:00:00:00:00:0a');
  });

  it('ignores other and truncated frames', () => {
    const arp = buildGratuitousArp('request', nodeMac, ip('192.0.2.10'));
    expect(decodeAnnouncement(arp.subarray(0, 30))).toBeUndefined();
    expect(decodeAnnouncement(new Uint8Array(10))).toBeUndefined();
    const na = buildUnsolicitedNeighborAdvert(nodeMac, ip('2001:db8::a'));
    expect(decodeAnnouncement(na.subarray(0, 70))).toBeUndefined();
    const ipv4 = Buffer.concat([Buffer.from('ffffffffffff02000000000a0800', 'hex'), buildTickle({
      server: { address: ip('192.0.2.1'), port: 1 }, client: { address: ip('192.0.2.2'), port: 2 },
    })]);
    expect(decodeAnnouncement(ipv4)).toBeUndefined();
  });
});

describe('announcedAddressHex', () => {
  const nodeMac = mac('02:00:00:00:00:0a');

  it('reads the address a frame claims, as decodeAnnouncement does, without decoding the frame', () => {
    const frames = [
      buildGratuitousArp('request', nodeMac, ip('192.0.2.10')),
      buildGratuitousArp('reply', nodeMac, ip('198.51.100.7')),
      buildArpRequest(nodeMac, ip('203.0.113.250'), ip('192.0.2.10')),
      buildUnsolicitedNeighborAdvert(nodeMac, ip('2001:db8::a')),
      buildUnsolicitedNeighborAdvert(nodeMac, ip('2001:db8:100::ffff')),
    ];
    for (const frame of frames) {
      const decoded = decodeAnnouncement(frame);
      const claimed = decoded?.kind === 'arp' ? decoded.senderIp : decoded?.target;
      expect(claimed).toBeDefined();
      expect(announcedAddressHex(frame)).toBe(addressHex(claimed as IpAddress));
    }
    expect(addressHex(ip('192.0.2.10'))).toBe('c000020a');
  });

  it('reads nothing from other and truncated frames', () => {
    expect(announcedAddressHex(buildGratuitousArp('request', nodeMac, ip('192.0.2.10')).subarray(0, 30))).toBeUndefined();
    expect(announcedAddressHex(new Uint8Array(10))).toBeUndefined();
    expect(announcedAddressHex(buildUnsolicitedNeighborAdvert(nodeMac, ip('2001:db8::a')).subarray(0, 70))).toBeUndefined();
    expect(announcedAddressHex(Buffer.from('ffffffffffff02000000000a0800', 'hex'))).toBeUndefined();
  });
});
