// CTDB's `-X` option: the verbs CTDB prints machine-readably print CTDB's pipe-separated layout.

import { OptionSpec, ParsedArgs } from '../args';
import { UsageError } from '../../client/usage-error';

export const MACHINE_OPTION: OptionSpec = { name: '-X', takesValue: false };

export const MACHINE_USAGE = "  -X              CTDB's machine-readable layout: |-separated fields, a header line first";

/** True with -X; -X with --json is refused, as CTDB refuses -X with --json. */
export function machineReadable(parsed: ParsedArgs): boolean {
  const wanted = parsed.flags.has('-X');
  if (wanted && parsed.flags.has('--json')) throw new UsageError('-X and --json are mutually exclusive: pick one');
  return wanted;
}
