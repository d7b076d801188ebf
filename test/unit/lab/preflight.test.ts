// The root check every lab verb makes first: a clear message, and the way to run it.

import { LabError } from '../../../src/lab/errors';
import { requireRoot } from '../../../src/lab/preflight';

describe('requireRoot', () => {
  it('lets root through', () => {
    expect(() => requireRoot(() => 0)).not.toThrow();
  });

  it.each([[1000, 'uid 0, not 1000'], [undefined, '(uid 0)']])('refuses uid %s and says to use sudo', (uid, shown) => {
    let error: unknown;
    try {
      requireRoot(() => uid);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(LabError);
    expect((error as LabError).code).toBe('E_LAB_NOT_ROOT');
    expect((error as LabError).message).toContain(shown);
    expect((error as LabError).message).toContain('Run it again with sudo, e.g. `sudo floatip lab up`');
  });
});
