// One node's entry in the membership view: what is known of it, its flag word, and the changes it can undergo.

import { InterfaceLinks, LinkState, PublicAddress, usableInterfaces } from './address';
import { canHostWithFlags, formatFlags, NodeFlag, NodeFlags, Pnn } from './flags';

/** Everything known of one node. Flags are derived from these fields by `nodeFlags`. */
export interface NodeState {
  readonly pnn: Pnn;
  readonly local: boolean;
  readonly deleted: boolean;
  /** Always true for the local node: it is connected to itself. */
  readonly connected: boolean;
  /** Clock reading of the last accepted heartbeat (peers only). */
  readonly lastHeardAt: number | undefined;
  /** Sequence number of the last accepted heartbeat on the current stream, to drop stale or repeated ones. */
  readonly lastSeq: number | undefined;
  readonly unhealthy: boolean;
  readonly disabled: boolean;
  readonly stopped: boolean;
  readonly banned: boolean;
  /** Clock reading (ours) when the ban ends; undefined = until lifted explicitly. */
  readonly bannedUntil: number | undefined;
  /** Takeover epoch the node last reported, and the leader it follows in it. */
  readonly epoch: number;
  readonly leader: Pnn;
  /** Addresses the node says it holds: canonical text, ascending by address. */
  readonly hosted: readonly string[];
  readonly links: InterfaceLinks;
  /**
   * The nodes this peer last said it is connected to, itself included, ascending;
   * undefined until it says (and always for the local node, whose partition is computed).
   * A leader acts only when every member of its partition reports the same set (quorum.ts).
   */
  readonly reportedPartition: readonly Pnn[] | undefined;
  /**
   * Peers only: when this peer last heard us, in our clock, from its latest heartbeat
   * (arrival - its agoMs: later than the truth by that heartbeat's transit); undefined
   * when its latest heartbeat on the current stream does not list us. The fence counts a peer only while this is recent:
   * the peer declares us dead by its own hearing, not by ours (quorum.ts fence).
   */
  readonly heardUsAt: number | undefined;
}

/** The node's flag word, CTDB style. A deleted node is also DISCONNECTED: nobody talks to it. */
export function nodeFlags(node: NodeState): NodeFlags {
  if (node.deleted) return NodeFlag.DELETED | NodeFlag.DISCONNECTED;
  let flags = 0;
  if (!node.connected) flags |= NodeFlag.DISCONNECTED;
  if (node.unhealthy) flags |= NodeFlag.UNHEALTHY;
  if (node.disabled) flags |= NodeFlag.DISABLED;
  if (node.banned) flags |= NodeFlag.BANNED;
  if (node.stopped) flags |= NodeFlag.STOPPED;
  return flags;
}

/** True when the node may host `addr`: no flag, and link on one of the address's interfaces. */
export function canHostAddress(node: NodeState, addr: PublicAddress): boolean {
  return canHostWithFlags(nodeFlags(node)) && usableInterfaces(addr, node.links).length > 0;
}

/** Why a node's flags changed. */
/** `nodes`: the line was appended, uncommented or commented out (reloadnodes). */
export type FlagsCause = 'heartbeat' | 'stream-closed' | 'silence' | 'ban-expired' | 'admin' | 'health' | 'nodes';

export type MembershipChange =
  | { readonly kind: 'flags'; readonly pnn: Pnn; readonly before: NodeFlags; readonly after: NodeFlags; readonly cause: FlagsCause }
  | { readonly kind: 'link'; readonly pnn: Pnn; readonly iface: string; readonly before: LinkState | undefined; readonly after: LinkState | undefined }
  | { readonly kind: 'hosted'; readonly pnn: Pnn; readonly added: readonly string[]; readonly removed: readonly string[] }
  | { readonly kind: 'epoch'; readonly pnn: Pnn; readonly before: number; readonly after: number; readonly leader: Pnn }
  | { readonly kind: 'partition'; readonly pnn: Pnn; readonly before: readonly Pnn[] | undefined; readonly after: readonly Pnn[] | undefined };

/** One line per change, for logs and `floatip history`. */
export function describeChange(change: MembershipChange): string {
  switch (change.kind) {
    case 'flags':
      return `node ${change.pnn}: ${formatFlags(change.before)} -> ${formatFlags(change.after)} (${change.cause})`;
    case 'link':
      return `node ${change.pnn}: link ${change.iface} ${change.before ?? 'unknown'} -> ${change.after ?? 'gone'}`;
    case 'hosted':
      return `node ${change.pnn}: hosts ${[...change.added.map((a) => `+${a}`), ...change.removed.map((a) => `-${a}`)].join(' ')}`;
    case 'epoch':
      return `node ${change.pnn}: epoch ${change.before} -> ${change.after}, leader ${change.leader}`;
    case 'partition':
      return `node ${change.pnn}: reports partition ${change.before?.join(',') ?? 'unknown'} -> ${change.after?.join(',') ?? 'unknown'}`;
  }
}
