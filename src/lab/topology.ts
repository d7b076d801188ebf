// Builds and changes the lab's network: namespaces, bridges and veths, link faults and partitions.
//
// Shape: a switch namespace holds two bridges, private (mesh) and public
// (clients). Each node namespace has two veths, one to each bridge, as a real
// node has two NICs; the client namespace has one veth to the public bridge.
// Every fault is made on the switch side (a switch port goes down, a port moves
// to another bridge), so the node sees what a real node sees when a cable is
// pulled or a switch splits: lost carrier, or silence.

import { LinkSet } from './args';
import { LabNodePlan, LabPlan } from './plan';
import { inParallel, ip, ipIn } from './shell';

/** Parallel `ip` commands: enough to hide process start-up, few enough not to swamp a small machine. */
const PARALLEL = 8;

async function addNamespace(namespace: string): Promise<void> {
  await ip('netns', 'add', namespace);
  await ipIn(namespace, 'link', 'set', 'lo', 'up');
}

/**
 * A bridge that forwards at once (no STP) and floods multicast (no snooping
 * without a querier), like an unmanaged switch: NA and ARP reach every port.
 */
async function addBridge(plan: LabPlan, name: string): Promise<void> {
  const sw = plan.names.switchNamespace;
  await ipIn(sw, 'link', 'add', name, 'type', 'bridge', 'stp_state', '0', 'mcast_snooping', '0');
  await ipIn(sw, 'link', 'set', name, 'up');
}

/** A veth from a switch port (on `bridge`) to `inside` in `namespace`; both ends up. */
async function addCable(plan: LabPlan, port: string, bridge: string, namespace: string, inside: string): Promise<void> {
  const sw = plan.names.switchNamespace;
  await ipIn(sw, 'link', 'add', port, 'type', 'veth', 'peer', 'name', inside, 'netns', namespace);
  await ipIn(sw, 'link', 'set', port, 'master', bridge, 'up');
  await ipIn(namespace, 'link', 'set', inside, 'up');
}

/** Creates every namespace, bridge, veth and fixed address of the plan (the public addresses are the daemons' job). */
export async function createTopology(plan: LabPlan): Promise<void> {
  const { names } = plan;
  await inParallel([names.switchNamespace, names.clientNamespace, ...plan.nodes.map((n) => n.namespace)], PARALLEL, addNamespace);
  await addBridge(plan, names.privateBridge);
  await addBridge(plan, names.publicBridge);
  await inParallel(plan.nodes, PARALLEL, (node) => cableNode(plan, node));
  const client = names.clientNamespace;
  await addCable(plan, names.clientSwitchPort, names.publicBridge, client, names.publicInterface);
  for (const { address, bits } of plan.clientAddresses) {
    // The client's own IPv6 address skips DAD so the client can talk at once.
    const nodad = address.family === 6 ? ['nodad'] : [];
    await ipIn(client, 'addr', 'add', `${address.text}/${bits}`, 'dev', names.publicInterface, ...nodad);
  }
}

/** A node's two cables to the switch and its private address (in `up`, and for a node `add-node` adds). */
async function cableNode(plan: LabPlan, node: LabNodePlan): Promise<void> {
  const { names } = plan;
  await addCable(plan, node.switchPrivatePort, names.privateBridge, node.namespace, names.privateInterface);
  await addCable(plan, node.switchPublicPort, names.publicBridge, node.namespace, names.publicInterface);
  await ipIn(node.namespace, 'addr', 'add', `${node.privateAddress.text}/${plan.privateBits}`, 'dev', names.privateInterface);
}

/** One more node in a running lab: its namespace and cables, on the whole private network. */
export async function addNodeTopology(plan: LabPlan, node: LabNodePlan): Promise<void> {
  await addNamespace(node.namespace);
  await cableNode(plan, node);
}

function portsOf(plan: LabPlan, pnn: number, links: LinkSet): string[] {
  const node = plan.nodes[pnn];
  if (links === 'public') return [node.switchPublicPort];
  if (links === 'private') return [node.switchPrivatePort];
  return [node.switchPrivatePort, node.switchPublicPort];
}

/** Takes the switch ports of a node down or up: the node sees its carrier go or come back. */
export async function setNodeLinks(plan: LabPlan, pnn: number, links: LinkSet, state: 'up' | 'down'): Promise<void> {
  for (const port of portsOf(plan, pnn, links)) await ipIn(plan.names.switchNamespace, 'link', 'set', port, state);
}

/** Names of the links in a namespace. */
export async function linkNames(namespace: string): Promise<string[]> {
  const links = JSON.parse(await ipIn(namespace, '-j', 'link', 'show')) as { ifname: string }[];
  return links.map((l) => l.ifname);
}

/** Puts every private port back on the private bridge and removes the partition bridges. */
export async function joinPartitions(plan: LabPlan): Promise<void> {
  const { names } = plan;
  const sw = names.switchNamespace;
  for (const node of plan.nodes) await ipIn(sw, 'link', 'set', node.switchPrivatePort, 'master', names.privateBridge);
  for (const name of await linkNames(sw)) {
    if (name.startsWith(names.partitionBridgeStem)) await ipIn(sw, 'link', 'del', name);
  }
}

/**
 * Cuts the private network into the given groups: group 0 stays on the
 * private bridge, group g moves to a bridge of its own. Nodes of one group
 * still reach each other; across groups private frames are simply not
 * forwarded, as when a switch splits. The public network stays whole.
 */
export async function partitionPrivate(plan: LabPlan, groups: readonly (readonly number[])[]): Promise<void> {
  await joinPartitions(plan);
  const sw = plan.names.switchNamespace;
  for (let g = 1; g < groups.length; g++) {
    const bridge = plan.names.partitionBridge(g);
    await addBridge(plan, bridge);
    for (const pnn of groups[g]) await ipIn(sw, 'link', 'set', plan.nodes[pnn].switchPrivatePort, 'master', bridge);
  }
}
