// `floatip lab add-node`: one more node namespace in a running lab, its line appended to every node's `nodes`, its floatipd started.
//
// What an admin does to grow a cluster (docs/operations.md, "Adding and removing a node"),
// done for the lab: the new node is numbered after the others; its address line is appended
// to the `nodes` file of every node (commented-out lines stay as they are) and the new node
// gets the same file, key and public addresses; its daemon starts. The running nodes learn of
// it only from `floatip reloadnodes`, which this verb leaves to the caller, as a real cluster
// would: the lab should show the step, not hide it.

import { promises as fs } from 'node:fs';
import { LabTarget } from './args';
import { DaemonStartReport, startDaemon, waitForDaemons } from './daemons';
import { LabError } from './errors';
import { nodesFilePath, writeOneNodeFiles } from './node-files';
import { shippedEventsDir } from './package-files';
import { LabNodePlan, planLab } from './plan';
import { requireLab, writeState } from './state';
import { addNodeTopology } from './topology';

export interface AddNodeResult {
  readonly node: LabNodePlan;
  /** Its daemon's start, or undefined when the lab runs no daemons. */
  readonly daemon: DaemonStartReport | undefined;
  /** Node 0's control socket, where `floatip reloadnodes` can be run from the host. */
  readonly reloadSocket: string;
}

export async function labAddNode(target: LabTarget, startTimeoutMs = 15_000, eventsDir = shippedEventsDir()): Promise<AddNodeResult> {
  const { state, plan: current } = await requireLab(target.dir, target.prefix);
  const plan = planLab({ ...state.options, nodes: state.options.nodes + 1 });
  const node = plan.nodes[plan.nodes.length - 1];
  const key = await fs.readFile(current.nodes[0].keyPath).catch((err: Error) => {
    throw new LabError('E_LAB_STATE', `cannot read the cluster key of node 0 (${err.message}): the lab is damaged; take it down and up again`);
  });
  const nodesText = await fs.readFile(nodesFilePath(current.nodes[0]), 'utf8');
  const line = `${node.privateAddress.text}\n`;
  const grown = `${nodesText}${nodesText === '' || nodesText.endsWith('\n') ? '' : '\n'}${line}`;
  // The state first: `down` then finds the new namespace by prefix whatever fails below.
  await writeState({ ...state, options: plan.options });
  await addNodeTopology(plan, node);
  await writeOneNodeFiles(plan, node, key, eventsDir);
  for (const each of plan.nodes) await fs.writeFile(nodesFilePath(each), grown, { mode: 0o644 });
  const reloadSocket = current.nodes[0].controlSocket;
  if (state.daemonCommand === null) return { node, daemon: undefined, reloadSocket };
  const pid = await startDaemon(node, state.daemonCommand);
  const [daemon] = await waitForDaemons([{ node, pid }], startTimeoutMs);
  return { node, daemon, reloadSocket };
}
