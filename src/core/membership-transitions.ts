// The legal transitions of a node in the membership view: which observations each role accepts, as one table.

import { IllegalTransitionError } from './membership-errors';
import { NodeState } from './membership-node';
import { NodeObservationKind } from './membership-observations';

/** What a node is, as far as legal observations go. */
export type NodeRole = 'local' | 'connected' | 'disconnected' | 'deleted';

/**
 * The legal transitions: role -> observation kind -> role after it. Anything
 * missing is illegal. Why each row is what it is:
 * - local: facts about ourselves come from our own monitor, netlink, admin
 *   commands and executor; we never get a heartbeat or stream from ourselves.
 * - peers: everything about a peer comes from its own heartbeats, so the
 *   sender is the only authority on its flags, health, links and addresses
 *   (no node can mark another unhealthy). A heartbeat connects; a closed
 *   stream disconnects (a second one is a harmless duplicate).
 * - deleted: a commented-out line of the nodes file; it never changes.
 * The clock adds one more: connected -> disconnected after dead_after of silence.
 */
export const TRANSITIONS: Readonly<Record<NodeRole, Readonly<Partial<Record<NodeObservationKind, NodeRole>>>>> = {
  local: { health: 'local', link: 'local', admin: 'local', hosting: 'local', epoch: 'local' },
  connected: { heartbeat: 'connected', 'stream-closed': 'disconnected' },
  disconnected: { heartbeat: 'connected', 'stream-closed': 'disconnected' },
  deleted: {},
};

const ILLEGAL_HINT: Readonly<Record<NodeRole, string>> = {
  local: 'The local node is always connected to itself; a frame carrying our own node number means two '
    + 'nodes use the same one: check the nodes file and each node\'s private address.',
  connected: 'A peer\'s health, links, flags, addresses and epoch come only from its own heartbeats: '
    + 'send the command to that node.',
  disconnected: 'A peer\'s health, links, flags, addresses and epoch come only from its own heartbeats: '
    + 'send the command to that node.',
  deleted: 'It is commented out in the nodes file and never changes: if it runs, stop it, or uncomment '
    + 'its line on every node.',
};

/** A node's row in TRANSITIONS. */
export function roleOf(node: NodeState): NodeRole {
  if (node.deleted) return 'deleted';
  if (node.local) return 'local';
  return node.connected ? 'connected' : 'disconnected';
}

/** Throws an IllegalTransitionError, naming what is allowed, when the table has no row for this observation. */
export function checkTransition(node: NodeState, kind: NodeObservationKind): void {
  const role = roleOf(node);
  const allowed = TRANSITIONS[role];
  if (allowed[kind] === undefined) {
    throw new IllegalTransitionError(node.pnn, describeRole(node), kind, Object.keys(allowed), ILLEGAL_HINT[role]);
  }
}

function describeRole(node: NodeState): string {
  if (node.deleted) return 'DELETED';
  if (node.local) return 'the local node';
  return node.connected ? 'connected' : 'DISCONNECTED';
}
