// Every launcher of floatipd runs node with FLOATIPD_NODE_OPTIONS (src/node-options.ts), and the CLI without them.
//
// The two shell launchers are run for real, as `floatipd` and as `floatip`, with a `node` on
// PATH that prints the arguments it was given.

import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FLOATIPD_NODE_OPTIONS } from '../../../src/node-options';
import { daemonCommand } from '../../../src/lab/package-files';

const ROOT = join(__dirname, '../../..');
let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'floatip-launchers-'));
  mkdirSync(join(dir, 'path'));
  // The stand-in node: one argument per line.
  writeFileSync(join(dir, 'path', 'node'), '#!/bin/sh\nfor a in "$@"; do echo "$a"; done\n');
  chmodSync(join(dir, 'path', 'node'), 0o755);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Runs `script` through a link named `name`, with the stand-in node first on PATH; its argv, one per element. */
function runAs(script: string, name: string): string[] {
  mkdirSync(join(dir, 'bin'), { recursive: true });
  const link = join(dir, 'bin', name);
  symlinkSync(script, link);
  const run = spawnSync(link, ['--config', '/etc/floatip/floatip.toml'], {
    encoding: 'utf8', env: { PATH: `${join(dir, 'path')}:/usr/bin:/bin` },
  });
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
  return run.stdout.trimEnd().split('\n');
}

test('FLOATIPD_NODE_OPTIONS are options node accepts', () => {
  const run = spawnSync(process.execPath, [...FLOATIPD_NODE_OPTIONS, '-e', 'process.stdout.write(process.execArgv.join(" "))'], { encoding: 'utf8' });
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
  expect(run.stdout.startsWith(`${FLOATIPD_NODE_OPTIONS.join(' ')} -e `)).toBe(true);
});

describe.each([
  ['the Debian package\'s floatip-run', 'packaging/deb/floatip-run', (tree: string) => tree],
  ['the container\'s floatip-commands.sh', 'packaging/floatip-commands.sh', () => '/opt/floatip'],
])('%s', (_name, source, rootOf) => {
  test('starts floatipd with the node options, and the CLI without them', () => {
    // floatip-run finds the package tree one level above the directory of its real path.
    const tree = join(dir, 'tree');
    mkdirSync(join(tree, 'bin'), { recursive: true });
    const script = join(tree, 'bin', 'launcher');
    copyFileSync(join(ROOT, source), script);
    chmodSync(script, 0o755);
    const root = rootOf(tree);
    expect(runAs(script, 'floatipd')).toEqual([...FLOATIPD_NODE_OPTIONS, `${root}/dist/src/daemon/main.js`, '--config', '/etc/floatip/floatip.toml']);
    expect(runAs(script, 'floatip')).toEqual([`${root}/dist/src/cli/main.js`, '--config', '/etc/floatip/floatip.toml']);
  });
});

test('the lab starts floatipd, built or given as a .js file, with the same node options', () => {
  const given = join(dir, 'main.js');
  writeFileSync(given, '');
  expect(daemonCommand(given)).toEqual([process.execPath, ...FLOATIPD_NODE_OPTIONS, given]);
  const built = join(dir, 'root', 'dist', 'src', 'daemon', 'main.js');
  mkdirSync(join(dir, 'root', 'dist', 'src', 'daemon'), { recursive: true });
  writeFileSync(built, '');
  expect(daemonCommand(undefined, join(dir, 'root'))).toEqual([process.execPath, ...FLOATIPD_NODE_OPTIONS, built]);
});
