// `floatip import-ctdb [DIR] [--output FILE [--force]]`: floatip.toml from CTDB's ctdb.conf,
// ctdb.tunables and script.options (the mapping is src/config/import-ctdb.ts; this is its file I/O).

import { writeFile } from 'node:fs/promises';
import { importCtdb } from '../../config/import-ctdb';
import { expectPositionals, parseArgs } from '../args';
import { CliIo, Command, EXIT_FAILED, EXIT_OK } from '../command';
import { UsageError } from '../../client/usage-error';

/** Where CTDB keeps its configuration on Debian (and with most packages). */
export const DEFAULT_CTDB_DIR = '/etc/ctdb';

const USAGE = `usage: floatip import-ctdb [DIR] [--output FILE [--force]]

Writes a floatip.toml from CTDB's configuration in DIR (default ${DEFAULT_CTDB_DIR}): ctdb.conf
(cluster lock, node address, log level, [failover]), ctdb.tunables (KeepaliveInterval and
KeepaliveLimit, NoIPFailback, NoIPTakeover, IPAllocAlgorithm, MonitorInterval, EventScriptTimeout,
MonitorTimeoutCount, EnableBans, RecoveryBanPeriod, RecoveryGracePeriod) and script.options. Each
line says which CTDB line it came from; the settings floatip has no counterpart for are listed at
the end of the file, with the reason. floatip's own loader accepts what it writes. Nothing in DIR
changes.

  --output FILE   write to FILE instead of standard output; an existing FILE is left alone
  --force         with --output: replace an existing FILE`;

/** What import-ctdb writes to: tests give fakes. */
export interface ImportCtdbDeps {
  /** Writes `text` to `path`; with `replace` false, rejects with EEXIST when the file exists. */
  readonly writeTextFile: (path: string, text: string, replace: boolean) => Promise<void>;
}

export const processImportCtdbDeps: ImportCtdbDeps = {
  writeTextFile: (path, text, replace) => writeFile(path, text, { flag: replace ? 'w' : 'wx', mode: 0o644 }),
};

/** A file's text, or undefined when it does not exist; other read errors are the user's to fix. */
async function readIfThere(io: CliIo, path: string): Promise<string | undefined> {
  try {
    return await io.readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new UsageError(`cannot read ${path}: ${(error as Error).message}`);
  }
}

export function importCtdbCommand(deps: ImportCtdbDeps = processImportCtdbDeps): Command {
  return {
    name: 'import-ctdb',
    summary: 'write a floatip.toml from CTDB\'s ctdb.conf, ctdb.tunables and script.options',
    usage: USAGE,
    async run(args: readonly string[], io: CliIo): Promise<number> {
      const parsed = parseArgs(args, [
        { name: '--output', alias: '-o', takesValue: true, valueName: 'FILE' },
        { name: '--force', takesValue: false },
      ]);
      expectPositionals(parsed, 0, 1, '[DIR]');
      const output = parsed.values.get('--output');
      const force = parsed.flags.has('--force');
      if (force && output === undefined) throw new UsageError('--force replaces the file of --output: add --output FILE');
      const dir = (parsed.positionals[0] ?? DEFAULT_CTDB_DIR).replace(/(.)\/+$/, '$1');
      const [conf, tunables, scriptOptions] = await Promise.all(
        ['ctdb.conf', 'ctdb.tunables', 'script.options'].map((name) => readIfThere(io, `${dir}/${name}`)),
      );
      if (conf === undefined && tunables === undefined && scriptOptions === undefined) {
        io.stderr(`floatip import-ctdb: ${dir} has none of ctdb.conf, ctdb.tunables, script.options: give CTDB's configuration directory\n`);
        return EXIT_FAILED;
      }
      const result = importCtdb({ dir, conf, tunables, scriptOptions });
      const summary = `${result.written.length} floatip.toml setting(s) written, ${result.unmapped.length} CTDB setting(s) without a counterpart`;
      if (output === undefined) {
        io.stdout(result.toml);
        io.stderr(`floatip import-ctdb: ${summary} (listed at the end)\n`);
        return EXIT_OK;
      }
      try {
        await deps.writeTextFile(output, result.toml, force);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        io.stderr(code === 'EEXIST'
          ? `floatip import-ctdb: ${output} exists already and was left alone: compare it with the import on standard output, or add --force to replace it\n`
          : `floatip import-ctdb: cannot write ${output} (${code ?? String(error)}): does its directory exist, and may you write there?\n`);
        return EXIT_FAILED;
      }
      io.stdout(`wrote ${output}: ${summary} (listed at the end of the file)\n`
        + `check it with \`floatipd --check-config --config ${output}\` once nodes and public_addresses are in place\n`);
      return EXIT_OK;
    },
  };
}
