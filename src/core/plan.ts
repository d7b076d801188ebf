// Takeover plan: current and target assignment in, the ordered release / take / updateip / ipreallocated actions out.
//
// The order is the takeover run of DESIGN.md: every release first (so no
// address is ever on two nodes), then the takes and interface moves, then
// `ipreallocated` on every node. Within a phase actions are sorted by node
// number, then by address, so the same inputs always give the same plan.

import { Assignment, InterfaceLinks, PublicAddress, usableInterfaces } from './address';
import { NO_NODE, Pnn } from './flags';
import { compareIp, IpAddress, parseIp } from './ip';

/** One node as the plan needs it: its own public_addresses, its links, and where its addresses sit now. */
export interface PlanNode {
  readonly pnn: Pnn;
  /** This node's `public_addresses`, keyed by canonical address text. */
  readonly addresses: ReadonlyMap<string, PublicAddress>;
  readonly links: InterfaceLinks;
  /** The interface each address this node holds is on now (from the kernel), keyed by address text. */
  readonly interfaceOf?: ReadonlyMap<string, string>;
}

export interface PlanInput {
  readonly current: Assignment;
  readonly target: Assignment;
  /** The nodes taking part in the run: each gets `ipreallocated`. */
  readonly nodes: readonly PlanNode[];
  /**
   * Lines whose address is parsed already, by canonical text (the leader's run: its configured
   * lines, parsed when each list arrived). A key not in it is parsed and checked here; parsing
   * a thousand keys again on every run cost the leader's event loop 70-90 ms (issue 17).
   */
  readonly listed?: ReadonlyMap<string, { readonly address: IpAddress }>;
}

/** `releaseip IFACE IP BITS`. `iface` is undefined when nobody knows where the address sits. */
export interface ReleaseAction { readonly kind: 'release'; readonly pnn: Pnn; readonly address: string; readonly bits: number; readonly iface: string | undefined }
/** `takeip IFACE IP BITS`: the first interface of the address, in configured order, with link. */
export interface TakeAction { readonly kind: 'take'; readonly pnn: Pnn; readonly address: string; readonly bits: number; readonly iface: string }
/** `updateip OLDIFACE NEWIFACE IP BITS`: the holder keeps the address but its interface lost link. */
export interface UpdateIpAction {
  readonly kind: 'updateip'; readonly pnn: Pnn; readonly address: string; readonly bits: number;
  readonly fromIface: string; readonly toIface: string;
}
export interface IpreallocatedAction { readonly kind: 'ipreallocated'; readonly pnn: Pnn }
export type TakeoverAction = ReleaseAction | TakeAction | UpdateIpAction | IpreallocatedAction;

export type PlanProblemCode = 'E_TARGET_UNKNOWN_NODE' | 'E_TARGET_NOT_CONFIGURED' | 'E_NO_USABLE_INTERFACE';

/** An address the plan cannot put where the target says; it stays unhosted (or where it is, if unmoved). */
export interface PlanProblem {
  readonly code: PlanProblemCode;
  readonly pnn: Pnn;
  readonly address: string;
  readonly message: string;
}

export interface TakeoverPlan {
  readonly release: readonly ReleaseAction[];
  readonly take: readonly (TakeAction | UpdateIpAction)[];
  readonly ipreallocated: readonly IpreallocatedAction[];
  readonly problems: readonly PlanProblem[];
}

/** Input the plan cannot work with at all: an address key that is not an address, a node listed twice. */
export class PlanInputError extends Error {
  readonly code = 'E_BAD_PLAN_INPUT';
  constructor(message: string) {
    super(message);
    this.name = 'PlanInputError';
  }
}

export function planTakeover(input: PlanInput): TakeoverPlan {
  const nodes = new Map<Pnn, PlanNode>();
  for (const node of input.nodes) {
    if (nodes.has(node.pnn)) throw new PlanInputError(`node ${node.pnn} is listed twice in the plan input: list each node once`);
    nodes.set(node.pnn, node);
  }
  const addresses = [...new Set([...input.current.keys(), ...input.target.keys()])].map((text) => input.listed?.get(text)?.address ?? parseAddressKey(text));
  addresses.sort(compareIp);

  const release: ReleaseAction[] = [];
  const take: (TakeAction | UpdateIpAction)[] = [];
  const problems: PlanProblem[] = [];
  for (const addr of addresses) {
    const address = addr.text;
    const holder = input.current.get(address) ?? NO_NODE;
    const owner = input.target.get(address) ?? NO_NODE;
    if (holder !== NO_NODE && holder === owner) {
      const move = interfaceMove(nodes.get(owner), address, problems);
      if (move) take.push(move);
      continue;
    }
    if (holder !== NO_NODE) release.push(releaseAction(nodes, holder, addr));
    if (owner !== NO_NODE) {
      const action = takeAction(nodes.get(owner), owner, address, problems);
      if (action) take.push(action);
    }
  }
  // Actions were pushed in address order and Array.prototype.sort is stable, so
  // sorting by node alone gives node-then-address order without re-parsing.
  const byNode = (a: { pnn: Pnn }, b: { pnn: Pnn }): number => a.pnn - b.pnn;
  release.sort(byNode);
  take.sort(byNode);
  const ipreallocated = [...nodes.keys()].sort((a, b) => a - b).map((pnn): IpreallocatedAction => ({ kind: 'ipreallocated', pnn }));
  return { release, take, ipreallocated, problems };
}

