// `npm run docs:config`: writes docs/configuration.md from the schema (`--check` only compares).

import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { configurationMarkdown } from './docs';

// Compiled to dist/src/config/, three levels below the repository root.
const target = resolve(__dirname, '..', '..', '..', 'docs', 'configuration.md');
const wanted = configurationMarkdown();

if (process.argv.includes('--check')) {
  let current = '';
  try { current = readFileSync(target, 'utf8'); } catch { /* missing counts as different */ }
  if (current !== wanted) {
    process.stderr.write(`${target} is out of date: run npm run docs:config\n`);
    process.exitCode = 1;
  }
} else {
  writeFileSync(target, wanted);
  process.stdout.write(`wrote ${target}\n`);
}
