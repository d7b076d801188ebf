// `npm run wireshark:table`: rewrites the generated message table inside contrib/wireshark/floatip.lua (`--check` only compares).

import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { replaceMessageTable, wiresharkMessageTable } from '../src/protocol/wireshark-table';

// Compiled to dist/scripts/, two levels below the repository root.
const target = resolve(__dirname, '..', '..', 'contrib', 'wireshark', 'floatip.lua');
const current = readFileSync(target, 'utf8');
const wanted = replaceMessageTable(current, wiresharkMessageTable());

if (process.argv.includes('--check')) {
  if (current !== wanted) {
    process.stderr.write(`${target}: its message table is out of date: run npm run wireshark:table\n`);
    process.exitCode = 1;
  }
} else if (current !== wanted) {
  writeFileSync(target, wanted);
  process.stdout.write(`wrote the message table of ${target}\n`);
} else {
  process.stdout.write(`${target}: the message table is up to date\n`);
}
