// `npm run docs:man`: writes packaging/man/ from docs/cli.md, the schema and floatipd's usage (`--check` only compares).

import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { manPages } from './man-pages';

// Compiled to dist/src/config/, three levels below the repository root.
const root = resolve(__dirname, '..', '..', '..');
const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
const pages = manPages(readFileSync(join(root, 'docs', 'cli.md'), 'utf8'), version);

let stale = 0;
for (const page of pages) {
  const target = join(root, 'packaging', 'man', page.file);
  if (process.argv.includes('--check')) {
    let current = '';
    try { current = readFileSync(target, 'utf8'); } catch { /* missing counts as different */ }
    if (current !== page.text) {
      process.stderr.write(`${target} is out of date: run npm run docs:man\n`);
      stale++;
    }
  } else {
    writeFileSync(target, page.text);
    process.stdout.write(`wrote ${target}\n`);
  }
}
process.exitCode = stale > 0 ? 1 : 0;
