import { macFromBytes, parseMac } from '../../../../src/protocol/packets';

describe('parseMac', () => {
  it('reads colon or dash separated hex in any case, prints lower case', () => {
    expect(parseMac('02:AB:cd:00:00:0F')).toEqual({ ok: true, value: { bytes: Uint8Array.from([2, 0xab, 0xcd, 0, 0, 15]), text: '02:ab:cd:00:00:0f' } });
    expect(parseMac('02-00-00-00-00-01').ok).toBe(true);
  });

  it.each(['02:00:00:00:00', '02:00:00:00:00:0g', '2:0:0:0:0:1', ''])('rejects %p with advice', (text) => {
    const parsed = parseMac(text);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error).toContain('six hex pairs');
  });

  it('refuses a byte array that is not six long', () => {
    expect(() => macFromBytes(new Uint8Array(5))).toThrow(/6 bytes, not 5/);
  });
});
