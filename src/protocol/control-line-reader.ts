// Splits the control socket's byte stream into lines: capped, UTF-8 checked, an over-long line skipped without buffering it.

import { ControlError, DEFAULT_MAX_REQUEST_BYTES } from './control';

export type LineResult = { readonly kind: 'line'; readonly text: string } | { readonly kind: 'error'; readonly error: ControlError };

const NEWLINE = 0x0a;
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Splits a byte stream into lines of at most `maxLineBytes` (newline excluded,
 * a trailing CR dropped, blank lines skipped). It never holds more than
 * `maxLineBytes`: an over-long line is reported once and skipped to its newline.
 */
export class ControlLineReader {
  private parts: Uint8Array[] = [];
  private held = 0;
  private skipping = false;

  constructor(private readonly maxLineBytes: number = DEFAULT_MAX_REQUEST_BYTES) {
    if (!Number.isInteger(maxLineBytes) || maxLineBytes < 1) {
      throw new ControlError('E_CONTROL_SETUP', `maxLineBytes must be a whole number >= 1, not ${maxLineBytes}`);
    }
  }

  get bufferedBytes(): number {
    return this.held;
  }

  push(chunk: Uint8Array): LineResult[] {
    const out: LineResult[] = [];
    let at = 0;
    while (at < chunk.length) {
      const newline = chunk.indexOf(NEWLINE, at);
      const end = newline < 0 ? chunk.length : newline;
      this.take(chunk.subarray(at, end), out);
      if (newline < 0) break;
      this.finishLine(out);
      at = newline + 1;
    }
    return out;
  }

  /** The stream closed: a last line without its newline is an error, not a request. */
  end(): LineResult[] {
    const out: LineResult[] = [];
    if (this.held > 0) {
      out.push({ kind: 'error', error: new ControlError('E_CONTROL_TRUNCATED', `the connection closed inside a line (${this.held} bytes without a newline)`) });
    }
    this.parts = [];
    this.held = 0;
    this.skipping = false;
    return out;
  }

  private take(segment: Uint8Array, out: LineResult[]): void {
    if (this.skipping || segment.length === 0) return;
    if (this.held + segment.length > this.maxLineBytes) {
      out.push({ kind: 'error', error: new ControlError('E_CONTROL_LINE_TOO_LONG',
        `a line is longer than ${this.maxLineBytes} bytes: it was skipped (send one JSON object per line)`) });
      this.parts = [];
      this.held = 0;
      this.skipping = true;
      return;
    }
    this.parts.push(segment.slice());
    this.held += segment.length;
  }

  private finishLine(out: LineResult[]): void {
    const wasSkipping = this.skipping;
    const parts = this.parts;
    this.parts = [];
    this.held = 0;
    this.skipping = false;
    if (wasSkipping) return;
    const bytes = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) { bytes.set(p, at); at += p.length; }
    let text: string;
    try {
      text = utf8.decode(bytes);
    } catch {
      out.push({ kind: 'error', error: new ControlError('E_CONTROL_BAD_UTF8', 'a line is not valid UTF-8: it was skipped') });
      return;
    }
    if (text.endsWith('\r')) text = text.slice(0, -1);
    if (text.trim() === '') return;
    out.push({ kind: 'line', text });
  }
}
