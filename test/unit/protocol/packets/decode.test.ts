import { ip } from '../../../../src/core/ip';
import {
  buildGratuitousArp, buildTickle, buildUnsolicitedNeighborAdvert, decodeAnnouncement, mac,
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
