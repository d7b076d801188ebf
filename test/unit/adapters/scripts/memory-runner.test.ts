// The in-memory runner that health and daemon tests use keeps the real runner's contract.

import { MemoryEventRunner } from '../../../../src/adapters/memory/scripts';
import { EventArgumentError } from '../../../../src/adapters/scripts/events';

describe('MemoryEventRunner', () => {
  it('answers OK by default and the queued statuses in order, keeping the last real status', async () => {
    const runner = new MemoryEventRunner(() => 1234).answer('monitor', 'ERROR', 'CANCELLED');
    expect(await runner.run('monitor')).toMatchObject({ status: 'ERROR', exitCode: 1, startedAtMs: 1234 });
    expect((await runner.run('monitor')).status).toBe('CANCELLED');
    expect(runner.lastStatus('monitor')?.status).toBe('ERROR');
    expect((await runner.run('monitor')).status).toBe('OK');
    expect(runner.count('monitor')).toBe(3);
  });

  it('validates requests as the real runner does', async () => {
    const runner = new MemoryEventRunner();
    await expect(runner.run('takeip', ['eth0', '192.0.2.1'])).rejects.toThrow(EventArgumentError);
    await runner.run('takeip', ['eth0', '192.0.2.1', '24'], { timeoutMs: 500 });
    expect(runner.calls).toEqual([{ event: 'takeip', args: ['eth0', '192.0.2.1', '24'], timeoutMs: 500 }]);
  });

  it('lists, enables and disables scripts with the real errors', async () => {
    const runner = new MemoryEventRunner().addScript({ name: '50.samba', enabled: false, events: 'all' });
    await runner.setScriptEnabled('50.samba', true);
    expect(await runner.listScripts()).toEqual([{ name: '50.samba', enabled: true, events: 'all' }]);
    await expect(runner.setScriptEnabled('60.nfs', true)).rejects.toMatchObject({ code: 'E_SCRIPT_NOT_FOUND' });
    await expect(runner.setScriptEnabled('bad name', true)).rejects.toMatchObject({ code: 'E_SCRIPT_NAME' });
  });
});
