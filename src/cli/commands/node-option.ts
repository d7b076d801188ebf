// The `-n PNN` option of the admin verbs (CTDB's -n): which node a verb acts on.

import { Pnn } from '../../core/flags';
import { OptionSpec, ParsedArgs, parseWholeNumber } from '../args';

export const NODE_OPTION: OptionSpec = { name: '--node', alias: '-n', takesValue: true, valueName: 'PNN' };

export const NODE_USAGE = '  -n, --node PNN  act on node PNN (default: this node)';

/** The node named by -n, or undefined for this node. */
export function nodeOption(parsed: ParsedArgs): Pnn | undefined {
  const text = parsed.values.get('--node');
  return text === undefined ? undefined : parseWholeNumber(text, '-n PNN', 0, 0xfffffffe);
}
