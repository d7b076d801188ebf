// Shared machinery of the three algorithms (CTDB's ipalloc_common.c): the address list in CTDB's
// walking order, who may host what, per-node address counts, and the fewest-addresses placement.

import { compareIp } from '../ip';
import { NO_NODE, Pnn } from '../flags';
import { AllocAddress, AllocState, nodeMayHost } from './state';
import { IpallocInputError } from './errors';

/**
 * The mutable working copy an algorithm runs on. Addresses are indexed 0..count-1 in CTDB's
 * order: descending 128-bit key, the order of CTDB's list built from its sorted tree. Every loop
 * "over the IPs" walks that order and every loop "over the nodes" walks 0..nodeCount-1; CTDB's
 * tie-breaks (first minimum wins) depend on both.
 */
export interface WorkingSet {
  readonly count: number;
  readonly nodeCount: number;
  readonly addresses: readonly AllocAddress[];
  /** Four key words per address, most significant first (see `keyDistance`). */
  readonly keys: Uint32Array;
  /** Current holder per address, NO_NODE when unassigned. Change it only through `setHolder`. */
  readonly holder: Int32Array;
  /** `canHost[i * nodeCount + pnn]` is 1 when node pnn may host address i now. */
  readonly canHost: Uint8Array;
  /** Number of addresses each node holds (CTDB's node_ip_coverage, kept up to date). */
  readonly held: Int32Array;
  readonly noIpTakeover: boolean;
}

function checkPnn(pnn: Pnn, nodeCount: number, what: string): void {
  if (!Number.isInteger(pnn) || pnn < 0 || pnn >= nodeCount) {
    throw new IpallocInputError(`${what}: node ${pnn} does not exist (nodes are 0..${nodeCount - 1})`);
  }
}

/** Sorts and checks the state and builds the working copy. */
export function makeWorkingSet(state: AllocState): WorkingSet {
  const nodeCount = state.nodes.length;
  if (nodeCount === 0) throw new IpallocInputError('the cluster has no nodes: give at least one node');
  const addresses = [...state.addresses].sort((a, b) => compareIp(b.address.address, a.address.address));
  const count = addresses.length;
  const keys = new Uint32Array(4 * count);
  const holder = new Int32Array(count).fill(NO_NODE);
  const canHost = new Uint8Array(count * nodeCount);
  const held = new Int32Array(nodeCount);
  const eligible = state.nodes.map(nodeMayHost);
  addresses.forEach((addr, i) => {
    const text = addr.address.address.text;
    if (i > 0 && compareIp(addresses[i - 1].address.address, addr.address.address) === 0) {
      throw new IpallocInputError(`address ${text} is given twice: list each address once`);
    }
    keys.set(addr.address.address.words, 4 * i);
    const known = new Set<Pnn>();
    for (const pnn of addr.known) {
      checkPnn(pnn, nodeCount, `address ${text}, known list`);
      known.add(pnn);
    }
    for (const pnn of addr.available) {
      checkPnn(pnn, nodeCount, `address ${text}, available list`);
      // Only a node that lists the address and has no flag may host it, whatever the caller says.
      if (known.has(pnn) && eligible[pnn]) canHost[i * nodeCount + pnn] = 1;
    }
    if (addr.holder !== NO_NODE) {
      checkPnn(addr.holder, nodeCount, `address ${text}, holder`);
      // CTDB trusts a node only about addresses it says it holds itself (create_merged_ip_list).
      if (known.has(addr.holder)) {
        holder[i] = addr.holder;
        held[addr.holder]++;
      }
    }
  });
  return { count, nodeCount, addresses, keys, holder, canHost, held, noIpTakeover: state.tunables.noIpTakeover };
}

export function setHolder(ws: WorkingSet, i: number, pnn: Pnn): void {
  const old = ws.holder[i];
  if (old !== NO_NODE) ws.held[old]--;
  if (pnn !== NO_NODE) ws.held[pnn]++;
  ws.holder[i] = pnn;
}

/** CTDB's can_node_host_ip: may the node keep the address. */
export function canNodeHost(ws: WorkingSet, pnn: Pnn, i: number): boolean {
  return ws.canHost[i * ws.nodeCount + pnn] === 1;
}

/** CTDB's can_node_takeover_ip: may the node gain the address (never under NoIPTakeover). */
export function canNodeTakeover(ws: WorkingSet, pnn: Pnn, i: number): boolean {
  return !ws.noIpTakeover && ws.canHost[i * ws.nodeCount + pnn] === 1;
}

/** CTDB's unassign_unsuitable_ips: drop every address from a node that may not host it. */
export function unassignUnsuitable(ws: WorkingSet): void {
  for (let i = 0; i < ws.count; i++) {
    const pnn = ws.holder[i];
    if (pnn !== NO_NODE && !canNodeHost(ws, pnn, i)) setHolder(ws, i, NO_NODE);
  }
}

/**
 * CTDB's find_takeover_node: among the nodes that may gain address i, the first (lowest PNN) of
 * those holding the fewest addresses; NO_NODE if none may.
 */
export function fewestAddressesNode(ws: WorkingSet, i: number): Pnn {
  let best = NO_NODE;
  let bestCount = 0;
  for (let pnn = 0; pnn < ws.nodeCount; pnn++) {
    if (!canNodeTakeover(ws, pnn, i)) continue;
    if (best === NO_NODE || ws.held[pnn] < bestCount) {
      best = pnn;
      bestCount = ws.held[pnn];
    }
  }
  return best;
}

/** CTDB's basic_allocate_unassigned: each unassigned address, in order, to the node with fewest. */
export function allocateUnassignedByCount(ws: WorkingSet): void {
  for (let i = 0; i < ws.count; i++) {
    if (ws.holder[i] !== NO_NODE) continue;
    const pnn = fewestAddressesNode(ws, i);
    if (pnn !== NO_NODE) setHolder(ws, i, pnn);
  }
}

/** The working copy's result as the public value. */
export function resultOf(ws: WorkingSet): { assignment: Map<string, Pnn>; unhosted: string[] } {
  const assignment = new Map<string, Pnn>();
  const unhosted: string[] = [];
  for (let i = 0; i < ws.count; i++) {
    const text = ws.addresses[i].address.address.text;
    assignment.set(text, ws.holder[i]);
    if (ws.holder[i] === NO_NODE) unhosted.push(text);
  }
  return { assignment, unhosted };
}
