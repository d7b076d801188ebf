// A change of the `nodes` file at run time (reloadnodes): which lines join and leave, which edits are refused, and when a node may leave.
//
// CTDB's rules (ctdb reloadnodes): node numbers are line numbers and never shift, so a new
// node is a line appended at the end and a node leaves by having its line commented out
// ("#"); a line that changes its address, or a file that lost lines at its end, would
// give a running node another node's number: refused. A deleted line may come back (the
// node rejoins under its old number). A node may leave only when it holds no address and
// is disconnected or stopped, as CTDB refuses to delete a connected node: the leaving
// node's addresses must have moved away first, or they would stay on a node nobody counts.

import { Pnn } from './flags';
import { claimedHolders, MembershipView } from './membership';

/** One line of `nodes`: the private address text, or null for a `#` line. */
export interface NodeLine {
  readonly pnn: Pnn;
  readonly address: string | null;
  readonly deleted: boolean;
}

export interface NodeSetChange {
  /** Lines that became live: appended, or a `#` line uncommented. */
  readonly added: readonly Pnn[];
  /** Live lines commented out. */
  readonly removed: readonly Pnn[];
  /** Edits CTDB's rules refuse, one sentence each; the change applies only when there are none. */
  readonly problems: readonly string[];
}

/** The line's words for messages: its address, or `#`. */
function shown(line: NodeLine | undefined): string {
  if (line === undefined) return 'no line';
  return line.deleted ? '#' : line.address ?? '?';
}

/** What changes from `current` to `next`, and what of it is refused. */
export function compareNodeSets(current: readonly NodeLine[], next: readonly NodeLine[]): NodeSetChange {
  const added: Pnn[] = [];
  const removed: Pnn[] = [];
  const problems: string[] = [];
  if (next.length < current.length) {
    problems.push(`the new nodes file has ${next.length} line(s), the running cluster ${current.length}: `
      + 'lines are never removed (node numbers would shift); put "#" in front of a node\'s line instead');
  }
  for (let pnn = 0; pnn < next.length; pnn++) {
    const before = current[pnn];
    const after = next[pnn];
    if (before === undefined) {
      if (!after.deleted) added.push(pnn);
      continue;
    }
    if (before.deleted && !after.deleted) added.push(pnn);
    else if (!before.deleted && after.deleted) removed.push(pnn);
    else if (!before.deleted && !after.deleted && before.address !== after.address) {
      problems.push(`line ${pnn + 1} (node ${pnn}) changed from ${shown(before)} to ${shown(after)}: a node keeps its address; `
        + 'comment the old line out and append the new address as a new line');
    }
  }
  return { added, removed, problems };
}

/** The same lines in the same order: what every node must read before a change applies. */
export function sameNodeSet(a: readonly NodeLine[], b: readonly NodeLine[]): boolean {
  return a.length === b.length && a.every((line, i) => line.deleted === b[i].deleted && (line.deleted || line.address === b[i].address));
}

/** The first line where two node lists differ, in words ("line 4: 192.0.2.4 here, # on node 0"), or undefined. */
export function firstDifference(mine: readonly NodeLine[], theirs: readonly NodeLine[], theirName: string): string | undefined {
  for (let i = 0; i < Math.max(mine.length, theirs.length); i++) {
    const a = mine[i];
    const b = theirs[i];
    const same = a !== undefined && b !== undefined && a.deleted === b.deleted && (a.deleted || a.address === b.address);
    if (!same) return `line ${i + 1}: ${shown(a)} here, ${shown(b)} on ${theirName}`;
  }
  return undefined;
}

/** What the leaving rule needs to know of a node. */
export interface LeavingNode {
  readonly pnn: Pnn;
  readonly local: boolean;
  readonly connected: boolean;
  readonly stopped: boolean;
  /**
   * Addresses it holds: what it says, when connected; when disconnected, those it said last
   * that no connected node holds now (not moved away yet: its fence removed them, but nobody
   * serves them until a run places them elsewhere).
   */
  readonly holds: number;
}

/** The leaving rule's facts about `pnn`, from this node's view. */
export function leavingNodeOf(view: MembershipView, pnn: Pnn): LeavingNode {
  const node = view.nodes[pnn];
  const holders = claimedHolders(view);
  const holds = node.connected ? node.hosted.length : node.hosted.filter((address) => !holders.has(address)).length;
  return { pnn, local: node.local, connected: node.connected, stopped: node.stopped, holds };
}

export interface LeavingRule {
  readonly name: string;
  /** Why the rule exists. */
  readonly because: string;
  /** The refusal, or undefined when the rule lets the node leave. */
  readonly check: (node: LeavingNode) => string | undefined;
}

/** Checked in order; the first refusal decides. */
export const LEAVING_RULES: readonly LeavingRule[] = [
  {
    name: 'not-self',
    because: 'the node that runs the command coordinates it: it cannot take itself out of the mesh it speaks through',
    check: (n) => (n.local ? `node ${n.pnn} is this node: run \`floatip reloadnodes\` on another node` : undefined),
  },
  {
    name: 'stopped-or-gone',
    because: 'CTDB refuses to delete a connected node: a running member would keep talking to a cluster that no longer counts it',
    check: (n) => (n.connected && !n.stopped
      ? `node ${n.pnn} is connected and not stopped: run \`floatip -n ${n.pnn} stop\` (or stop floatipd there) first` : undefined),
  },
  {
    name: 'holds-nothing',
    because: 'an address on a node nobody counts would never be moved, and could be taken by another node while it still answers',
    check: (n) => (n.holds > 0 ? `node ${n.pnn} still holds ${n.holds} address(es): wait until \`floatip ip\` shows none on it` : undefined),
  },
];

/** Why `node` may not leave now, or undefined. */
export function leavingRefusal(node: LeavingNode): string | undefined {
  for (const rule of LEAVING_RULES) {
    const refusal = rule.check(node);
    if (refusal !== undefined) return refusal;
  }
  return undefined;
}
