// Incremental peer frame decoder: a byte-level state machine, bytes in, checked messages or typed errors out.
//
// It holds at most one frame (its header, then a buffer of exactly the length
// the header announced, which is never more than maxFrameBytes) plus a
// reference to the caller's current chunk; it copies nothing else. Every frame
// is checked in this order: magic, version, length, MAC, sequence number,
// type, payload. A fatal error poisons the decoder: it ignores every byte after
// it, and the adapter closes the connection.

import { FrameError, FrameSetupError, PayloadFieldError } from './frame-errors';
import {
  computeMac, constantTimeEqual, decodeBody, FRAME_MAGIC, FRAME_VERSION, HEADER_BYTES, MAC_BYTES, MacFunction,
  MAX_MAX_FRAME_BYTES, MIN_FRAME_BYTES,
} from './frame';
import { messageKindOf } from './frame-message-codecs';
import { PeerMessage, PeerMessageKind } from './frame-messages';

export type DecodeResult =
  | { readonly kind: 'frame'; readonly seq: number; readonly message: PeerMessage }
  /** `dropped`: the kind of an authenticated frame whose payload was refused (E_BAD_PAYLOAD). */
  | { readonly kind: 'error'; readonly error: FrameError; readonly dropped?: PeerMessageKind };

export interface FrameDecoderOptions {
  /** Frames longer than this are refused before any of their payload is buffered. */
  readonly maxFrameBytes: number;
  readonly mac: MacFunction;
  /** Key of the first frame; the handshake changes it with `setKey`. */
  readonly key: Uint8Array;
}

export class FrameDecoder {
  private readonly header = new Uint8Array(HEADER_BYTES);
  private headerFill = 0;
  private frame: Uint8Array | undefined;
  private frameFill = 0;
  private chunk: Uint8Array | undefined;
  private chunkAt = 0;
  private nextSeq = 0;
  private key: Uint8Array;
  private failure: FrameError | undefined;

  constructor(private readonly options: FrameDecoderOptions) {
    const { maxFrameBytes } = options;
    if (!Number.isInteger(maxFrameBytes) || maxFrameBytes < MIN_FRAME_BYTES || maxFrameBytes > MAX_MAX_FRAME_BYTES) {
      throw new FrameSetupError('maxFrameBytes', `must be a whole number ${MIN_FRAME_BYTES}..${MAX_MAX_FRAME_BYTES}, not ${maxFrameBytes}`);
    }
    this.key = options.key;
  }

  /** The fatal error that stopped this decoder, if any. */
  get poisonedBy(): FrameError | undefined {
    return this.failure;
  }

  /** Bytes the decoder itself holds (header so far plus the frame being filled). */
  get bufferedBytes(): number {
    return this.frame === undefined ? this.headerFill : this.frame.length;
  }

  /** The sequence number the next frame must carry. */
  get expectedSeq(): number {
    return this.nextSeq;
  }

  /** Frames after this one are checked under `key` (the handshake's session key). */
  setKey(key: Uint8Array): void {
    this.key = key;
  }

  /**
   * Hands the decoder the next chunk of the stream; call `next()` until it returns
   * undefined before feeding more. Pull style lets the handshake change the key
   * between two frames that arrived in one chunk.
   */
  feed(chunk: Uint8Array): void {
    if (this.chunk !== undefined && this.chunkAt < this.chunk.length && this.failure === undefined) {
      throw new FrameSetupError('feed', 'was called before the previous chunk was consumed: call next() until it returns undefined');
    }
    this.chunk = chunk;
    this.chunkAt = 0;
  }

  /** The next complete frame or error from the fed bytes, or undefined when more bytes are needed. */
  next(): DecodeResult | undefined {
    if (this.failure !== undefined) {
      this.chunk = undefined;
      return undefined;
    }
    const chunk = this.chunk;
    if (chunk === undefined) return undefined;
    if (this.frame === undefined) {
      const take = Math.min(HEADER_BYTES - this.headerFill, chunk.length - this.chunkAt);
      this.header.set(chunk.subarray(this.chunkAt, this.chunkAt + take), this.headerFill);
      this.headerFill += take;
      this.chunkAt += take;
      if (this.headerFill < HEADER_BYTES) return undefined;
      const problem = this.checkHeader();
      if (problem !== undefined) return this.fail(problem);
      this.frame = new Uint8Array(this.frameLength());
      this.frame.set(this.header);
      this.frameFill = HEADER_BYTES;
    }
    const frame = this.frame;
    const take = Math.min(frame.length - this.frameFill, chunk.length - this.chunkAt);
    frame.set(chunk.subarray(this.chunkAt, this.chunkAt + take), this.frameFill);
    this.frameFill += take;
    this.chunkAt += take;
    if (this.frameFill < frame.length) return undefined;
    this.frame = undefined;
    this.headerFill = 0;
    return this.checkFrame(frame);
  }

