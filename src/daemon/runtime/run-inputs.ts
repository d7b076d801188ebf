// The inputs of one takeover run, computed from the view: who holds what, the allocator's state, the plan's nodes.
//
// Pure (no clock, no I/O): the leader calls it, tests call it with hand-made views.

import { PublicAddress } from '../../core/address';
import { canHostWithFlags, NO_NODE, Pnn } from '../../core/flags';
import { compareIp } from '../../core/ip';
import { AlgorithmName, AllocAddress, AllocState, buildAllocState, ClusterAddress, ClusterNode, Tunables } from '../../core/ipalloc';
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

/**
 * What the run inputs take from the nodes' address lists alone. Lists change when a node's
 * public_addresses does (reloadips, a peer's new list), not from run to run, so the leader
 * keeps this between runs (ListIndexCache): with 1000 addresses re-indexing and re-sorting
 * them cost its event loop 30-100 ms in every run (issue 17).
 */
export interface ListIndex {
  /** The lists this was built from, by node: the cache compares each array by identity. */
  readonly lists: ReadonlyMap<Pnn, readonly PublicAddress[]>;
  /** Address text -> the line used for it (the lowest-numbered listing node's), in address order. */
  readonly lines: ReadonlyMap<string, PublicAddress>;
  /** Address text -> the nodes listing it, lowest first. */
  readonly known: ReadonlyMap<string, readonly Pnn[]>;
  /** Address text -> each listing node's own interfaces for it. */
  readonly interfacesOn: ReadonlyMap<string, ReadonlyMap<Pnn, readonly string[]>>;
  /** Each node's own lines by address text (the plan's PlanNode.addresses). */
  readonly byNode: ReadonlyMap<Pnn, ReadonlyMap<string, PublicAddress>>;
}

export function indexLists(lists: ReadonlyMap<Pnn, readonly PublicAddress[]>): ListIndex {
  const first = new Map<string, PublicAddress>();
  const known = new Map<string, Pnn[]>();
  const interfacesOn = new Map<string, Map<Pnn, readonly string[]>>();
  const byNode = new Map<Pnn, Map<string, PublicAddress>>();
  for (const pnn of [...lists.keys()].sort((a, b) => a - b)) {
    const own = new Map<string, PublicAddress>();
    for (const line of lists.get(pnn) ?? []) {
      const text = line.address.text;
      own.set(text, line);
      const listing = known.get(text);
      if (listing === undefined) {
        first.set(text, line);
        known.set(text, [pnn]);
        interfacesOn.set(text, new Map([[pnn, line.interfaces]]));
        continue;
      }
      listing.push(pnn);
      interfacesOn.get(text)?.set(pnn, line.interfaces);
    }
    byNode.set(pnn, own);
  }
  const sorted = [...first.values()].sort((a, b) => compareIp(a.address, b.address));
  const lines = new Map(sorted.map((line) => [line.address.text, line]));
  return { lists: new Map(lists), lines, known, interfacesOn, byNode };
}

/** The last ListIndex, rebuilt when any node's list is another array than the one it was built from. */
export class ListIndexCache {
  private last: ListIndex | undefined;

  indexOf(lists: ReadonlyMap<Pnn, readonly PublicAddress[]>): ListIndex {
    const last = this.last;
    if (last && last.lists.size === lists.size && [...lists].every(([pnn, list]) => last.lists.get(pnn) === list)) return last;
    this.last = indexLists(lists);
    return this.last;
  }
}

const NO_LINES: ReadonlyMap<string, PublicAddress> = new Map();

/**
 * Addresses whose allocator entries one turn of the leader's loop builds (runInputSteps).
 * 1000 took 5-35 ms in a daemon under load (--cpu-prof), against a budget of 20 ms p99.
 */
export const RUN_INPUT_CHUNK = 250;

export function buildRunInputs(
  view: MembershipView,
  lists: ReadonlyMap<Pnn, readonly PublicAddress[]>,
  options: RunInputOptions,
  index: ListIndex = indexLists(lists),
): RunInputs {
  const steps = runInputSteps(view, lists, options, index, Infinity);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/**
 * The run inputs, `chunk` addresses at a time: it yields between chunks so that the caller
 * (takeover-run.ts) can give the event loop a turn, and returns the same inputs as
 * buildRunInputs. Each address's allocator entry depends on that address and the nodes alone,
 * so the chunks' entries put together are the whole state's. The view and the lists are
 * values: nothing read here changes between the chunks.
 */
export function* runInputSteps(
  view: MembershipView,
  lists: ReadonlyMap<Pnn, readonly PublicAddress[]>,
  options: RunInputOptions,
  index: ListIndex,
  chunk: number,
): Generator<void, RunInputs, void> {
  const current = new Map<string, Pnn>();
  const duplicates: DuplicateHolder[] = [];
  for (const [address, holders] of claimedHolders(view)) {
    const sorted = [...holders].sort((a, b) => a - b);
    current.set(address, sorted[0]);
    for (const pnn of sorted.slice(1)) duplicates.push({ pnn, address });
  }

  const { known, interfacesOn } = index;
  // Per node once, not per address and node: a run asks for every address (issue 17).
  const able = view.nodes.map((node) => node.connected && canHostWithFlags(nodeFlags(node)));
  const { avoid } = options;
  const candidates = (text: string): readonly Pnn[] => {
    const listing = known.get(text) ?? [];
    if (!avoid) return listing;
    const others = listing.filter((pnn) => able[pnn] === true);
    return listing.filter((pnn) => current.get(text) === pnn || !avoid(pnn, text, others));
  };
  const clusterAddress = (line: PublicAddress): ClusterAddress => ({
    address: line,
    known: candidates(line.address.text),
    holder: current.get(line.address.text) ?? NO_NODE,
    interfacesOn: interfacesOn.get(line.address.text),
  });
  const nodes: ClusterNode[] = view.nodes.map((node) => ({
    flags: nodeFlags(node),
    // A node that has not told us its list yet cannot be given anything: it is not running for us.
    running: lists.has(node.pnn),
    links: node.links.size > 0 ? node.links : undefined,
  }));
  const { algorithm, tunables } = options;
  const lines = [...index.lines.values()];
  const entries: AllocAddress[] = [];
  for (let from = 0; from < lines.length; from += chunk) {
    if (from > 0) yield;
    for (const entry of buildAllocState(algorithm, tunables, nodes, lines.slice(from, from + chunk).map(clusterAddress)).addresses) entries.push(entry);
  }
  const alloc: AllocState = {
    ...buildAllocState(algorithm, tunables, nodes, [],
      options.forceRebalance && options.forceRebalance.length > 0 ? { forceRebalance: options.forceRebalance } : {}),
    addresses: entries,
  };

  const planNodes: PlanNode[] = options.members.map((pnn) => ({
    pnn,
    addresses: index.byNode.get(pnn) ?? NO_LINES,
    links: view.nodes[pnn].links,
  }));
  return { current, duplicates, alloc, planNodes, lines: index.lines };
}
