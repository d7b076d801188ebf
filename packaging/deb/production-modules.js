// Prints the node_modules directories floatip needs at run time, one per line, from package-lock.json.
//
// The package build copies exactly these out of the repository's node_modules, so it needs no
// network and no second `npm ci`, and never touches the repository's own tree. A lockfile entry
// marked `dev` is needed only to build or test; everything else is a run-time dependency.
'use strict';
const { readFileSync } = require('node:fs');
const lock = JSON.parse(readFileSync(process.argv[2], 'utf8'));
for (const [path, entry] of Object.entries(lock.packages)) {
  if (path === '' || entry.dev || entry.link) continue;
  process.stdout.write(`${path}\n`);
}
