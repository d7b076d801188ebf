// The control line reader: any split of the stream, the line cap, bad UTF-8 and a stream cut mid-line.

import fc from 'fast-check';
import { ControlLineReader, LineResult } from '../../../src/protocol/control-line-reader';

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
const summary = (results: readonly LineResult[]): string[] => results.map((r) => (r.kind === 'line' ? r.text : r.error.code));

function feed(reader: ControlLineReader, stream: Uint8Array, cuts: readonly number[]): LineResult[] {
  const points = [0, ...[...new Set(cuts)].filter((c) => c > 0 && c < stream.length).sort((a, b) => a - b), stream.length];
  const out: LineResult[] = [];
  for (let i = 0; i + 1 < points.length; i++) out.push(...reader.push(stream.subarray(points[i], points[i + 1])));
  return out;
}

describe('ControlLineReader', () => {
  const stream = bytes('{"id":1,"command":"status"}\n{"id":2,"command":"ping"}\r\n\n{"id":3,"command":"ip","args":{"verbose":true}}\n');
  const expected = ['{"id":1,"command":"status"}', '{"id":2,"command":"ping"}', '{"id":3,"command":"ip","args":{"verbose":true}}'];

  it('splits lines, dropping a CR and skipping blank lines', () => {
    expect(summary(new ControlLineReader().push(stream))).toEqual(expected);
  });

  it('gives the same lines byte by byte and for any cuts', () => {
    const reader = new ControlLineReader();
    const out: LineResult[] = [];
    for (let i = 0; i < stream.length; i++) out.push(...reader.push(stream.subarray(i, i + 1)));
    expect(summary(out)).toEqual(expected);
    fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: stream.length }), { maxLength: 10 }), (cuts) => {
      expect(summary(feed(new ControlLineReader(), stream, cuts))).toEqual(expected);
    }));
  });

  it('keeps multi-byte characters split across chunks', () => {
    const text = bytes('{"id":1,"command":"event-run","args":{"event":"monitor","args":["ünïcødé ✓"],"timeoutMs":5}}\n');
    expect(summary(feed(new ControlLineReader(), text, [62, 63, 64, 70]))).toEqual([new TextDecoder().decode(text).trimEnd()]);
  });

  it('reports an over-long line once, skips it without holding it, and reads the next line', () => {
    const reader = new ControlLineReader(32);
    const long = bytes(`${'x'.repeat(100)}`);
    const out = [...reader.push(long.subarray(0, 20)), ...reader.push(long.subarray(20))];
    expect(summary(out)).toEqual(['E_CONTROL_LINE_TOO_LONG']);
    expect(reader.bufferedBytes).toBe(0);
    expect(summary(reader.push(bytes(`${'y'.repeat(5000)}\n{"id":1}\n`)))).toEqual(['{"id":1}']);
  });

  it('allows a line of exactly the limit and refuses one byte more', () => {
    expect(summary(new ControlLineReader(8).push(bytes('12345678\n')))).toEqual(['12345678']);
    expect(summary(new ControlLineReader(8).push(bytes('123456789\nok\n')))).toEqual(['E_CONTROL_LINE_TOO_LONG', 'ok']);
  });

  it('refuses a line that is not UTF-8 and goes on', () => {
    const bad = Uint8Array.from([0x7b, 0xff, 0xfe, 0x7d, 0x0a, ...bytes('{}\n')]);
    expect(summary(new ControlLineReader().push(bad))).toEqual(['E_CONTROL_BAD_UTF8', '{}']);
  });

  it('refuses a line cap below one byte', () => {
    expect(() => new ControlLineReader(0)).toThrow(expect.objectContaining({ code: 'E_CONTROL_SETUP' }));
  });

  it('reports a stream that ends inside a line', () => {
    const reader = new ControlLineReader();
    reader.push(bytes('{"id":1,"comm'));
    expect(summary(reader.end())).toEqual(['E_CONTROL_TRUNCATED']);
    expect(reader.end()).toEqual([]);
  });
});
