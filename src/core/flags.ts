// Node numbers and node flags, with CTDB's names and bit values.

/** A node's number: its line number in `nodes`, counted from 0 (CTDB's PNN). */
export type Pnn = number;

/** "No node": an address nobody hosts. */
export const NO_NODE: Pnn = -1;

/**
 * Node flag bits. The values are CTDB's (ctdb_protocol.h), so that flag words
 * from CTDB's tests and tools mean the same here. `DISABLED` is CTDB's
 * PERMANENTLY_DISABLED: set by an administrator with `floatip disable`.
 */
export const NodeFlag = {
  DISCONNECTED: 0x01,
  UNHEALTHY: 0x02,
  DISABLED: 0x04,
  BANNED: 0x08,
  DELETED: 0x10,
  STOPPED: 0x20,
} as const;

export type NodeFlagName = keyof typeof NodeFlag;
export type NodeFlags = number;

/** CTDB's NODE_FLAGS_INACTIVE: the node is not a working member of the cluster. */
export const INACTIVE: NodeFlags = NodeFlag.DISCONNECTED | NodeFlag.BANNED | NodeFlag.DELETED | NodeFlag.STOPPED;
/** CTDB's NODE_FLAGS_DISABLED: a member, but not allowed to host addresses. */
export const DISABLED_ANY: NodeFlags = NodeFlag.UNHEALTHY | NodeFlag.DISABLED;
/** Every flag we know; other bits in a flag word are an error. */
export const ALL_FLAGS: NodeFlags = INACTIVE | DISABLED_ANY;

/**
 * The flags a node decides about itself, the only ones its heartbeat may carry: DISCONNECTED
 * and DELETED are only ever concluded by others. One rule for the wire codec (which refuses
 * other bits) and the membership view (which refuses an observation carrying them).
 */
export const SELF_REPORTED_FLAGS: NodeFlags = NodeFlag.UNHEALTHY | NodeFlag.DISABLED | NodeFlag.STOPPED | NodeFlag.BANNED;
/** SELF_REPORTED_FLAGS in words, for the messages that refuse other bits. */
export const SELF_REPORTED_FLAG_NAMES = 'UNHEALTHY, DISABLED, STOPPED and BANNED';

/** True when `flags` has no bit but the self-reported ones. */
export function isSelfReported(flags: NodeFlags): boolean {
  return (flags & ~SELF_REPORTED_FLAGS) === 0;
}

export const FLAG_NAMES: readonly NodeFlagName[] = ['DISCONNECTED', 'UNHEALTHY', 'DISABLED', 'BANNED', 'DELETED', 'STOPPED'];

/** True when a node with these flags may host public addresses (no flag at all). */
export function canHostWithFlags(flags: NodeFlags): boolean {
  return (flags & (INACTIVE | DISABLED_ANY)) === 0;
}

/** True when a node with these flags takes part in the cluster (counts for the leader choice). */
export function isActive(flags: NodeFlags): boolean {
  return (flags & INACTIVE) === 0;
}

/** `UNHEALTHY|BANNED` style text, or `OK` when no flag is set. */
export function formatFlags(flags: NodeFlags): string {
  const names = FLAG_NAMES.filter((name) => (flags & NodeFlag[name]) !== 0);
  return names.length === 0 ? 'OK' : names.join('|');
}

export function hasFlag(flags: NodeFlags, name: NodeFlagName): boolean {
  return (flags & NodeFlag[name]) !== 0;
}