  /** Feeds one chunk and returns everything it completes (for a fixed key; the session uses feed/next). */
  push(chunk: Uint8Array): DecodeResult[] {
    this.feed(chunk);
    const out: DecodeResult[] = [];
    for (let result = this.next(); result !== undefined; result = this.next()) out.push(result);
    return out;
  }

  /** The stream ended: an error if it ended inside a frame. */
  end(): DecodeResult[] {
    if (this.failure !== undefined || (this.headerFill === 0 && this.frame === undefined)) return [];
    const have = this.frame === undefined ? this.headerFill : this.frameFill;
    const need = this.frame === undefined ? HEADER_BYTES : this.frame.length;
    return [this.fail(new FrameError('E_TRUNCATED',
      `the peer closed the connection inside a frame (${have} of ${need} bytes): it crashed or the network cut the stream`))];
  }

  private frameLength(): number {
    return new DataView(this.header.buffer).getUint32(0);
  }

  private checkHeader(): FrameError | undefined {
    const view = new DataView(this.header.buffer);
    const magic = view.getUint16(4);
    if (magic !== FRAME_MAGIC) {
      return new FrameError('E_BAD_MAGIC',
        `the peer sent 0x${magic.toString(16).padStart(4, '0')} where a floatip frame starts with 0x${FRAME_MAGIC.toString(16)}: `
        + 'something other than floatipd answers on the mesh port, or the stream lost its framing');
    }
    const version = view.getUint8(6);
    if (version !== FRAME_VERSION) {
      return new FrameError('E_BAD_VERSION',
        `the peer speaks peer-protocol (frame) version ${version}, this node speaks ${FRAME_VERSION}: releases of different `
        + 'frame versions cannot run in one cluster, so this upgrade cannot be rolled node by node: stop every node, upgrade all, '
        + 'start them (docs/operations.md, "Rolling restarts and upgrades")');
    }
    const length = view.getUint32(0);
    if (length < MIN_FRAME_BYTES) {
      return new FrameError('E_FRAME_TOO_SMALL', `a frame of ${length} bytes cannot hold the ${MIN_FRAME_BYTES}-byte header and MAC`);
    }
    if (length > this.options.maxFrameBytes) {
      return new FrameError('E_FRAME_TOO_LARGE',
        `the peer announced a ${length}-byte frame, more than the limit of ${this.options.maxFrameBytes}: `
        + 'run the same floatip release on every node');
    }
    return undefined;
  }

  private checkFrame(frame: Uint8Array): DecodeResult {
    const end = frame.length - MAC_BYTES;
    const expected = computeMac(this.options.mac, this.key, frame.subarray(0, end));
    if (!constantTimeEqual(expected, frame.subarray(end))) {
      return this.fail(new FrameError('E_BAD_MAC',
        'a frame failed authentication: it was forged, altered, replayed from another connection, or the peer uses another cluster key'));
    }
    const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
    const high = view.getUint32(8);
    const seq = high * 0x100000000 + view.getUint32(12);
    if (seq < this.nextSeq) {
      return this.fail(new FrameError('E_REPLAY', `frame sequence ${seq} is not after ${this.nextSeq - 1}: a replayed or reordered frame`));
    }
    if (seq > this.nextSeq) {
      return this.fail(new FrameError('E_SEQ_GAP', `frame sequence ${seq} skips ${this.nextSeq}: frames were removed from the stream`));
    }
    this.nextSeq += 1;
    const type = view.getUint8(7);
    const kind = messageKindOf(type);
    if (kind === undefined) {
      return { kind: 'error', error: new FrameError('E_UNKNOWN_TYPE', `message type 0x${type.toString(16)} is unknown to this release: dropped`) };
    }
    try {
      return { kind: 'frame', seq, message: decodeBody(kind, frame.subarray(HEADER_BYTES, end)) };
    } catch (err) {
      if (!(err instanceof PayloadFieldError)) throw err;
      return { kind: 'error', error: new FrameError('E_BAD_PAYLOAD', `${kind} frame dropped: ${err.message}`, err.field), dropped: kind };
    }
  }

  private fail(error: FrameError): DecodeResult {
    this.failure = error;
    this.frame = undefined;
    this.headerFill = 0;
    this.chunk = undefined;
    return { kind: 'error', error };
  }
}
