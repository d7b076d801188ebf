// script.options: lines a root shell would misread are problems, unknown FLOATIP_ keys warnings, the key list is events.d's.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  readScriptOptionsFile, SCRIPT_OPTION_KEYS, scriptOptionsOwnershipProblem, scriptOptionsPathOf,
} from '../../../src/config/script-options-file';

const FILE = '/etc/floatip/script.options';

function problems(text: string): string[] {
  const read = readScriptOptionsFile(text, FILE);
  return read.issues.map((issue) => `${issue.line}: ${issue.message}`);
}

describe('readScriptOptionsFile', () => {
  test.each([
    ['FLOATIP_SAMBA_PORTS="445 139"'],
    ["FLOATIP_MONITOR_FILESYSTEM_USAGE='/:90:95 /srv:95'"],
    ['export FLOATIP_MANAGES_SAMBA=yes'],
    ['FLOATIP_MANAGES_SAMBA=yes   # systemd does not start smbd here'],
    ['  # a comment'],
    [''],
    ['CTDB_SAMBA_SKIP_SHARE_CHECK=yes'],
    ['FLOATIP_SAMBA_CONF=/etc/samba/smb\\ cluster.conf'],
    ['FLOATIP_SAMBA_START="systemctl start smbd; true"'],
  ])('accepts %j', (line) => {
    expect(problems(`${line}\n`)).toEqual([]);
  });

  test.each([
    ['FLOATIP_SAMBA_PORTS = 445', /not a KEY=value line/],
    ['FLOATIP_SAMBA_PORTS=445 139', /unquoted space, so the shell would run "139"/],
    ['FLOATIP_SAMBA_PORTS="445', /double quote is not closed/],
    ["FLOATIP_SAMBA_CONF='/etc/samba", /single quote is not closed/],
    ['FLOATIP_SAMBA_START=systemctl;reboot', /";" outside quotes/],
    ['FLOATIP_SAMBA_START=$(reboot)', /"\$\(" outside quotes/],
    ['systemctl restart smbd', /not a KEY=value line/],
  ])('refuses %j', (line, why) => {
    const found = problems(`# header\n${line}\n`);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/^2: /);
    expect(found[0]).toMatch(why);
  });

  test('a FLOATIP_ key no shipped script reads is a warning with the closest name; other keys are CTDB scripts\' business', () => {
    const read = readScriptOptionsFile('FLOATIP_SAMBA_PORT=445\nFLOATIP_NOPE=1\nCTDB_NFS_SKIP_SHARE_CHECK=yes\n', FILE);
    expect(read.issues).toEqual([]);
    expect(read.warnings.map((w) => [w.line, w.key, w.message])).toEqual([
      [1, 'FLOATIP_SAMBA_PORT', 'no shipped script reads FLOATIP_SAMBA_PORT: did you mean FLOATIP_SAMBA_PORTS?'],
      [2, 'FLOATIP_NOPE', 'no shipped script reads FLOATIP_NOPE (events.d/README.md lists the settings)'],
    ]);
  });

  test('the known keys are exactly the FLOATIP_ names events.d reads that the daemon does not set', () => {
    const dir = join(__dirname, '../../../events.d');
    const names = new Set<string>();
    for (const entry of readdirSync(dir)) {
      for (const match of readFileSync(join(dir, entry), 'utf8').matchAll(/FLOATIP_[A-Z0-9_]+/g)) names.add(match[0]);
    }
    // Given by the runner (adapters/scripts/runner.ts) or the daemon's wiring, never by script.options.
    for (const set of ['FLOATIP_BASE', 'FLOATIP_PNN', 'FLOATIP_PUBLIC_ADDRESSES', 'FLOATIP_SCRIPT_OPTIONS', 'FLOATIP_EVENT', 'FLOATIP_EVENTS_DIR', 'FLOATIP_SOCKET']) {
      names.delete(set);
    }
    expect([...SCRIPT_OPTION_KEYS].sort()).toEqual([...names].sort());
  });
});

describe('scriptOptionsOwnershipProblem', () => {
  test.each([
    [0, 0o100644, undefined],
    [0, 0o100600, undefined],
    [0, 0o100664, /mode 0664.*chmod go-w/],
    [0, 0o100646, /mode 0646/],
    [1000, 0o100644, /owned by uid 1000.*chown root/],
  ])('uid %d mode %o', (uid, mode, why) => {
    const problem = scriptOptionsOwnershipProblem(FILE, { uid, mode });
    if (why === undefined) expect(problem).toBeUndefined();
    else expect(problem?.message).toMatch(why);
  });

  test('script.options is found beside floatip.toml, as the daemon gives it to scripts', () => {
    expect(scriptOptionsPathOf('/srv/cluster/floatip.toml')).toBe('/srv/cluster/script.options');
  });
});
