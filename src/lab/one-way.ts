// One-way faults on the private network: the switch drops frames from one node's port to another's, the reverse still flows.
//
// A symmetric partition moves switch ports to separate bridges; a one-way fault cannot be
// made that way, so it is an nftables rule in the bridge family, inside the switch
// namespace (no kernel module beyond nf_tables, which this kernel has): forward hook,
// `iifname FROM-PORT oifname TO-PORT drop`. Nodes see what a failing transceiver or an
// asymmetric firewall gives: A hears B, B never hears A (and TCP between them stalls).
// The table is the lab's own (its namespace is), so one name serves every lab.

import { LabError } from './errors';
import { nodeOf, LabPlan } from './plan';
import { mustRun, runCommand } from './shell';

const TABLE = 'floatip_lab_oneway';
const CHAIN = 'oneway';

function nftIn(namespace: string, ...args: string[]): Promise<string> {
  return mustRun('ip', ['netns', 'exec', namespace, 'nft', ...args]);
}

/** Drops every private frame from node `from` to node `to` at the switch, until `clearOneWayCuts`. */
export async function cutOneWay(plan: LabPlan, from: number, to: number): Promise<void> {
  if (from === to) throw new LabError('E_LAB_UNKNOWN_NODE', `a one-way cut needs two different nodes, not ${from} and ${to}`);
  const source = nodeOf(plan, from).switchPrivatePort;
  const destination = nodeOf(plan, to).switchPrivatePort;
  if (!(await nftInstalled())) {
    throw new LabError('E_LAB_MISSING_COMMAND', 'nft is not installed: a one-way cut is an nftables bridge rule; install nftables (see scripts/apt-packages.txt)');
  }
  const sw = plan.names.switchNamespace;
  await nftIn(sw, 'add', 'table', 'bridge', TABLE);
  await nftIn(sw, 'add', 'chain', 'bridge', TABLE, CHAIN, '{ type filter hook forward priority 0 ; policy accept ; }');
  await nftIn(sw, 'add', 'rule', 'bridge', TABLE, CHAIN, 'iifname', source, 'oifname', destination, 'drop');
}

/** Removes every one-way cut of the lab (none is fine; without nft installed there can be none). */
export async function clearOneWayCuts(plan: LabPlan): Promise<void> {
  const sw = plan.names.switchNamespace;
  if (!(await nftInstalled())) return;
  const listed = await runCommand('ip', ['netns', 'exec', sw, 'nft', 'list', 'tables', 'bridge']);
  if (listed.status === 0 && listed.stdout.includes(TABLE)) await nftIn(sw, 'delete', 'table', 'bridge', TABLE);
}

/** `ip netns exec` reports a missing program as exit status 1 with its own message, so ask for nft directly. */
async function nftInstalled(): Promise<boolean> {
  try {
    return (await runCommand('nft', ['--version'])).status === 0;
  } catch (err) {
    if (err instanceof LabError && err.code === 'E_LAB_MISSING_COMMAND') return false;
    throw err;
  }
}

/** The one-way cuts in place, as [from, to] node pairs. */
export async function oneWayCuts(plan: LabPlan): Promise<Array<[number, number]>> {
  const sw = plan.names.switchNamespace;
  const listed = await runCommand('ip', ['netns', 'exec', sw, 'nft', 'list', 'table', 'bridge', TABLE]);
  if (listed.status !== 0) return [];
  const pnnOfPort = new Map(plan.nodes.map((n) => [n.switchPrivatePort, n.pnn]));
  const cuts: Array<[number, number]> = [];
  for (const match of listed.stdout.matchAll(/iifname "([^"]+)" oifname "([^"]+)" drop/g)) {
    const from = pnnOfPort.get(match[1]);
    const to = pnnOfPort.get(match[2]);
    if (from !== undefined && to !== undefined) cuts.push([from, to]);
  }
  return cuts;
}
