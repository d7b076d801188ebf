// Typed errors of the membership view: a stable code, the facts, and a message that says what to do.

import { Pnn } from './flags';

export type MembershipErrorCode = 'E_ILLEGAL_TRANSITION' | 'E_UNKNOWN_NODE' | 'E_BAD_OBSERVATION' | 'E_BAD_MEMBERSHIP_CONFIG';

export abstract class MembershipError extends Error {
  abstract readonly code: MembershipErrorCode;
}

/**
 * An observation that the node's current state does not allow, e.g. a health
 * report about a peer (peers report their own health in their heartbeats) or
 * anything about a DELETED node. `allowed` lists what that state does accept.
 */
export class IllegalTransitionError extends MembershipError {
  readonly code = 'E_ILLEGAL_TRANSITION';
  constructor(
    readonly pnn: Pnn,
    readonly state: string,
    readonly observation: string,
    readonly allowed: readonly string[],
    hint: string,
  ) {
    const allowedText = allowed.length === 0 ? 'none' : allowed.join(', ');
    super(`node ${pnn} is ${state}: a '${observation}' observation is not allowed (allowed: ${allowedText}). ${hint}`);
    this.name = 'IllegalTransitionError';
  }
}

/** An observation about a node number that is not a line of the nodes file. */
export class UnknownNodeError extends MembershipError {
  readonly code = 'E_UNKNOWN_NODE';
  constructor(readonly pnn: Pnn, readonly nodeCount: number) {
    super(`node ${pnn} is not in the nodes file (it has nodes 0..${nodeCount - 1}): `
      + 'make the nodes file identical on every node');
    this.name = 'UnknownNodeError';
  }
}

/** An observation whose contents make no sense (unknown flag bits, a ban that ends before it starts). */
export class BadObservationError extends MembershipError {
  readonly code = 'E_BAD_OBSERVATION';
  constructor(readonly pnn: Pnn | undefined, readonly field: string, detail: string) {
    super(`${pnn === undefined ? 'observation' : `observation about node ${pnn}`}: ${field} ${detail}`);
    this.name = 'BadObservationError';
  }
}

/** A membership configuration that cannot describe a cluster (local node deleted, gaps in numbers). */
export class BadMembershipConfigError extends MembershipError {
  readonly code = 'E_BAD_MEMBERSHIP_CONFIG';
  constructor(readonly field: string, detail: string) {
    super(`membership config: ${field} ${detail}`);
    this.name = 'BadMembershipConfigError';
  }
}
