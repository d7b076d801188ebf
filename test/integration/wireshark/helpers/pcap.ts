// Writes a pcap file of TCP conversations (Ethernet, IPv4, TCP with real sequence numbers) for the dissector tests.
//
// Checksums are left zero: Wireshark does not check them by default, and the tests are
// about the TCP payload. Each conversation starts with a three-way handshake so that
// Wireshark's TCP reassembly sees the stream from its first byte.

export interface TcpEndpoint {
  /** Dotted IPv4 address. */
  readonly ip: string;
  readonly port: number;
}

export interface TcpSegment {
  /** Which end sends it: the one that dialled (`client`) or the one that accepted. */
  readonly from: 'client' | 'server';
  readonly payload: Uint8Array;
}

export interface TcpConversation {
  readonly client: TcpEndpoint;
  readonly server: TcpEndpoint;
  readonly segments: readonly TcpSegment[];
}

const SYN = 0x02;
const ACK = 0x10;
const PSH = 0x08;

function ipv4Bytes(text: string): number[] {
  return text.split('.').map(Number);
}

function packet(from: TcpEndpoint, to: TcpEndpoint, seq: number, ack: number, flags: number, payload: Uint8Array): Buffer {
  const tcp = Buffer.alloc(20);
  tcp.writeUInt16BE(from.port, 0);
  tcp.writeUInt16BE(to.port, 2);
  tcp.writeUInt32BE(seq >>> 0, 4);
  tcp.writeUInt32BE(ack >>> 0, 8);
  tcp[12] = 5 << 4;
  tcp[13] = flags;
  tcp.writeUInt16BE(65535, 14);
  const ip = Buffer.alloc(20);
  ip[0] = 0x45;
  ip.writeUInt16BE(20 + 20 + payload.length, 2);
  ip[8] = 64;
  ip[9] = 6;
  Buffer.from(ipv4Bytes(from.ip)).copy(ip, 12);
  Buffer.from(ipv4Bytes(to.ip)).copy(ip, 16);
  const ethernet = Buffer.from([0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, 0x08, 0x00]);
  return Buffer.concat([ethernet, ip, tcp, Buffer.from(payload)]);
}

/** The pcap bytes of these conversations, one after the other, one millisecond per packet. */
export function tcpPcap(conversations: readonly TcpConversation[]): Buffer {
  const records: Buffer[] = [];
  let time = 1_700_000_000_000;
  const record = (data: Buffer): void => {
    const header = Buffer.alloc(16);
    header.writeUInt32LE(Math.floor(time / 1000), 0);
    header.writeUInt32LE((time % 1000) * 1000, 4);
    header.writeUInt32LE(data.length, 8);
    header.writeUInt32LE(data.length, 12);
    records.push(header, data);
    time += 1;
  };
  for (const { client, server, segments } of conversations) {
    let clientSeq = 1000;
    let serverSeq = 5000;
    record(packet(client, server, clientSeq, 0, SYN, new Uint8Array(0)));
    record(packet(server, client, serverSeq, clientSeq + 1, SYN | ACK, new Uint8Array(0)));
    clientSeq += 1;
    serverSeq += 1;
    record(packet(client, server, clientSeq, serverSeq, ACK, new Uint8Array(0)));
    for (const segment of segments) {
      if (segment.from === 'client') {
        record(packet(client, server, clientSeq, serverSeq, PSH | ACK, segment.payload));
        clientSeq += segment.payload.length;
      } else {
        record(packet(server, client, serverSeq, clientSeq, PSH | ACK, segment.payload));
        serverSeq += segment.payload.length;
      }
    }
  }
  const global = Buffer.alloc(24);
  global.writeUInt32LE(0xa1b2c3d4, 0);
  global.writeUInt16LE(2, 4);
  global.writeUInt16LE(4, 6);
  global.writeUInt32LE(262144, 16);
  global.writeUInt32LE(1, 20);
  return Buffer.concat([global, ...records]);
}
