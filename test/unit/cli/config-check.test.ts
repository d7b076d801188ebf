// `floatip config check`: the same checker as floatipd --check-config, run on real files without a daemon.

import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configCommand } from '../../../src/cli/commands/config';
import { runCommands } from './harness';

// Relative paths are relative to floatip.toml's directory.
const FILES = '[cluster]\nnodes_file = "nodes"\npublic_addresses_file = "public_addresses"\nkey_file = "cluster.key"\n';

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'floatip-config-check-'));
  writeFileSync(join(dir, 'floatip.toml'), `${FILES}[timing]\nprofile = "fast"\n`);
  writeFileSync(join(dir, 'nodes'), '192.0.2.11\n192.0.2.12\n192.0.2.13\n');
  writeFileSync(join(dir, 'public_addresses'), '198.51.100.10/24 eth1\n');
  writeFileSync(join(dir, 'cluster.key'), 'k'.repeat(32), { mode: 0o600 });
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

function run(args: string[], env: Record<string, string> = {}): ReturnType<typeof runCommands> {
  return runCommands(args, [configCommand(env)], { readFile: (path) => readFile(path, 'utf8') });
}

describe('floatip config check', () => {
  test('a valid configuration: exit 0 and a summary', async () => {
    const toml = join(dir, 'floatip.toml');
    expect(await run(['config', 'check', '--config', toml])).toEqual({
      code: 0, stdout: `floatip config check: ${toml}: valid (3 node(s), 1 public address(es))\n`, stderr: '',
    });
  });

  test('FLOATIP_CONFIG names the file when --config is not given', async () => {
    const result = await run(['config', 'check'], { FLOATIP_CONFIG: join(dir, 'floatip.toml') });
    expect(result.code).toBe(0);
  });

  test('a key file others can read is refused with the daemon\'s own message, exit 2', async () => {
    chmodSync(join(dir, 'cluster.key'), 0o644);
    const result = await run(['config', 'check', '--config', join(dir, 'floatip.toml')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${join(dir, 'cluster.key')}: cluster.key_file: has mode 0644, so other users can read or change the cluster key`);
  });

  test('a broken floatip.toml names file, line and key', async () => {
    writeFileSync(join(dir, 'floatip.toml'), `${FILES}[timing]\nprofile = "fastest"\n`);
    const result = await run(['config', 'check', '--config', join(dir, 'floatip.toml')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${join(dir, 'floatip.toml')}:6: timing.profile: `);
  });

  test('only `check` is a subcommand', async () => {
    const result = await run(['config', 'show']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("unknown subcommand 'show'");
  });
});
