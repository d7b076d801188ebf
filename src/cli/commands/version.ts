// `floatip version` (CTDB's `ctdb version`; also `floatip --version`): the floatip version, the same floatipd --version prints.

import { expectPositionals, parseArgs } from '../args';
import { CliIo, Command, EXIT_OK } from '../command';
import { floatipVersion } from '../../version';

export function versionCommand(version: () => string = floatipVersion): Command {
  return {
    name: 'version',
    summary: 'the floatip version of this CLI (also floatip --version)',
    usage: 'usage: floatip version [--json]\n\nPrints the floatip version of this installation, as `floatipd --version` does; it needs no daemon.',
    async run(args: readonly string[], io: CliIo): Promise<number> {
      const parsed = parseArgs(args, [{ name: '--json', takesValue: false }]);
      expectPositionals(parsed, 0, 0, '');
      io.stdout(parsed.flags.has('--json') ? `${JSON.stringify({ version: version() }, null, 2)}\n` : `floatip ${version()}\n`);
      return EXIT_OK;
    },
  };
}
