// `floatip config check [--config PATH]`: the checks of `floatipd --check-config` (config/check.ts), from the CLI.

import { stat } from 'node:fs/promises';
import { checkClusterKeyFile } from '../../adapters/peer/cluster-key';
import { checkConfigFiles, ConfigCheckIo, formatConfigCheck } from '../../config/check';
import { expectPositionals, parseArgs } from '../args';
import { CliIo, Command, EXIT_OK, EXIT_USAGE } from '../command';
import { UsageError } from '../../client/usage-error';
import { DEFAULT_CONFIG_PATH } from '../local-settings';

const USAGE = `usage: floatip config check [--config PATH]

Checks this node's configuration as floatipd would at start, without a running daemon:
floatip.toml (PATH, else $FLOATIP_CONFIG, else ${DEFAULT_CONFIG_PATH}), nodes,
public_addresses, the cluster key file (present, long enough, mode 0600, owned by root) and
script.options beside floatip.toml (KEY=value lines a shell reads as meant, root's and not
writable by others; a FLOATIP_ key no shipped script reads is a warning). Every problem is
named with its file, line and key. Exit 0 when valid (warnings on stderr), 2 otherwise.
The same checks as floatipd --check-config, which \`systemctl reload floatipd\` runs first.`;

/** The file access of the check; tests give fakes. */
export type ConfigCheckFiles = Omit<ConfigCheckIo, 'readFile'>;

export const processConfigCheckFiles: ConfigCheckFiles = { statFile: stat, checkClusterKey: checkClusterKeyFile };

export function configCommand(env: Readonly<Record<string, string | undefined>>, files: ConfigCheckFiles = processConfigCheckFiles): Command {
  return {
    name: 'config',
    summary: 'config check: check floatip.toml, nodes, public_addresses, key file and script.options',
    usage: USAGE,
    async run(args: readonly string[], io: CliIo): Promise<number> {
      const parsed = parseArgs(args, [{ name: '--config', alias: '-c', takesValue: true, valueName: 'PATH' }]);
      expectPositionals(parsed, 1, 1, 'check');
      if (parsed.positionals[0] !== 'check') throw new UsageError(`unknown subcommand '${parsed.positionals[0]}': the only one is 'check'`);
      const configPath = parsed.values.get('--config') ?? (env.FLOATIP_CONFIG || DEFAULT_CONFIG_PATH);
      const check = await checkConfigFiles(configPath, { ...files, readFile: io.readFile });
      const report = formatConfigCheck('floatip config check', configPath, check);
      if (report.stderr !== '') io.stderr(report.stderr);
      if (report.stdout !== '') io.stdout(report.stdout);
      return check.issues.length > 0 ? EXIT_USAGE : EXIT_OK;
    },
  };
}
