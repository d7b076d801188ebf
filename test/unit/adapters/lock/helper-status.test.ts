// CTDB's mutex-helper status characters and how unknown bytes are named in messages.

import { describeByte, helperStatus } from '../../../../src/adapters/lock/helper-status';

describe('helperStatus', () => {
  it.each([
    ['0', 'held'],
    ['1', 'contended'],
    ['2', 'timeout'],
    ['3', 'failed'],
    ['4', 'invalid'],
    ['x', 'invalid'],
    ['\n', 'invalid'],
    ['\0', 'invalid'],
  ])('%j means %s', (char, status) => {
    expect(helperStatus(char.charCodeAt(0))).toBe(status);
  });
});

describe('describeByte', () => {
  it('quotes printable bytes and writes others in hex', () => {
    expect(describeByte(0x78)).toBe("'x'");
    expect(describeByte(0x0a)).toBe('0x0a');
    expect(describeByte(0xff)).toBe('0xff');
  });
});
