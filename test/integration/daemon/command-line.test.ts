// floatipd's command line as a process: --help, --version, and a bad configuration refused with every problem and exit 2.

import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { prepareTsDaemon, TsDaemon } from './helpers/ts-daemon';

jest.setTimeout(60_000);

let root: string;
let daemon: TsDaemon;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'fwdx-'));
  daemon = prepareTsDaemon(root);
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

function floatipd(args: readonly string[], env: Record<string, string> = {}) {
  return spawnSync(daemon.command, args, { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 30_000 });
}

test('--help and --version exit 0', () => {
  expect(floatipd(['--help'])).toMatchObject({ status: 0, stdout: expect.stringContaining('usage: floatipd [--config PATH]') });
  expect(floatipd(['--version'])).toMatchObject({ status: 0, stdout: expect.stringMatching(/^floatipd \d+\.\d+\.\d+\n$/) });
});

test('an unknown argument exits 2 with the usage', () => {
  expect(floatipd(['--frobnicate'])).toMatchObject({ status: 2, stderr: expect.stringContaining("unknown argument '--frobnicate'") });
});

test('a bad configuration (from FLOATIP_CONFIG) prints every problem as file:line: key and exits 2 before touching anything', () => {
  const dir = join(root, 'etc');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir);
  writeFileSync(join(dir, 'floatip.toml'), '[timing]\nfence_after = "2s"\nbogus = 1\n[cluster]\nnodes_file = "nodes"\npublic_addresses_file = "public_addresses"\n');
  writeFileSync(join(dir, 'nodes'), '192.0.2.1\nnot-an-address\n');
  writeFileSync(join(dir, 'public_addresses'), '198.51.100.1/24 eth1\n');
  const run = floatipd([], { FLOATIP_CONFIG: join(dir, 'floatip.toml') });
  expect(run.status).toBe(2);
  expect(run.stdout).toBe('');
  const lines = run.stderr.trim().split('\n');
  expect(lines[0]).toMatch(/floatip\.toml: 3 problem\(s\), nothing was started:$/);
  const problems = lines.slice(1).map((l) => l.trim()).sort();
  expect(problems).toEqual([
    expect.stringMatching(/floatip\.toml:2: timing\.fence_after: .*must be shorter than timing\.dead_after/),
    expect.stringMatching(/floatip\.toml:3: timing\.bogus: unknown key/),
    expect.stringMatching(/nodes:2: .*not-an-address/),
  ]);
});
