// packaging/floatipd.service: systemd accepts it, and it keeps the promises the docs make (caps, cleanup, restart).

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { GUARDIAN_SCOPE_PREFIX } from '../../../src/daemon/guardian-placement';

const UNIT = resolve(__dirname, '../../../packaging/floatipd.service');
const text = readFileSync(UNIT, 'utf8');

/** `Key=value` lines of one section, comments and continuation-free (the unit uses none). */
function section(name: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let current = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) { current = header[1]; continue; }
    if (current !== name) continue;
    const eq = line.indexOf('=');
    const key = line.slice(0, eq);
    out.set(key, [...(out.get(key) ?? []), line.slice(eq + 1)]);
  }
  return out;
}

const hasAnalyze = spawnSync('systemd-analyze', ['--version']).status === 0;

describe('packaging/floatipd.service', () => {
  (hasAnalyze ? it : it.skip)('passes systemd-analyze verify (with the binaries stood in by /bin/true)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'floatip-unit-'));
    try {
      const copy = join(dir, 'floatipd.service');
      writeFileSync(copy, text.replace(/\/usr\/s?bin\/floatipd?\b/g, '/bin/true'));
      // The man pages are the package's (test/integration/packaging checks them installed).
      const run = spawnSync('systemd-analyze', ['verify', '--man=no', copy], { encoding: 'utf8' });
      // It reports unknown keys and bad values on stderr, sometimes with exit status 0.
      expect({ status: run.status, stdout: run.stdout, stderr: run.stderr }).toEqual({ status: 0, stdout: '', stderr: '' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('removes floatip addresses after any stop, restarts on failure, keeps the network capabilities and real-time scheduling only', () => {
    const service = section('Service');
    // The cleanup first, then any guardian scope left over (its guardian lives outside this cgroup).
    expect(service.get('ExecStopPost')).toEqual(['/usr/bin/floatip cleanup', `-/usr/bin/systemctl kill --signal=SIGKILL ${GUARDIAN_SCOPE_PREFIX}-*.scope`]);
    expect(service.get('Restart')).toEqual(['on-failure']);
    expect(service.get('KillMode')).toEqual(['mixed']);
    expect(service.get('CapabilityBoundingSet')).toEqual(['CAP_NET_ADMIN CAP_NET_RAW CAP_NET_BIND_SERVICE CAP_SYS_NICE']);
    expect(service.get('AmbientCapabilities')).toEqual(['CAP_NET_ADMIN CAP_NET_RAW CAP_NET_BIND_SERVICE CAP_SYS_NICE']);
    // SCHED_RR for the fast path and the guardian (src/adapters/sched/priority.ts): RestrictRealtime would refuse it.
    expect(service.has('RestrictRealtime')).toBe(false);
    expect(service.get('RuntimeDirectoryMode')).toEqual(['0700']);
    expect(section('Install').get('WantedBy')).toEqual(['multi-user.target']);
  });
});
