// The Wireshark dissector against frames from the project's own encoder: every kind decodes field for field, bad ones are flagged.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeBody, encodeBody, HEADER_BYTES, MAC_BYTES } from '../../../src/protocol/frame';
import { MESSAGE_TYPES } from '../../../src/protocol/frame-message-codecs';
import { PeerMessage, PeerMessageKind } from '../../../src/protocol/frame-messages';
import { PayloadFieldError } from '../../../src/protocol/frame-errors';
import { conversationHandshake, EncodedFrame, hmac, peerConversation } from './helpers/conversation';
import { expectedFloatipTree } from './helpers/expected-tree';
import { tcpPcap, TcpSegment } from './helpers/pcap';
import { EXTRA_SAMPLES, SESSION_SAMPLES } from './helpers/samples';
import { dissect, Dissection, DissectedFrame } from './helpers/tshark';

jest.setTimeout(60_000);

const CLIENT = { ip: '192.0.2.1', port: 40000 };
const SERVER = { ip: '192.0.2.3', port: 4390 };
const KEY = new Uint8Array(32).map((_, i) => (i * 37 + 11) & 0xff);
const MAC_GOOD = '1';

/** Cuts `bytes` into pieces of these sizes in turn, so frames split in the header, the body and the MAC, and pieces hold several frames. */
function cut(bytes: Uint8Array, sizes: readonly number[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let at = 0, i = 0; at < bytes.length; i++) {
    const size = sizes[i % sizes.length];
    out.push(bytes.subarray(at, at + size));
    at += size;
  }
  return out;
}

function concat(frames: readonly EncodedFrame[]): Uint8Array {
  return Buffer.concat(frames.map((f) => f.bytes));
}

/** A frame whose payload the encoder would refuse: the header and MAC are right, so only the body is at fault. */
function rawFrame(type: number, seq: number, payload: Uint8Array, key: Uint8Array): Uint8Array {
  const frame = Buffer.alloc(HEADER_BYTES + payload.length + MAC_BYTES);
  frame.writeUInt32BE(frame.length, 0);
  frame.writeUInt16BE(0x4650, 4);
  frame[6] = 1;
  frame[7] = type;
  frame.writeUInt32BE(Math.floor(seq / 2 ** 32), 8);
  frame.writeUInt32BE(seq % 2 ** 32, 12);
  Buffer.from(payload).copy(frame, HEADER_BYTES);
  frame.set(hmac(key, frame.subarray(0, frame.length - MAC_BYTES)), frame.length - MAC_BYTES);
  return frame;
}

function patched(message: PeerMessage, patch: (payload: Buffer) => Buffer): Buffer {
  return patch(Buffer.from(encodeBody(message)));
}

interface BadBody {
  readonly kind: PeerMessageKind;
  readonly payload: Buffer;
  /** What the dissector's message and the decoder's field both name. */
  readonly field: string;
}

const idleHeartbeat = EXTRA_SAMPLES[0];
const BAD_BODIES: readonly BadBody[] = [
  { kind: 'heartbeat', field: 'monitor', payload: patched(idleHeartbeat, (p) => { p[17] = 7; return p; }) },
  { kind: 'heartbeat', field: 'pnn is "no node"', payload: patched(idleHeartbeat, (p) => { p.writeUInt32BE(0xffffffff, 0); return p; }) },
  { kind: 'leaving', field: 'after its last field', payload: patched(SESSION_SAMPLES.leaving, (p) => Buffer.concat([p, Buffer.from([0])])) },
  { kind: 'release', field: 'addresses', payload: patched(SESSION_SAMPLES.release, (p) => { p.writeUInt32BE(0x10000, 12); return p; }) },
  { kind: 'ping', field: 'sentUs', payload: patched(SESSION_SAMPLES.ping, (p) => { p.writeUInt32BE(0x200000, 4); return p; }) },
  { kind: 'public-addresses', field: 'address', payload: patched(SESSION_SAMPLES['public-addresses'], (p) => { p[8] = 5; return p; }) },
  { kind: 'admin-reply', field: 'message', payload: Buffer.from([0, 0, 0, 1, 0, 0, 2, 0xc3, 0x28]) },
  { kind: 'take', field: 'iface', payload: patched(SESSION_SAMPLES.take, (p) => { p[22] = 0x2f; return p; }) },
  { kind: 'run-counted', field: 'counted', payload: patched(SESSION_SAMPLES['run-counted'], (p) => { p[12] = 2; return p; }) },
];

