// `floatip reloadips [-n PNN-LIST|all]`: re-read public_addresses on the listed nodes, then one takeover run; only what changed moves.

import { Pnn } from '../../core/flags';
import { expectPositionals, ParsedArgs, parseWholeNumber } from '../args';
import { UsageError } from '../../client/usage-error';
import { ControlCommandSpec, TAKEOVER_CALL_TIMEOUT_MS } from '../control-command';
import { ReloadIpsResult } from '../../protocol/control-results';
import { expectList, expectRecord } from '../format/shape';

/** `-n 0,2` or `-n all` (or no -n): the nodes to reload, undefined for every node. */
export function reloadNodesOption(parsed: ParsedArgs): readonly Pnn[] | undefined {
  const text = parsed.values.get('--node');
  if (text === undefined || text === 'all') return undefined;
  const pnns = text.split(',').map((part) => parseWholeNumber(part, '-n PNN-LIST', 0, 0xfffffffe));
  const repeated = pnns.find((pnn, i) => pnns.indexOf(pnn) !== i);
  if (repeated !== undefined) throw new UsageError(`-n PNN-LIST names node ${repeated} twice`);
  return pnns;
}

export function formatReloadIps(result: unknown): { text: string; exitCode: number } {
  const reload = expectRecord<ReloadIpsResult>(result, 'reloadips', ['ok', 'nodes', 'run']);
  const nodes = expectList<ReloadIpsResult['nodes'][number]>(reload.nodes, 'reloadips nodes', ['pnn', 'status', 'message']);
  const run = expectRecord<ReloadIpsResult['run']>(reload.run, 'reloadips run', ['status', 'message']);
  const lines = nodes.map((n) => (n.status === 'ok' ? `node ${n.pnn}: ${n.message}` : `node ${n.pnn}: FAILED: ${n.message}`));
  lines.push(run.status === 'ok' ? run.message : `takeover run: ${run.status.toUpperCase()}: ${run.message}`);
  return { text: `${lines.join('\n')}\n`, exitCode: reload.ok ? 0 : 1 };
}

export const reloadipsSpec: ControlCommandSpec<'reloadips'> = {
  name: 'reloadips',
  summary: 're-read public_addresses on every node (or -n LIST), then one takeover run',
  usage: `usage: floatip reloadips [-n PNN-LIST|all] [--json]

Re-reads public_addresses on the listed nodes (default: all), cluster-wide as CTDB does: takeover
runs are held on every connected node, each listed node re-reads its file and tells the others
its new list, and ONE takeover run follows when all have answered. New addresses are placed,
removed ones are released, addresses whose line did not change stay where they are. A node whose
file has errors changes nothing and is reported with them; the others still apply. Exit status 1
when any listed node failed or the run failed. \`-n\` with this node's number reloads only this
node (as SIGHUP does).

  -n, --node PNN-LIST   comma-separated node numbers, e.g. 0,2, or all (default: all)`,
  options: [{ name: '--node', alias: '-n', takesValue: true, valueName: 'PNN-LIST' }],
  request(parsed) {
    expectPositionals(parsed, 0, 0, '');
    const nodes = reloadNodesOption(parsed);
    return { command: 'reloadips', args: nodes === undefined ? {} : { nodes }, timeoutMs: TAKEOVER_CALL_TIMEOUT_MS };
  },
  format: (result) => formatReloadIps(result),
};
