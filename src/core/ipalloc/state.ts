// The allocator's input and output values, and how a node's view of the cluster becomes "who can host what".

import { Assignment, InterfaceLinks, PublicAddress } from '../address';
import { canHostWithFlags, NodeFlags, Pnn } from '../flags';

/** The three placement algorithms of CTDB, by their long names. */
export type AlgorithmName = 'lcp2' | 'deterministic' | 'nondeterministic';

export const ALGORITHMS: readonly AlgorithmName[] = ['lcp2', 'deterministic', 'nondeterministic'];

/** CTDB's NoIPFailback and NoIPTakeover tunables. */
export interface Tunables {
  /** Never move an address only to even out the load; a failed node's addresses still move. */
  readonly noIpFailback: boolean;
  /** No node gains an address: no failover, no rebalancing (addresses on nodes that cannot host them drop). */
  readonly noIpTakeover: boolean;
}

export const DEFAULT_TUNABLES: Tunables = { noIpFailback: false, noIpTakeover: false };

/** A node as the allocator sees it. */
export interface AllocNode {
  readonly flags: NodeFlags;
  /**
   * False while the node is starting up or shutting down (CTDB's runstate other than RUNNING):
   * such a node has no available addresses even when no flag is set.
   */
  readonly running: boolean;
}

/** One public address as the allocator sees it. */
export interface AllocAddress {
  readonly address: PublicAddress;
  /** Nodes that list the address in their public_addresses (CTDB's "known" lists). */
  readonly known: readonly Pnn[];
  /**
   * Nodes that can host it now: they list it, have no flag, are running and have link on one of
   * its interfaces (CTDB's "available" lists). The allocator also re-checks flags and `known`.
   */
  readonly available: readonly Pnn[];
  /** Who holds it now, or NO_NODE. A holder that does not list the address counts as NO_NODE. */
  readonly holder: Pnn;
}

export interface AllocState {
  readonly algorithm: AlgorithmName;
  readonly tunables: Tunables;
  /** Indexed by PNN: `nodes[pnn]`. */
  readonly nodes: readonly AllocNode[];
  readonly addresses: readonly AllocAddress[];
  /** Deterministic only: pins an address (by canonical text) to a node instead of `k mod N`. */
  readonly homeNodes?: ReadonlyMap<string, Pnn>;
  /** LCP2 only: nodes that may receive addresses by failback although they hold some already. */
  readonly forceRebalance?: readonly Pnn[];
}

export interface AllocResult {
  /** Every address with its new holder (NO_NODE when nobody can host it), in CTDB's order: descending key. */
  readonly assignment: Assignment;
  /** Addresses no node can host now, same order. */
  readonly unhosted: readonly string[];
}

/** A node as the daemon knows it, before its addresses are worked out. */
export interface ClusterNode extends AllocNode {
  /** Link state of the node's interfaces; undefined when not tracked (then link never blocks). */
  readonly links?: InterfaceLinks;
}

/** An address as configured, before the allocator's lists are worked out. */
export interface ClusterAddress {
  readonly address: PublicAddress;
  readonly known: readonly Pnn[];
  readonly holder: Pnn;
  /** A node's own interfaces for this address when its public_addresses line differs from `address`. */
  readonly interfacesOn?: ReadonlyMap<Pnn, readonly string[]>;
}

/**
 * True when the allocator may give `node` addresses at all: no flag and running. What a run
 * "counted" as able to host, which it tells each node (floatip wait-ok: core/readiness.ts).
 */
export function nodeMayHost(node: AllocNode): boolean {
  return node.running && canHostWithFlags(node.flags);
}

/** True when `pnn` may host `addr` now: it lists it, has no flag, runs, and has link on one of its interfaces. */
export function nodeCanHost(addr: ClusterAddress, pnn: Pnn, node: ClusterNode): boolean {
  return addr.known.includes(pnn) && nodeMayHost(node) && hasLinkFor(addr, pnn, node);
}

/** True when `node` has link on one of the interfaces it lists `addr` on (always, when its links are not tracked). */
function hasLinkFor(addr: ClusterAddress, pnn: Pnn, node: ClusterNode): boolean {
  const { links } = node;
  if (links === undefined) return true;
  const interfaces = addr.interfacesOn?.get(pnn) ?? addr.address.interfaces;
  return interfaces.some((name) => links.get(name) === 'up');
}

/** Builds the allocator's input from node states (flags, runstate, links) and configured addresses. */
export function buildAllocState(
  algorithm: AlgorithmName,
  tunables: Tunables,
  nodes: readonly ClusterNode[],
  addresses: readonly ClusterAddress[],
  options: { homeNodes?: ReadonlyMap<string, Pnn>; forceRebalance?: readonly Pnn[] } = {},
): AllocState {
  // nodeCanHost for every address and node, with what depends on the node alone worked out
  // once: the leader builds this on its event loop in every run (issue 17). `known` is what
  // is filtered, so nodeCanHost's `known.includes` holds by construction.
  const mayHost = nodes.map(nodeMayHost);
  const allocAddresses = addresses.map((addr): AllocAddress => ({
    address: addr.address,
    known: addr.known,
    available: addr.known.filter((pnn) => pnn >= 0 && pnn < nodes.length && mayHost[pnn] && hasLinkFor(addr, pnn, nodes[pnn])),
    holder: addr.holder,
  }));
  return {
    algorithm,
    tunables,
    nodes: nodes.map((n) => ({ flags: n.flags, running: n.running })),
    addresses: allocAddresses,
    ...options,
  };
}

/**
 * True when `allocate` reads the same from both states, so they get the same answer: the
 * allocator is a pure function of its state. Address lines' interfaces are left out: they
 * count only through `available`. Compares in place and stops at the first difference: the
 * leader asks on its event loop before every allocation, and building a key string of 1000
 * addresses for it cost 5-30 ms there (issue 17).
 */
export function sameAllocState(a: AllocState, b: AllocState): boolean {
  if (a === b) return true;
  if (a.algorithm !== b.algorithm || a.tunables.noIpFailback !== b.tunables.noIpFailback
    || a.tunables.noIpTakeover !== b.tunables.noIpTakeover) return false;
  if (!sameItems(a.nodes, b.nodes, (x, y) => x.flags === y.flags && x.running === y.running)) return false;
  if (!sameHomeNodes(a.homeNodes, b.homeNodes)) return false;
  if (!sameItems(a.forceRebalance ?? [], b.forceRebalance ?? [], (x, y) => x === y)) return false;
  return sameItems(a.addresses, b.addresses, (x, y) => x.holder === y.holder
    && x.address.address.text === y.address.address.text && x.address.bits === y.address.bits
    && sameItems(x.known, y.known, (p, q) => p === q) && sameItems(x.available, y.available, (p, q) => p === q));
}

function sameItems<T>(a: readonly T[], b: readonly T[], same: (x: T, y: T) => boolean): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!same(a[i], b[i])) return false;
  return true;
}

function sameHomeNodes(a: ReadonlyMap<string, Pnn> | undefined, b: ReadonlyMap<string, Pnn> | undefined): boolean {
  if (a === undefined || b === undefined) return (a?.size ?? 0) === 0 && (b?.size ?? 0) === 0;
  return a.size === b.size && [...a].every(([address, pnn]) => b.get(address) === pnn);
}
