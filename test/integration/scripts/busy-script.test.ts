// A script whose file is still open for writing when it is due (ETXTBSY): started again once the writer is done, never a failed event.
//
// CI: a lab fault installed its script while the daemon ran; the next ipreallocated found the
// file half-written ("spawn ETXTBSY"), the whole event failed, and the takeover run with it.

import { closeSync, openSync } from 'node:fs';
import { runScriptProcess } from '../../../src/adapters/scripts/process';
import { makeEventsDir, removeEventsDir, writeScript } from './helpers';

describe('a script busy being written', () => {
  let dir: string;
  beforeEach(async () => { dir = await makeEventsDir(); });
  afterEach(async () => { await removeEventsDir(dir); });

  const request = (path: string) => ({ path, args: ['ipreallocated'], env: {}, timeoutMs: 5000, outputLimitBytes: 1024 });

  it('is started again once the writer closed it', async () => {
    const file = await writeScript(dir, '96.busy', 'echo ran "$1"');
    const writer = openSync(file, 'r+');
    // The first start happens inside this call, while the file is open for writing.
    const run = runScriptProcess(request(file));
    closeSync(writer);
    const result = await run;
    expect([result.outcome, result.output]).toEqual([{ kind: 'exited', exitCode: 0 }, 'ran ipreallocated\n']);
  });

  it('fails to start, with the reason, when the writer never lets go (no exception)', async () => {
    const file = await writeScript(dir, '96.busy', 'echo ran');
    const writer = openSync(file, 'r+');
    try {
      const result = await runScriptProcess(request(file));
      expect(result.outcome).toMatchObject({ kind: 'failed-to-start', code: 'ETXTBSY' });
      expect(result.output).toMatch(/cannot execute .*96\.busy: spawn ETXTBSY/);
    } finally {
      closeSync(writer);
    }
  });
});
