// Sibling programs run like floatipd itself: same file extension, same --require loader, no other node options.

import { loaderArgs, siblingScript } from '../../src/sibling';

describe('sibling programs', () => {
  test('the sibling has the extension of the running code (.ts under jest)', () => {
    expect(siblingScript('/opt/floatip/daemon/runtime', 'alloc-worker')).toBe('/opt/floatip/daemon/runtime/alloc-worker.ts');
  });

  test.each([
    [[], []],
    [['--require', '/t/hook.js'], ['--require', '/t/hook.js']],
    [['-r', 'a.js', '--inspect=9229', '--max-old-space-size=512', '--require=b.js'], ['-r', 'a.js', '--require=b.js']],
    [['--require'], []],
  ])('execArgv %j keeps %j', (execArgv, kept) => {
    expect(loaderArgs(execArgv)).toEqual(kept);
  });
});
