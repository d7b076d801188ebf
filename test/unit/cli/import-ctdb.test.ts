// floatip import-ctdb: reads CTDB's three files from DIR, prints floatip.toml or writes it, and
// never replaces an existing file without --force.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../../src/cli/main';
import { importCtdbCommand } from '../../../src/cli/commands/import-ctdb';
import { CapturedIo, captureIo } from './harness';

const DEBIAN = join(__dirname, '../fixtures/ctdb-debian');

const capture = (): CapturedIo => captureIo({ readFile: (p) => readFile(p, 'utf8') });

describe('floatip import-ctdb', () => {
  let dir: string;
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'fz-import-ctdb-')); });
  afterEach(() => { rmSync(dir, { recursive: true, force: true }); });

  it('prints the import of Debian\'s files on stdout and the summary on stderr', async () => {
    const { io, out, err } = capture();
    expect(await runCli(['import-ctdb', `${DEBIAN}/`], io)).toBe(0);
    expect(out()).toContain(`from CTDB's configuration in ${DEBIAN}.`);
    expect(out()).toContain('level = "info"  # from ctdb.conf:');
    expect(err()).toBe('floatip import-ctdb: 1 floatip.toml setting(s) written, 2 CTDB setting(s) without a counterpart (listed at the end)\n');
  });

  it('reads only the files that are there', async () => {
    writeFileSync(join(dir, 'ctdb.tunables'), 'NoIPFailback=1\n');
    const { io, out } = capture();
    expect(await importCtdbCommand().run([dir], io)).toBe(0);
    expect(out()).toContain('no_ip_failback = true  # from ctdb.tunables:1 NoIPFailback=1');
  });

  it('--output writes the file, and leaves an existing one alone unless --force', async () => {
    writeFileSync(join(dir, 'ctdb.conf'), '[cluster]\ncluster lock = /clusterfs/reclock\n');
    const target = join(dir, 'floatip.toml');
    const first = capture();
    expect(await importCtdbCommand().run([dir, '--output', target], first.io)).toBe(0);
    expect(first.out()).toMatch(new RegExp(`^wrote ${target}: 2 floatip.toml setting\\(s\\) written, 0 CTDB`));
    expect(readFileSync(target, 'utf8')).toContain('cluster_lock = "/clusterfs/reclock"');

    writeFileSync(target, '# mine\n');
    const again = capture();
    expect(await importCtdbCommand().run([dir, '-o', target], again.io)).toBe(1);
    expect(again.err()).toContain(`${target} exists already and was left alone`);
    expect(readFileSync(target, 'utf8')).toBe('# mine\n');

    expect(await importCtdbCommand().run([dir, '--output', target, '--force'], capture().io)).toBe(0);
    expect(readFileSync(target, 'utf8')).toContain('quorum = "lock"');
  });

  it('fails on a directory without CTDB\'s files, and on --force without --output', async () => {
    const empty = capture();
    expect(await importCtdbCommand().run([dir], empty.io)).toBe(1);
    expect(empty.err()).toContain(`${dir} has none of ctdb.conf, ctdb.tunables, script.options`);
    const usage = capture();
    expect(await runCli(['import-ctdb', dir, '--force'], usage.io)).toBe(2);
    expect(usage.err()).toContain('--force replaces the file of --output: add --output FILE');
  });
});
