// `floatip version` and `floatip --version` print the version of package.json, found as floatipd finds it.

import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildCommands } from '../../../src/cli/commands';
import { floatipVersion } from '../../../src/version';
import { runCommands } from './harness';

const PACKAGE_VERSION = (JSON.parse(readFileSync(join(__dirname, '../../../package.json'), 'utf8')) as { version: string }).version;

function run(...argv: string[]): ReturnType<typeof runCommands> {
  return runCommands(argv, buildCommands({} as Parameters<typeof buildCommands>[0]));
}

describe('floatip version', () => {
  test.each([[['version']], [['--version']], [['-V']]])('floatip %j prints the package version', async (argv) => {
    expect(await run(...argv)).toEqual({ code: 0, stdout: `floatip ${PACKAGE_VERSION}\n`, stderr: '' });
  });

  test('--json', async () => {
    const result = await run('version', '--json');
    expect(JSON.parse(result.stdout)).toEqual({ version: PACKAGE_VERSION });
  });

  test('takes no arguments', async () => {
    expect((await run('version', '2')).code).toBe(2);
  });
});

describe('floatipVersion', () => {
  let root: string;
  beforeEach(() => { root = mkdtempSync(join(tmpdir(), 'floatip-version-')); });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  test('walks up to the package.json named floatip, skipping others (dist/src/ sits two levels below it)', () => {
    writeFileSync(join(root, 'package.json'), JSON.stringify({ name: 'floatip', version: '9.8.7' }));
    mkdirSync(join(root, 'dist', 'src'), { recursive: true });
    writeFileSync(join(root, 'dist', 'package.json'), JSON.stringify({ name: 'something-else', version: '1.0.0' }));
    expect(floatipVersion(join(root, 'dist', 'src'))).toBe('9.8.7');
  });

  test('"unknown" when there is none', () => {
    expect(floatipVersion(root)).toBe('unknown');
  });
});
