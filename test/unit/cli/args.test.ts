// The CLI's argv reader: flags, valued options, positionals, `--`, and the errors it names.

import { OptionSpec, expectPositionals, parseArgs, parseWholeNumber } from '../../../src/cli/args';
import { UsageError } from '../../../src/client/usage-error';

const OPTIONS: OptionSpec[] = [
  { name: '--json', takesValue: false },
  { name: '--verbose', alias: '-v', takesValue: false },
  { name: '--node', alias: '-n', takesValue: true, valueName: 'PNN' },
];

describe('parseArgs', () => {
  it.each([
    [['a', '-v', 'b'], ['--verbose'], {}, ['a', 'b']],
    [['--node=3', 'x'], [], { '--node': '3' }, ['x']],
    [['-n', '2', '-n', '5'], [], { '--node': '5' }, []],
    [['--json', '--', '--json', '-v'], ['--json'], {}, ['--json', '-v']],
    [['-1', '-'], [], {}, ['-1', '-']],
  ])('%j', (argv, flags, values, positionals) => {
    const parsed = parseArgs(argv, OPTIONS);
    expect([...parsed.flags]).toEqual(flags);
    expect(Object.fromEntries(parsed.values)).toEqual(values);
    expect(parsed.positionals).toEqual(positionals);
  });

  it.each([
    [['--bogus'], 'unknown option \'--bogus\' (this command takes --json, -v|--verbose, -n|--node)'],
    [['-n'], '--node needs a value: PNN'],
    [['--node='], '--node needs a value: PNN'],
    [['--json=1'], '--json takes no value'],
  ])('%j -> %s', (argv, message) => {
    expect(() => parseArgs(argv, OPTIONS)).toThrow(new UsageError(message));
  });

  it('says when a command takes no options at all', () => {
    expect(() => parseArgs(['-x'], [])).toThrow('unknown option \'-x\' (this command takes none)');
  });
});

describe('parseWholeNumber and expectPositionals', () => {
  it.each([['7', 7], ['0', 0], ['4294967295', 4294967295]])('%s', (text, value) => {
    expect(parseWholeNumber(text, 'N', 0, 0xffffffff)).toBe(value);
  });

  it.each(['', '1.5', '1e3', '-1', ' 1', '4294967296', '99999999999999999999'])('refuses %j', (text) => {
    expect(() => parseWholeNumber(text, 'N', 0, 0xffffffff)).toThrow(`N must be a whole number 0..4294967295, not '${text}'`);
  });

  it('names what is missing or extra', () => {
    const parsed = (positionals: string[]) => ({ flags: new Set<string>(), values: new Map<string, string>(), positionals });
    expect(() => expectPositionals(parsed(['1.2.3.4']), 2, 2, 'IP PNN')).toThrow('missing PNN');
    expect(() => expectPositionals(parsed([]), 2, 2, 'IP PNN')).toThrow('missing IP PNN');
    expect(() => expectPositionals(parsed(['a', 'b', 'c']), 2, 2, 'IP PNN')).toThrow('takes at most 2 arguments (IP PNN), but got \'a b c\'');
    expect(expectPositionals(parsed(['a']), 0, 1, 'EVENT')).toEqual(['a']);
  });
});
