// `floatip reloadnodes`: every node re-reads `nodes`; appended lines join, commented-out lines leave, then one takeover run.

import { expectPositionals } from '../args';
import { ControlCommandSpec, TAKEOVER_CALL_TIMEOUT_MS } from '../control-command';
import { ReloadNodesResult } from '../../protocol/control-results';
import { expectList, expectRecord } from '../format/shape';

export function formatReloadNodes(result: unknown): { text: string; exitCode: number } {
  const reload = expectRecord<ReloadNodesResult>(result, 'reloadnodes', ['ok', 'message', 'nodes', 'run']);
  const nodes = expectList<ReloadNodesResult['nodes'][number]>(reload.nodes, 'reloadnodes nodes', ['pnn', 'status', 'message']);
  const lines = nodes.map((n) => (n.status === 'ok' ? `node ${n.pnn}: ${n.message}` : `node ${n.pnn}: ${n.status.toUpperCase()}: ${n.message}`));
  const run = reload.run === null ? null : expectRecord<NonNullable<ReloadNodesResult['run']>>(reload.run, 'reloadnodes run', ['status', 'message']);
  if (run !== null) lines.push(run.status === 'ok' ? run.message : `takeover run: ${run.status.toUpperCase()}: ${run.message}`);
  lines.push(reload.ok ? reload.message : `reloadnodes: ${reload.message}`);
  return { text: `${lines.join('\n')}\n`, exitCode: reload.ok ? 0 : 1 };
}

export const reloadnodesSpec: ControlCommandSpec<'reloadnodes'> = {
  name: 'reloadnodes',
  summary: 'apply a changed nodes file on every node (appended lines join, # lines leave), then one takeover run',
  usage: `usage: floatip reloadnodes [--json]

Applies a changed nodes file without a restart, as CTDB's reloadnodes: a line appended at the
end is a new node, a line commented out ("#") is a node that leaves; node numbers never change.
Edit the file the same way on every node first, run this on one node (not on a node that
leaves), then start floatipd on the new nodes. Takeover runs are held on every connected node,
each one checks that its nodes file is the coordinator's (a node whose file differs is named and
nothing changes anywhere), then every node runs with it: the mesh dials the new nodes and drops
the removed ones, the guardian's peer list follows, quorum counts the new set, and ONE takeover
run places the addresses (after waiting up to dead_after for the new nodes to connect). A node
leaves only when it is stopped (\`floatip -n PNN stop\`) or
disconnected and holds no address. Exit status 1 when the change was refused or a node or the
run failed.`,
  options: [],
  request(parsed) {
    expectPositionals(parsed, 0, 0, '');
    return { command: 'reloadnodes', args: {}, timeoutMs: TAKEOVER_CALL_TIMEOUT_MS };
  },
  format: (result) => formatReloadNodes(result),
};
