// The allocator worker's messages: address lines once per change, each state and each answer as typed arrays.
//
// Structured-cloning a whole AllocState of 1000 addresses (some 8000 small objects) on
// every allocation, and its answer back, cost the leader's event loop 10-100 ms in
// postMessage (issue 17). The address lines change only when a node's list does; what
// changes from one allocation to the next (who lists, who may host, who holds each
// address) fits in Int32Arrays, which are transferred rather than copied. Pure: both
// sides of the worker and the tests call these.

import { PublicAddress } from '../../core/address';
import { Pnn } from '../../core/flags';
import { AllocAddress, AllocResult, AllocState } from '../../core/ipalloc';

/** The address lines the next states refer to by index; `version` names them. */
export interface LinesJob {
  readonly kind: 'lines';
  readonly version: number;
  readonly lines: readonly PublicAddress[];
}

/** One state over the lines of `version`: address k's known nodes are known[knownAt[k]] .. known[knownAt[k + 1] - 1]. */
export interface AllocateJob extends Pick<AllocState, 'algorithm' | 'tunables' | 'nodes' | 'homeNodes' | 'forceRebalance'> {
  readonly kind: 'allocate';
  readonly id: number;
  readonly version: number;
  readonly known: Int32Array;
  readonly knownAt: Int32Array;
  readonly available: Int32Array;
  readonly availableAt: Int32Array;
  readonly holders: Int32Array;
}

export type AllocJob = LinesJob | AllocateJob;

/** The assignment in its own order: entry i is line `order[i]` held by `holders[i]`; unhosted addresses by line index. */
export type AllocAnswer =
  | { readonly id: number; readonly ok: true; readonly order: Int32Array; readonly holders: Int32Array; readonly unhosted: Int32Array }
  | { readonly id: number; readonly ok: false; readonly message: string };

/** A message and the buffers to transfer with it. */
export interface Framed<M> { readonly message: M; readonly transfer: ArrayBuffer[] }

/** The lines a state's addresses are on, in its order. */
export function linesOf(state: AllocState): PublicAddress[] {
  return state.addresses.map((a) => a.address);
}

export function encodeState(state: AllocState, id: number, version: number): Framed<AllocateJob> {
  const known = flatten(state.addresses, (a) => a.known);
  const available = flatten(state.addresses, (a) => a.available);
  const holders = Int32Array.from(state.addresses, (a) => a.holder);
  const message: AllocateJob = {
    kind: 'allocate', id, version, algorithm: state.algorithm, tunables: state.tunables, nodes: state.nodes,
    ...(state.homeNodes ? { homeNodes: state.homeNodes } : {}),
    ...(state.forceRebalance ? { forceRebalance: state.forceRebalance } : {}),
    known: known.items, knownAt: known.at, available: available.items, availableAt: available.at, holders,
  };
  return { message, transfer: [known.items.buffer, known.at.buffer, available.items.buffer, available.at.buffer, holders.buffer] as ArrayBuffer[] };
}

/** The state `encodeState` framed, over the lines it was framed with. */
export function decodeState(job: AllocateJob, lines: readonly PublicAddress[]): AllocState {
  if (job.holders.length !== lines.length) {
    throw new Error(`the state has ${job.holders.length} addresses but lines version ${job.version} has ${lines.length}`);
  }
  const addresses = lines.map((address, k): AllocAddress => ({
    address,
    known: [...job.known.subarray(job.knownAt[k], job.knownAt[k + 1])],
    available: [...job.available.subarray(job.availableAt[k], job.availableAt[k + 1])],
    holder: job.holders[k],
  }));
  return {
    algorithm: job.algorithm, tunables: job.tunables, nodes: job.nodes, addresses,
    ...(job.homeNodes ? { homeNodes: job.homeNodes } : {}),
    ...(job.forceRebalance ? { forceRebalance: job.forceRebalance } : {}),
  };
}

/** Line index by address text, for `encodeResult`: built once per lines version. */
export function lineIndex(lines: readonly PublicAddress[]): Map<string, number> {
  return new Map(lines.map((line, k) => [line.address.text, k]));
}

export function encodeResult(id: number, result: AllocResult, index: ReadonlyMap<string, number>): Framed<AllocAnswer> {
  const at = (text: string): number => {
    const k = index.get(text);
    if (k === undefined) throw new Error(`the allocator answered for ${text}, which is not among the lines`);
    return k;
  };
  const order = Int32Array.from(result.assignment.keys(), at);
  const holders = Int32Array.from(result.assignment.values());
  const unhosted = Int32Array.from(result.unhosted, at);
  return { message: { id, ok: true, order, holders, unhosted }, transfer: [order.buffer, holders.buffer, unhosted.buffer] as ArrayBuffer[] };
}

export function decodeResult(answer: Extract<AllocAnswer, { ok: true }>, lines: readonly PublicAddress[]): AllocResult {
  const assignment = new Map<string, Pnn>();
  answer.order.forEach((k, i) => assignment.set(lines[k].address.text, answer.holders[i]));
  return { assignment, unhosted: Array.from(answer.unhosted, (k) => lines[k].address.text) };
}

function flatten(addresses: readonly AllocAddress[], field: (a: AllocAddress) => readonly Pnn[]): { items: Int32Array; at: Int32Array } {
  const at = new Int32Array(addresses.length + 1);
  let total = 0;
  addresses.forEach((a, k) => {
    at[k] = total;
    total += field(a).length;
  });
  at[addresses.length] = total;
  const items = new Int32Array(total);
  addresses.forEach((a, k) => items.set(field(a), at[k]));
  return { items, at };
}
