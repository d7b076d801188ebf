// The cursor a field codec writes into and reads from: big-endian integers and raw bytes over one buffer.

import { PayloadFieldError } from './frame-errors';

export class ByteWriter {
  private readonly view: DataView;
  at = 0;

  constructor(readonly bytes: Uint8Array, start = 0) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.at = start;
  }

  u8(value: number): void { this.view.setUint8(this.at, value); this.at += 1; }
  u16(value: number): void { this.view.setUint16(this.at, value); this.at += 2; }
  u32(value: number): void { this.view.setUint32(this.at, value); this.at += 4; }
  raw(value: Uint8Array): void { this.bytes.set(value, this.at); this.at += value.length; }
}

export class ByteReader {
  private readonly view: DataView;

  constructor(readonly bytes: Uint8Array, public at = 0, readonly end = bytes.length) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get remaining(): number { return this.end - this.at; }

  need(count: number, field: string): void {
    if (this.remaining < count) throw new PayloadFieldError(field, `is cut short: needs ${count} byte(s), ${this.remaining} left`);
  }

  u8(field: string): number { this.need(1, field); const v = this.view.getUint8(this.at); this.at += 1; return v; }
  u16(field: string): number { this.need(2, field); const v = this.view.getUint16(this.at); this.at += 2; return v; }
  u32(field: string): number { this.need(4, field); const v = this.view.getUint32(this.at); this.at += 4; return v; }
  raw(count: number, field: string): Uint8Array {
    this.need(count, field);
    const v = this.bytes.slice(this.at, this.at + count);
    this.at += count;
    return v;
  }
}
