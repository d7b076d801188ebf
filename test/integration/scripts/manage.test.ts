// `floatip event script list|enable|disable` on a real directory.

import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { eventScriptOptions } from '../../../src/adapters/scripts/options';
import { ScriptEventRunner } from '../../../src/adapters/scripts/runner';
import { makeEventsDir, removeEventsDir, writeScript } from './helpers';

describe('script list, enable and disable', () => {
  let dir: string;
  let runner: ScriptEventRunner;
  const modeOf = async (name: string): Promise<number> => (await fs.stat(path.join(dir, name))).mode & 0o777;

  beforeEach(async () => {
    dir = await makeEventsDir();
    runner = new ScriptEventRunner(eventScriptOptions({ pnn: 0, dir }));
  });
  afterEach(() => removeEventsDir(dir));

  it('lists scripts with their enable bit, declared events and problems', async () => {
    await writeScript(dir, '50.samba', '# floatip-events: startup monitor shutdown', 0o644);
    await writeScript(dir, '00.floatip', 'exit 0');
    await writeScript(dir, '60.open', 'exit 0', 0o777);
    await writeScript(dir, '60.nfs.orig', 'exit 0');
    expect(await runner.listScripts()).toEqual([
      { name: '00.floatip', enabled: true, events: 'all' },
      { name: '50.samba', enabled: false, events: ['startup', 'monitor', 'shutdown'] },
      { name: '60.nfs.orig', enabled: false, events: [], neverRuns: expect.stringMatching(/neither NN.name nor NN.name.script/) },
      { name: '60.open', enabled: true, events: 'all', problem: expect.stringMatching(/can be written by a non-root user/) },
    ]);
  });

  it('lists CTDB\'s NN.name.script, reports files that never run, and leaves companions (README, functions, .options) out', async () => {
    await writeScript(dir, '50.samba.script', 'exit 0');
    await writeScript(dir, '10.interface.script', 'exit 0');
    await writeScript(dir, '50.samba~', 'exit 0');
    await writeScript(dir, 'samba', 'exit 0');
    for (const companion of ['README', 'functions', '50.samba.options', '.hidden']) await fs.writeFile(path.join(dir, companion), '');
    expect(await runner.listScripts()).toEqual([
      { name: '10.interface.script', enabled: true, events: ['startup', 'monitor'], note: expect.stringMatching(/Address already assigned/) },
      { name: '50.samba.script', enabled: true, events: 'all' },
      { name: '50.samba~', enabled: false, events: [], neverRuns: 'an editor backup (ends in ~) never runs' },
      { name: 'samba', enabled: false, events: [], neverRuns: expect.stringMatching(/never runs: rename it/) },
    ]);
    await runner.setScriptEnabled('50.samba.script', false);
    expect(await modeOf('50.samba.script')).toBe(0o644);
  });

  it('enables by adding execute bits where read bits are, and disables by clearing them', async () => {
    await writeScript(dir, '50.samba', 'exit 0', 0o644);
    await writeScript(dir, '60.nfs', 'exit 0', 0o600);
    await runner.setScriptEnabled('50.samba', true);
    await runner.setScriptEnabled('60.nfs', true);
    expect(await modeOf('50.samba')).toBe(0o755);
    expect(await modeOf('60.nfs')).toBe(0o700);
    await runner.setScriptEnabled('50.samba', false);
    expect(await modeOf('50.samba')).toBe(0o644);
    const result = await runner.run('monitor');
    expect(result.scripts.map((s) => [s.name, s.status])).toEqual([['50.samba', 'DISABLED'], ['60.nfs', 'OK']]);
  });

  it('refuses names the runner would ignore and scripts that do not exist', async () => {
    await expect(runner.setScriptEnabled('50.samba~', true)).rejects.toMatchObject({ code: 'E_SCRIPT_NAME' });
    await expect(runner.setScriptEnabled('../etc', true)).rejects.toMatchObject({ code: 'E_SCRIPT_NAME' });
    await expect(runner.setScriptEnabled('70.missing', true)).rejects.toMatchObject({
      code: 'E_SCRIPT_NOT_FOUND',
      message: expect.stringMatching(/no script 70\.missing .*floatip event script list/),
    });
  });
});
