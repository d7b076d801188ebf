import { formatDuration, parseDuration } from '../../../src/config/duration';

describe('parseDuration', () => {
  it.each([
    ['200ms', 200], ['1s', 1000], ['1.5s', 1500], ['1.1s', 1100], ['5m', 300_000], ['1h', 3_600_000], ['0s', 0], [' 30s ', 30_000],
  ])('%s is %d ms', (text, ms) => {
    expect(parseDuration(text)).toEqual({ ok: true, value: ms });
  });

  it.each([
    ['300', 'is not a duration: write a number with a unit'],
    ['1 s', 'is not a duration'],
    ['1sec', 'is not a duration'],
    ['-1s', 'is not a duration'],
    ['1.5ms', 'is not a whole number of milliseconds'],
    ['', 'is not a duration'],
  ])('refuses %j', (text, message) => {
    const parsed = parseDuration(text);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error).toContain(message);
  });
});

describe('formatDuration', () => {
  it.each([[0, '0s'], [200, '200ms'], [1500, '1500ms'], [1000, '1s'], [300_000, '5m'], [7_200_000, '2h']])('%d ms is %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
    expect(parseDuration(text)).toEqual({ ok: true, value: ms });
  });
});