describe('the floatip dissector on frames of the project encoder', () => {
  let dir: string;
  let valid: EncodedFrame[];
  let dissection: Dissection;
  let withoutKey: Dissection;
  let badFrames: DissectedFrame[];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fxws-'));
    const keyFile = join(dir, 'cluster.key');
    writeFileSync(keyFile, KEY, { mode: 0o600 });
    const replies: PeerMessage[] = [SESSION_SAMPLES.pong, SESSION_SAMPLES['admin-reply'], SESSION_SAMPLES['take-ack']];
    valid = peerConversation(KEY, [...Object.values(SESSION_SAMPLES), ...EXTRA_SAMPLES], replies);
    const client = valid.filter((f) => f.from === 'client');
    const server = valid.filter((f) => f.from === 'server');
    const segments: TcpSegment[] = [
      { from: 'client', payload: client[0].bytes },
      ...cut(concat(server.slice(0, 2)), [3, 200]).map((payload) => ({ from: 'server' as const, payload })),
      ...cut(concat(client.slice(1)), [1, 7, 16, 90, 300, 5, 40]).map((payload) => ({ from: 'client' as const, payload })),
      { from: 'server', payload: concat(server.slice(2)) },
    ];
    // A second connection: only bodies the decoder refuses, then an unknown type, a forged MAC, and lost framing.
    const conversation = peerConversation(KEY, []);
    // Under the connection's real key: only the bodies are at fault.
    const { initiatorToResponder } = conversationHandshake(KEY).keys;
    const bad = BAD_BODIES.map((b, i) => rawFrame(MESSAGE_TYPES[b.kind], 2 + i, b.payload, initiatorToResponder));
    const unknown = rawFrame(0x7f, 2 + bad.length, new Uint8Array(0), initiatorToResponder);
    const lostFraming = Buffer.from('GET / HTTP/1.0\r\n\r\n', 'latin1');
    const badSegments: TcpSegment[] = [
      ...conversation.map((f) => ({ from: f.from, payload: f.bytes })),
      ...[...bad, unknown].map((payload) => ({ from: 'client' as const, payload })),
      { from: 'client', payload: lostFraming },
    ];
    const forgedConnection = peerConversation(KEY, [SESSION_SAMPLES.heartbeat]);
    const forgedFrame = Buffer.from(forgedConnection[4].bytes);
    forgedFrame[forgedFrame.length - 1] ^= 1;
    const capture = join(dir, 'frames.pcap');
    writeFileSync(capture, tcpPcap([
      { client: CLIENT, server: SERVER, segments },
      { client: { ...CLIENT, port: 40001 }, server: SERVER, segments: badSegments },
      {
        client: { ...CLIENT, port: 40002 }, server: SERVER,
        segments: [...forgedConnection.slice(0, 4).map((f) => ({ from: f.from, payload: f.bytes })), { from: 'client', payload: forgedFrame }],
      },
    ]));
    [dissection, withoutKey] = await Promise.all([dissect(capture, { keyFile }), dissect(capture)]);
    badFrames = dissection.frames.filter((f) => f.srcPort === 40001);
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('decodes every frame of every kind, field for field, with a good MAC and no expert info', () => {
    const seen = dissection.frames.filter((f) => f.stream === 0);
    for (const from of ['client', 'server'] as const) {
      const port = from === 'client' ? CLIENT.port : SERVER.port;
      const got = seen.filter((f) => f.srcPort === port);
      const want = valid.filter((f) => f.from === from);
      expect(got.map((f) => f.tree)).toEqual(want.map((f) => expectedFloatipTree(f, MAC_GOOD)));
      expect(got.flatMap((f) => f.experts)).toEqual([]);
    }
    expect(dissection.brokenPackets.filter((packet) => seen.some((f) => f.packet === packet))).toEqual([]);
    expect(dissection.luaErrors).toEqual([]);
  });

  it('covers every message kind the code defines', () => {
    const kinds = new Set(valid.map((f) => f.message.kind));
    expect([...kinds].sort()).toEqual(Object.keys(MESSAGE_TYPES).sort());
  });

  it('reassembles frames across segments: a frame ends in a later packet than it began, and a packet holds several', () => {
    const packets = dissection.frames.filter((f) => f.stream === 0).map((f) => f.packet);
    expect(new Set(packets).size).toBeLessThan(packets.length);
    expect(dissection.frames.filter((f) => f.stream === 0)).toHaveLength(valid.length);
  });

  it('says the MAC is unchecked without the key, and still checks HELLO under its public key', () => {
    const frames = withoutKey.frames.filter((f) => f.stream === 0);
    expect(frames.map((f) => f.tree['floatip.mac_status'])).toEqual(
      frames.map((f) => (f.tree['floatip.type'] === '0x01' ? MAC_GOOD : '0')));
  });

  it.each(BAD_BODIES.map((b, i) => [b.kind, b.field, i] as const))('flags a %s frame whose body the decoder refuses (%s) as malformed', (kind, field, i) => {
    expect(() => decodeBody(kind, BAD_BODIES[i].payload)).toThrow(PayloadFieldError);
    const frame = badFrames.find((f) => f.tree['floatip.seq'] === String(2 + i));
    expect(frame?.experts).toEqual([{ name: 'floatip.malformed', message: expect.stringContaining(field) }]);
  });

  it('marks an unknown type as undecoded, not malformed, as the decoder drops it without failing the session', () => {
    const frame = badFrames.find((f) => f.tree['floatip.type'] === '0x7f');
    expect(frame?.experts.map((e) => e.name)).toEqual(['floatip.unknown_type']);
  });

  it('flags bytes that are not a frame (lost framing) as malformed', () => {
    const last = badFrames[badFrames.length - 1];
    expect(last.experts.map((e) => e.name)).toEqual(['floatip.malformed']);
    expect(last.experts[0].message).toMatch(/magic/);
  });

  it('finds a forged MAC with the key', () => {
    const frames = dissection.frames.filter((f) => f.srcPort === 40002);
    expect(frames.map((f) => f.tree['floatip.mac_status'])).toEqual([MAC_GOOD, MAC_GOOD, '2']);
    expect(frames[2].experts.map((e) => e.name)).toEqual(['floatip.bad_mac']);
  });
});
