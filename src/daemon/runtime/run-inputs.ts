// The inputs of one takeover run, computed from the view: who holds what, the allocator's state, the plan's nodes.
//
// Pure (no clock, no I/O): the leader calls it, tests call it with hand-made views.

import { PublicAddress } from '../../core/address';
import { canHostWithFlags, NO_NODE, Pnn } from '../../core/flags';
import { compareIp } from '../../core/ip';
import { AlgorithmName, AllocState, buildAllocState, ClusterAddress, ClusterNode, Tunables } from '../../core/ipalloc';
import { claimedHolders, MembershipView, nodeFlags } from '../../core/membership';
import { PlanNode } from '../../core/plan';

/** A node that holds an address someone else also claims: released in the run. */
export interface DuplicateHolder {
  readonly pnn: Pnn;
  readonly address: string;
}

export interface RunInputs {
  /** Address text -> the node holding it now (the lowest, when several claim it). */
  readonly current: Map<string, Pnn>;
  readonly duplicates: readonly DuplicateHolder[];
  readonly alloc: AllocState;
  /** Every member of the partition, with its own list and links. */
  readonly planNodes: readonly PlanNode[];
  /** Address text -> the configured line used for it (the lowest-numbered node's). */
  readonly lines: ReadonlyMap<string, PublicAddress>;
}

export interface RunInputOptions {
  readonly algorithm: AlgorithmName;
  readonly tunables: Tunables;
  /** The partition's members (they get orders). */
  readonly members: readonly Pnn[];
  /**
   * Leaves `pnn` out of the allocator's candidates for an address it does not hold, given
   * the other nodes that list it and may host it (a take failed there lately: failed-takes.ts).
   * The plan still sees every node's own list.
   */
  readonly avoid?: (pnn: Pnn, address: string, others: readonly Pnn[]) => boolean;
  /** LCP2's forced rebalance targets (`floatip ipreallocate --rebalance`). */
  readonly forceRebalance?: readonly Pnn[];
}

export function buildRunInputs(
  view: MembershipView,
  lists: ReadonlyMap<Pnn, readonly PublicAddress[]>,
  options: RunInputOptions,
): RunInputs {
  const current = new Map<string, Pnn>();
  const duplicates: DuplicateHolder[] = [];
  for (const [address, holders] of claimedHolders(view)) {
    const sorted = [...holders].sort((a, b) => a - b);
    current.set(address, sorted[0]);
    for (const pnn of sorted.slice(1)) duplicates.push({ pnn, address });
  }

  const lines = new Map<string, PublicAddress>();
  const known = new Map<string, Pnn[]>();
  const interfacesOn = new Map<string, Map<Pnn, readonly string[]>>();
  const listed = [...lists.keys()].sort((a, b) => a - b);
  for (const pnn of listed) {
    for (const line of lists.get(pnn) ?? []) {
      const text = line.address.text;
      if (!lines.has(text)) lines.set(text, line);
      known.set(text, [...(known.get(text) ?? []), pnn]);
      const perNode = interfacesOn.get(text) ?? new Map<Pnn, readonly string[]>();
      perNode.set(pnn, line.interfaces);
      interfacesOn.set(text, perNode);
    }
  }

  const mayHost = (pnn: Pnn): boolean => view.nodes[pnn] !== undefined && view.nodes[pnn].connected && canHostWithFlags(nodeFlags(view.nodes[pnn]));
  const candidates = (text: string): Pnn[] => {
    const listing = known.get(text) ?? [];
    const { avoid } = options;
    if (!avoid) return listing;
    const able = listing.filter(mayHost);
    return listing.filter((pnn) => current.get(text) === pnn || !avoid(pnn, text, able));
  };
  const addresses: ClusterAddress[] = [...lines.values()]
    .sort((a, b) => compareIp(a.address, b.address))
    .map((line) => ({
      address: line,
      known: candidates(line.address.text),
      holder: current.get(line.address.text) ?? NO_NODE,
      interfacesOn: interfacesOn.get(line.address.text),
    }));
  const nodes: ClusterNode[] = view.nodes.map((node) => ({
    flags: nodeFlags(node),
    // A node that has not told us its list yet cannot be given anything: it is not running for us.
    running: lists.has(node.pnn),
    links: node.links.size > 0 ? node.links : undefined,
  }));
  const alloc = buildAllocState(options.algorithm, options.tunables, nodes, addresses,
    options.forceRebalance && options.forceRebalance.length > 0 ? { forceRebalance: options.forceRebalance } : {});

  const planNodes: PlanNode[] = options.members.map((pnn) => ({
    pnn,
    addresses: new Map((lists.get(pnn) ?? []).map((line) => [line.address.text, line])),
    links: view.nodes[pnn].links,
  }));
  return { current, duplicates, alloc, planNodes, lines };
}
