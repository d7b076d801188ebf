// decodeTcpSegment: TCP headers read back from Ethernet frames (what killtcp's capture sees).

import { ip } from '../../../../src/core/ip';
import {
  buildTcpPacket, decodeTcpSegment, ETHERTYPE_IPV4, ETHERTYPE_IPV6, mac, TCP_FLAG_ACK, TCP_FLAG_RST, TcpConnection,
  writeEthernetHeader,
} from '../../../../src/protocol/packets';

/** An Ethernet frame around the packet `from` sends to `to` (buildTcpPacket sends server -> client). */
function frame(from: TcpConnection['server'], to: TcpConnection['client'], fields: { seq: number; ack: number; flags: number; window?: number }): Buffer {
  const packet = buildTcpPacket({ server: from, client: to }, { window: 512, ...fields });
  const out = Buffer.alloc(14 + packet.length);
  writeEthernetHeader(out, mac('02:00:00:00:00:0b'), mac('02:00:00:00:00:0c'), from.address.family === 4 ? ETHERTYPE_IPV4 : ETHERTYPE_IPV6);
  packet.copy(out, 14);
  return out;
}

const client4 = { address: ip('198.51.100.20'), port: 50123 };
const server4 = { address: ip('192.0.2.10'), port: 445 };
const client6 = { address: ip('2001:db8::20'), port: 40000 };
const server6 = { address: ip('2001:db8::10'), port: 2049 };

describe('decodeTcpSegment', () => {
  it('reads an IPv4 client ACK: endpoints, numbers, flags, window', () => {
    const segment = decodeTcpSegment(frame(client4, server4, { seq: 0xfffffff0, ack: 7, flags: TCP_FLAG_ACK, window: 29200 }));
    expect(segment).toEqual({
      kind: 'tcp', source: client4, destination: server4, seq: 0xfffffff0, ack: 7, flags: TCP_FLAG_ACK, window: 29200, payload: new Uint8Array(0),
    });
  });

  it('gives the data after the header, with the TCP options skipped and Ethernet padding left out', () => {
    const plain = frame(client4, server4, { seq: 10, ack: 20, flags: TCP_FLAG_ACK });
    const ipv4 = plain.subarray(14);
    // Data offset 6 (4 bytes of NOP options), then 5 bytes of data, then 3 bytes of padding.
    const tcp = Buffer.concat([ipv4.subarray(20, 40), Buffer.from([1, 1, 1, 1]), Buffer.from('hello')]);
    tcp[12] = 0x60;
    const withData = Buffer.concat([plain.subarray(0, 14), ipv4.subarray(0, 20), tcp, Buffer.alloc(3)]);
    withData.writeUInt16BE(20 + tcp.length, 16);
    const segment = decodeTcpSegment(withData);
    expect(Buffer.from(segment?.payload ?? []).toString()).toBe('hello');
  });

  it('reads an IPv6 segment', () => {
    const segment = decodeTcpSegment(frame(client6, server6, { seq: 1, ack: 2, flags: TCP_FLAG_RST | TCP_FLAG_ACK }));
    expect(segment).toMatchObject({ source: client6, destination: server6, seq: 1, ack: 2, flags: TCP_FLAG_RST | TCP_FLAG_ACK });
  });

  it('reads the TCP header after IPv4 options and ignores Ethernet padding', () => {
    const plain = frame(client4, server4, { seq: 10, ack: 20, flags: TCP_FLAG_ACK });
    // Insert 4 bytes of options (NOP x4) into the IPv4 header: IHL 6, total length + 4.
    const ipv4 = plain.subarray(14);
    const withOptions = Buffer.concat([plain.subarray(0, 14), ipv4.subarray(0, 20), Buffer.from([1, 1, 1, 1]), ipv4.subarray(20), Buffer.alloc(6)]);
    withOptions[14] = 0x46;
    withOptions.writeUInt16BE(ipv4.length + 4, 16);
    expect(decodeTcpSegment(withOptions)).toMatchObject({ source: client4, destination: server4, seq: 10, ack: 20 });
  });

  it('returns undefined for other protocols, fragments, extension headers and truncation', () => {
    const v4 = frame(client4, server4, { seq: 1, ack: 1, flags: TCP_FLAG_ACK });
    const udp = Buffer.from(v4); udp[14 + 9] = 17;
    const laterFragment = Buffer.from(v4); laterFragment.writeUInt16BE(0x0001, 14 + 6);
    const v6 = frame(client6, server6, { seq: 1, ack: 1, flags: TCP_FLAG_ACK });
    const hopByHop = Buffer.from(v6); hopByHop[14 + 6] = 0;
    const arp = Buffer.from(v4); arp.writeUInt16BE(0x0806, 12);
    const badOffset = Buffer.from(v4); badOffset[14 + 20 + 12] = 0x40;
    const offsetPastEnd = Buffer.from(v4); offsetPastEnd[14 + 20 + 12] = 0xf0;
    for (const bad of [udp, laterFragment, hopByHop, arp, badOffset, offsetPastEnd, v4.subarray(0, 14 + 30), v6.subarray(0, 14 + 50), new Uint8Array(8)]) {
      expect(decodeTcpSegment(bad)).toBeUndefined();
    }
  });

  it('never throws on arbitrary bytes', () => {
    const v4 = frame(client4, server4, { seq: 1, ack: 1, flags: TCP_FLAG_ACK });
    for (let length = 0; length <= v4.length; length++) {
      for (const seed of [0x00, 0xff, 0x45]) {
        const bytes = Buffer.from(v4.subarray(0, length));
        if (length > 20) bytes.fill(seed, 20);
        expect(() => decodeTcpSegment(bytes)).not.toThrow();
      }
    }
  });
});
