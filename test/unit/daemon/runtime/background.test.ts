// inBackground: a rejected background job is logged with its code and handed to its follow-up; a throwing follow-up is logged too.

import { inBackground } from '../../../../src/daemon/runtime/background';
import { recordingLogger } from './harness/recording-logger';

/** Lets the rejection handlers run (they are microtasks). */
const drained = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('inBackground', () => {
  it('logs a rejection at error level with its code and reason, and runs the follow-up', async () => {
    const log = recordingLogger();
    const failures: unknown[] = [];
    inBackground(Promise.reject(new Error('disk on fire')), log, 'E_TEST_JOB', 'the test job', (error) => failures.push(error));
    await drained();
    expect(log.lines).toEqual([expect.objectContaining({ level: 'error', fields: { code: 'E_TEST_JOB', err: 'disk on fire' } })]);
    expect(log.lines[0].message).toMatch(/^the test job failed: disk on fire/);
    expect(failures).toEqual([new Error('disk on fire')]);
  });

  it('a follow-up that throws is logged too, not rethrown', async () => {
    const log = recordingLogger();
    inBackground(Promise.reject(new Error('first')), log, 'E_TEST_JOB', 'the test job', () => { throw new Error('second'); });
    await drained();
    expect(log.lines.map((l) => [l.fields.code, l.fields.err])).toEqual([['E_TEST_JOB', 'first'], ['E_TEST_JOB', 'second']]);
  });

  it('a job that succeeds says nothing', async () => {
    const log = recordingLogger();
    let followed = false;
    inBackground(Promise.resolve(7), log, 'E_TEST_JOB', 'the test job', () => { followed = true; });
    await drained();
    expect(log.lines).toEqual([]);
    expect(followed).toBe(false);
  });
});