/** Every action in run order: releases, then takes and interface moves, then ipreallocated. */
export function planSteps(plan: TakeoverPlan): TakeoverAction[] {
  return [...plan.release, ...plan.take, ...plan.ipreallocated];
}

/** The actions one node performs, in run order. */
export function actionsFor(plan: TakeoverPlan, pnn: Pnn): TakeoverAction[] {
  return planSteps(plan).filter((action) => action.pnn === pnn);
}

/** The assignment after the plan ran, with only hosted addresses in it (unhosted ones are left out). */
export function applyPlan(current: Assignment, plan: TakeoverPlan): Map<string, Pnn> {
  const after = new Map(current);
  for (const action of plan.release) {
    if (after.get(action.address) === action.pnn) after.delete(action.address);
  }
  for (const action of plan.take) {
    if (action.kind === 'take') after.set(action.address, action.pnn);
  }
  return hostedOnly(after);
}

/** The hosted entries of an assignment: an address mapped to NO_NODE is the same as one left out. */
export function hostedOnly(assignment: Assignment): Map<string, Pnn> {
  return new Map([...assignment].filter(([, pnn]) => pnn !== NO_NODE));
}

function parseAddressKey(text: string): IpAddress {
  const parsed = parseIp(text);
  if (!parsed.ok) throw new PlanInputError(`assignment key '${text}': ${parsed.error}; keys are canonical address text`);
  if (parsed.value.text !== text) {
    throw new PlanInputError(`assignment key '${text}' is not canonical: write it as '${parsed.value.text}'`);
  }
  return parsed.value;
}

function hostPrefixBits(addr: IpAddress): number {
  return addr.family === 4 ? 32 : 128;
}

/**
 * Release with what the holder knows: the interface the address is on, else
 * the first one it configures for it. Bits come from the holder's line, else
 * from any node's line, else a host prefix (an address nobody lists any more).
 */
function releaseAction(nodes: ReadonlyMap<Pnn, PlanNode>, holder: Pnn, addr: IpAddress): ReleaseAction {
  const node = nodes.get(holder);
  const own = node?.addresses.get(addr.text);
  const anyLine = own ?? [...nodes.values()].map((n) => n.addresses.get(addr.text)).find((line) => line !== undefined);
  const iface = node?.interfaceOf?.get(addr.text) ?? own?.interfaces[0];
  return { kind: 'release', pnn: holder, address: addr.text, bits: anyLine?.bits ?? hostPrefixBits(addr), iface };
}

function takeAction(node: PlanNode | undefined, owner: Pnn, address: string, problems: PlanProblem[]): TakeAction | undefined {
  if (!node) {
    problems.push({ code: 'E_TARGET_UNKNOWN_NODE', pnn: owner, address,
      message: `${address} is assigned to node ${owner}, which is not in this takeover run: it stays unhosted; `
        + 'the allocator must only choose nodes of the run' });
    return undefined;
  }
  const line = node.addresses.get(address);
  if (!line) {
    problems.push({ code: 'E_TARGET_NOT_CONFIGURED', pnn: owner, address,
      message: `${address} is assigned to node ${owner}, whose public_addresses does not list it: it stays unhosted; `
        + 'add it to that node\'s public_addresses or fix the allocator input' });
    return undefined;
  }
  const usable = usableInterfaces(line, node.links);
  if (usable.length === 0) {
    problems.push({ code: 'E_NO_USABLE_INTERFACE', pnn: owner, address,
      message: `${address} is assigned to node ${owner}, but none of its interfaces (${line.interfaces.join(', ')}) has link: `
        + 'it stays unhosted; check the cables or the interface names in public_addresses' });
    return undefined;
  }
  return { kind: 'take', pnn: owner, address, bits: line.bits, iface: usable[0] };
}

/**
 * The address stays on its node. Move it (CTDB's updateip) only when the
 * interface it is on has lost link and another of its interfaces has link;
 * an address on a working interface stays put even if an earlier one in the
 * list came back, because a move costs clients a gratuitous ARP round.
 */
function interfaceMove(node: PlanNode | undefined, address: string, problems: PlanProblem[]): UpdateIpAction | undefined {
  if (!node) return undefined; // a holder outside the run keeps what it has; nothing to plan for it
  const line = node.addresses.get(address);
  const on = node.interfaceOf?.get(address);
  if (!line || on === undefined || node.links.get(on) === 'up') return undefined;
  const usable = usableInterfaces(line, node.links);
  if (usable.length === 0) {
    problems.push({ code: 'E_NO_USABLE_INTERFACE', pnn: node.pnn, address,
      message: `${address} stays on node ${node.pnn}, but none of its interfaces (${line.interfaces.join(', ')}) has link: `
        + 'check the cables; the allocator should move it to a node with link' });
    return undefined;
  }
  return { kind: 'updateip', pnn: node.pnn, address, bits: line.bits, fromIface: on, toIface: usable[0] };
}
