// The message of the UsageError that `parse` throws for `args`; fails the test when it accepts them.

import { UsageError } from '../../../src/client/usage-error';

export function usageErrorOf(parse: (...args: string[]) => unknown, ...args: string[]): string {
  try {
    parse(...args);
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return (err as Error).message;
  }
  throw new Error(`accepted: ${args.join(' ')}`);
}
