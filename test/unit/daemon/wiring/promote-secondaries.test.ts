// promote_secondaries on every public interface: each once, a failure reported per interface, never thrown.

import { mkdtempSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promoteSecondaries } from '../../../../src/daemon/wiring/promote-secondaries';

describe('promoteSecondaries', () => {
  let root: string;
  beforeEach(() => { root = mkdtempSync(join(tmpdir(), 'floatip-sysctl-')); });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('writes 1 once per interface, and reports the ones it could not set without stopping at them', async () => {
    mkdirSync(join(root, 'eth1'));
    mkdirSync(join(root, 'bond0'));
    const outcomes = await promoteSecondaries(['eth1', 'bond0', 'eth1', 'eth9'], undefined, root);
    expect(outcomes.map((o) => [o.iface, o.error === undefined])).toEqual([['bond0', true], ['eth1', true], ['eth9', false]]);
    expect(outcomes[2].error).toMatch(/ENOENT/);
    expect(readFileSync(join(root, 'eth1', 'promote_secondaries'), 'utf8')).toBe('1\n');
    expect(readFileSync(join(root, 'bond0', 'promote_secondaries'), 'utf8')).toBe('1\n');
  });

  it('refuses a name that would leave the sysctl directory', async () => {
    const written: string[] = [];
    const outcomes = await promoteSecondaries(['../all', 'eth1'], async (path) => { written.push(path); }, root);
    expect(outcomes).toEqual([{ iface: '../all', error: 'not an interface name' }, { iface: 'eth1' }]);
    expect(written).toEqual([join(root, 'eth1', 'promote_secondaries')]);
  });
});
