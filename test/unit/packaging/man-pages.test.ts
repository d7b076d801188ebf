// The man pages in packaging/man/ are what `npm run docs:man` makes from docs/cli.md, the schema and floatipd's usage, and groff reads them without a warning.

import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { manPages, markdownToRoff } from '../../../src/config/man-pages';
import { buildCommands } from '../../../src/cli/commands';
import { listOptions } from '../../../src/config';

const ROOT = join(__dirname, '../../..');
const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const pages = manPages(readFileSync(join(ROOT, 'docs/cli.md'), 'utf8'), version);
const page = (file: string): string => pages.find((p) => p.file === file)?.text ?? '';

describe('man pages', () => {
  test.each(pages.map((p) => [p.file, p.text]))('packaging/man/%s is up to date (run npm run docs:man)', (file, text) => {
    expect(readFileSync(join(ROOT, 'packaging/man', file), 'utf8')).toBe(text);
  });

  test('floatip(1) names every verb of the command table', () => {
    const commands = buildCommands({} as Parameters<typeof buildCommands>[0]);
    for (const command of commands) expect(page('floatip.1')).toContain(`floatip ${command.name}`.replace(/-/g, '\\-'));
  });

  test('floatip.toml(5) names every option of the schema', () => {
    for (const [dotted] of listOptions()) expect(page('floatip.toml.5')).toContain(`\\fB${dotted.split('.').pop()}\\fR`);
  });

  const man = spawnSync('man', ['--version']);
  (man.status === 0 ? test.each(pages.map((p) => [p.file])) : test.skip.each(pages.map((p) => [p.file])))('groff reads %s without a warning', (file) => {
    const result = spawnSync('man', ['--warnings', '-E', 'UTF-8', '-l', '-Tutf8', '-Z', join(ROOT, 'packaging/man', file)], {
      encoding: 'utf8', env: { ...process.env, LC_ALL: 'C.UTF-8', MANWIDTH: '80' },
    });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });
});

describe('markdownToRoff', () => {
  test.each([
    ['## Exit codes\n', '.SH "EXIT CODES"\n'],
    ['### `floatip status`\n', '.SS "floatip status"\n'],
    ['Run `floatip ip -v` now.\n', '.PP\nRun \\fBfloatip ip \\-v\\fR now.\n'],
    ['.dot starts\n', '.PP\n\\&.dot starts\n'],
    ['- one\n  more\n- two\n', '.IP \\(bu 2\none\nmore\n.IP \\(bu 2\ntwo\n'],
    ['```\n$ a \\ b\n.x\n```\n', '.PP\n.RS 4\n.nf\n$ a \\e b\n\\&.x\n.fi\n.RE\n'],
    ['| a | b | c |\n|---|---|---|\n| `x` | 1 \\| 2 | y |\n', '.TP\n\\fBx\\fR\nb: 1 | 2. c: y\n'],
    ['see [ops](operations.md) and **this**\n', '.PP\nsee ops and \\fBthis\\fR\n'],
  ])('%j', (markdown, roff) => {
    expect(markdownToRoff(markdown)).toBe(roff);
  });
});
