// The guardian's deferred logger: pino is not loaded at the guardian's start, lines still arrive with their bindings.

import { DeferredLogger } from '../../../src/daemon/deferred-logger';
import { recordingLogger } from './runtime/harness/recording-logger';

describe('DeferredLogger', () => {
  it('makes the logger at its first line only, and children carry their bindings', () => {
    const made = recordingLogger();
    let makes = 0;
    const log = new DeferredLogger(() => { makes++; return made; });
    const child = log.child({ pnn: 2 });
    expect(makes).toBe(0);
    child.warn({ removed: 3 }, 'fenced');
    log.info({}, 'plain');
    expect(makes).toBe(1);
    expect(made.lines.map((l) => [l.message, l.fields])).toEqual([['fenced', { pnn: 2, removed: 3 }], ['plain', {}]]);
  });

  it('load() makes it ahead of the first line', () => {
    let makes = 0;
    const log = new DeferredLogger(() => { makes++; return recordingLogger(); });
    log.load();
    log.load();
    expect(makes).toBe(1);
  });
});

describe('the guardian process', () => {
  afterEach(() => {
    jest.dontMock('pino');
    jest.resetModules();
  });

  it('loads no pino at start: the node it guards waits for its ready line', () => {
    jest.resetModules();
    jest.doMock('pino', () => {
      throw new Error('pino was loaded at the guardian\'s start');
    });
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded under the mock above
    expect(() => require('../../../src/daemon/guardian-main')).not.toThrow();
  });
});
