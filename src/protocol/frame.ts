// Peer frame layout and encoder: length-prefixed, versioned header, payload, HMAC-SHA256 trailer.
//
//   0  u32 length   whole frame in bytes: header + payload + MAC
//   4  u16 magic    0x4650 ("FP"): tells a floatip peer from anything else on the port
//   6  u8  version  1
//   7  u8  type     message type (MESSAGE_TYPES)
//   8  u64 seq      per-direction sequence number, 0 for HELLO, +1 for every frame after
//  16  ... payload  the message body (frame-message-codecs.ts)
// end-32  MAC      HMAC-SHA256 over bytes 0..end-32 under the direction's session key
//
// The MAC is computed by an injected function so this layer stays pure; the
// adapter passes node:crypto's HMAC. MACs are compared in constant time here.

import { FrameBuildError, PayloadFieldError } from './frame-errors';
import { ByteReader, ByteWriter } from './frame-bytes';
import { u64 } from './frame-fields';
import { MESSAGE_BODIES, MESSAGE_TYPES } from './frame-message-codecs';
import { MessageOf, PeerMessage, PeerMessageKind } from './frame-messages';

export const FRAME_MAGIC = 0x4650;
export const FRAME_VERSION = 1;
export const HEADER_BYTES = 16;
export const MAC_BYTES = 32;
export const MIN_FRAME_BYTES = HEADER_BYTES + MAC_BYTES;
/** Default limit of one frame: a full tickle list of about 50,000 IPv6 client connections (21 bytes each) fits. */
export const DEFAULT_MAX_FRAME_BYTES = 1 << 20;
/** No node may announce a larger limit: it bounds what a peer can make us buffer. */
export const MAX_MAX_FRAME_BYTES = 16 << 20;

/** HMAC-SHA256(key, data): 32 bytes. Injected so that src/protocol imports no crypto module. */
export type MacFunction = (key: Uint8Array, data: Uint8Array) => Uint8Array;

/** Compares two MACs without stopping at the first difference, so timing reveals nothing of the right one. */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}

/** The MAC of `data`, checked to be HMAC-SHA256 sized (a wrong injected function is a setup bug). */
export function computeMac(mac: MacFunction, key: Uint8Array, data: Uint8Array): Uint8Array {
  const out = mac(key, data);
  if (!(out instanceof Uint8Array) || out.length !== MAC_BYTES) {
    throw new FrameBuildError('E_BAD_MESSAGE', `the MAC function returned ${out?.length} bytes, not ${MAC_BYTES}: pass HMAC-SHA256`);
  }
  return out;
}

function bodyLength(message: PeerMessage): number {
  const codec = MESSAGE_BODIES[message.kind] as { len(v: unknown): number } | undefined;
  if (codec === undefined) throw new FrameBuildError('E_BAD_MESSAGE', `cannot encode a message of kind '${String(message.kind)}'`, 'kind');
  try {
    return codec.len(message);
  } catch (err) {
    if (err instanceof FrameBuildError) throw err;
    throw new FrameBuildError('E_BAD_MESSAGE', `cannot encode ${message.kind}: a field is missing or of the wrong type`, message.kind);
  }
}

/** The payload bytes of a message alone (the handshake binds both HELLO payloads into the session keys). */
export function encodeBody(message: PeerMessage): Uint8Array {
  const out = new Uint8Array(bodyLength(message));
  const w = new ByteWriter(out);
  (MESSAGE_BODIES[message.kind] as { push(w: ByteWriter, v: unknown, f: string): void }).push(w, message, message.kind);
  if (w.at !== out.length) throw new FrameBuildError('E_BAD_MESSAGE', `${message.kind}: computed ${out.length} payload bytes but wrote ${w.at}`);
  return out;
}

/** One complete frame, MAC'd under `key`. Throws FrameBuildError when the message does not fit `maxFrameBytes`. */
export function encodeFrame(message: PeerMessage, seq: number, key: Uint8Array, mac: MacFunction, maxFrameBytes: number): Uint8Array {
  const payloadBytes = bodyLength(message);
  const length = HEADER_BYTES + payloadBytes + MAC_BYTES;
  if (length > maxFrameBytes) {
    throw new FrameBuildError('E_FRAME_TOO_LARGE',
      `${message.kind} needs a ${length}-byte frame, more than the limit of ${maxFrameBytes}: send it in parts`);
  }
  const frame = new Uint8Array(length);
  const w = new ByteWriter(frame);
  w.u32(length);
  w.u16(FRAME_MAGIC);
  w.u8(FRAME_VERSION);
  w.u8(MESSAGE_TYPES[message.kind]);
  u64.push(w, seq, 'seq');
  (MESSAGE_BODIES[message.kind] as { push(w: ByteWriter, v: unknown, f: string): void }).push(w, message, message.kind);
  if (w.at !== length - MAC_BYTES) {
    throw new FrameBuildError('E_BAD_MESSAGE', `${message.kind}: computed ${payloadBytes} payload bytes but wrote ${w.at - HEADER_BYTES}`);
  }
  frame.set(computeMac(mac, key, frame.subarray(0, length - MAC_BYTES)), length - MAC_BYTES);
  return frame;
}

/** Reads a payload of the given kind; throws PayloadFieldError naming the field at fault. */
export function decodeBody<K extends PeerMessageKind>(kind: K, payload: Uint8Array): MessageOf<K> {
  const r = new ByteReader(payload);
  const body = (MESSAGE_BODIES[kind] as { pull(r: ByteReader, f: string): object }).pull(r, kind);
  if (r.remaining !== 0) throw new PayloadFieldError(kind, `has ${r.remaining} byte(s) after its last field`);
  return { kind, ...body } as MessageOf<K>;
}
