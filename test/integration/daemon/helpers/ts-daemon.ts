// Runs floatipd from its TypeScript sources, so these tests need no `npm run build`: a require hook and a wrapper script.
//
// Choice (documented in test/integration/daemon/README.md): the daemon under test is
// src/daemon/main.ts itself, transpiled on load as ts-jest does (transpile only; the type
// check is `npx tsc --noEmit`), never a possibly stale dist/. The hook is passed with
// `--require`, so floatipd starts its guardian and allocator worker from the .ts files
// under the same hook (src/sibling.ts). Transpiled files are cached on disk
// by path, size and mtime: three daemons starting at once, and restarted ones, reuse them.

import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../helpers/netns-child';

function hookSource(cacheDir: string): string {
  return `// written by test/integration/daemon/helpers/ts-daemon.ts
const ts = require(${JSON.stringify(require.resolve('typescript'))});
const fs = require('fs');
const path = require('path');
const crypto = require('crypto');
const cacheDir = ${JSON.stringify(cacheDir)};
require.extensions['.ts'] = (module, filename) => {
  const stat = fs.statSync(filename);
  const key = crypto.createHash('sha1').update(filename + ':' + stat.size + ':' + stat.mtimeMs).digest('hex');
  const cached = path.join(cacheDir, key + '.js');
  let code;
  try {
    code = fs.readFileSync(cached, 'utf8');
  } catch {
    code = ts.transpileModule(fs.readFileSync(filename, 'utf8'), {
      fileName: filename,
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
    }).outputText;
    const temporary = cached + '.' + process.pid + '.tmp';
    fs.writeFileSync(temporary, code);
    fs.renameSync(temporary, cached);
  }
  module._compile(code, filename);
};
`;
}

export interface TsDaemon {
  /** An executable that runs `floatipd ARGS...` from src/ (give it to `floatip lab up --floatipd`). */
  readonly command: string;
  /** The hook, for other children that load our .ts files. */
  readonly hook: string;
}

/** Writes the hook and the `floatipd` wrapper into `dir`, and fills the cache once (floatipd --version loads the whole daemon). */
export function prepareTsDaemon(dir: string): TsDaemon {
  const cacheDir = join(dir, 'ts-cache');
  mkdirSync(cacheDir, { recursive: true });
  const hook = join(dir, 'ts-hook.js');
  writeFileSync(hook, hookSource(cacheDir));
  const command = join(dir, 'floatipd');
  writeFileSync(command, `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} --require ${JSON.stringify(hook)} `
    + `${JSON.stringify(join(REPO_ROOT, 'src', 'daemon', 'main.ts'))} "$@"\n`);
  chmodSync(command, 0o755);
  execFileSync(command, ['--version'], { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
  execFileSync(process.execPath, ['--require', hook, '-e',
    `require(${JSON.stringify(join(REPO_ROOT, 'src', 'daemon', 'runtime', 'alloc-worker.ts'))})`]);
  return { command, hook };
}
