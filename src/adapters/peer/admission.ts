// Whether an accepted mesh connection may start a handshake: one table of rules, first match refuses, with its reason.
//
// Handshake slots are per source: per node address and lane. The `reserved` lane is a
// source port below 1024, which only root can bind: our dialler takes one (options.ts,
// reservedSourcePorts), an unprivileged user on the same node cannot. So a flood from a
// node's address fills that address's `open` lane only: the other nodes keep their own
// slots, and the node's real daemon still finds its reserved ones free. The total cap
// applies to the open lanes, so a flood of many addresses cannot take the reserved slots.

import { Pnn } from '../../core/flags';

export type AdmissionLane = 'reserved' | 'open';

/** The first port an unprivileged process can bind (Linux's net.ipv4.ip_unprivileged_port_start default). */
export const FIRST_UNPRIVILEGED_PORT = 1024;

export interface AdmissionFacts {
  /** The node whose address the connection comes from; undefined: not an address in `nodes`. */
  readonly pnn: Pnn | undefined;
  readonly localPnn: Pnn;
  readonly lane: AdmissionLane;
  /** Handshakes under way from this node address in this lane. */
  readonly pendingFromSource: number;
  /** Handshakes under way in every open lane together. */
  readonly pendingOpen: number;
  readonly maxPendingPerSource: number;
  readonly maxPendingHandshakes: number;
}

export type Admission = { readonly ok: true } | { readonly ok: false; readonly code: string; readonly detail: string };

interface AdmissionRule {
  readonly code: string;
  readonly refuses: (facts: AdmissionFacts) => boolean;
  readonly detail: (facts: AdmissionFacts) => string;
}

/** First match refuses; one row per rule, each with why. */
export const ADMISSION_RULES: readonly AdmissionRule[] = [
  {
    // Only cluster nodes may connect: closed before it costs a slot.
    code: 'E_UNKNOWN_PEER',
    refuses: (f) => f.pnn === undefined,
    detail: () => 'the source is not an address in nodes: only cluster nodes may connect to the mesh',
  },
  {
    // Our own daemon never dials itself (and our guardian notifies only the peers): only a local process can.
    code: 'E_OWN_ADDRESS',
    refuses: (f) => f.pnn === f.localPnn,
    detail: () => 'the source is this node\'s own address: no floatip connection comes from there',
  },
  {
    // One source can hold only its own few slots, never the other nodes'.
    code: 'E_TOO_MANY_HANDSHAKES',
    refuses: (f) => f.pendingFromSource >= f.maxPendingPerSource,
    detail: (f) => `${f.pendingFromSource} connections from node ${f.pnn}'s address (${f.lane} source port) are already in their handshake `
      + `(limit ${f.maxPendingPerSource} per source): refused as a flood`,
  },
  {
    // All open lanes together stay bounded; reserved lanes are bounded by the node count.
    code: 'E_TOO_MANY_HANDSHAKES',
    refuses: (f) => f.lane === 'open' && f.pendingOpen >= f.maxPendingHandshakes,
    detail: (f) => `${f.pendingOpen} connections are already in their handshake (limit ${f.maxPendingHandshakes}): refused as a flood`,
  },
];

export function admit(facts: AdmissionFacts): Admission {
  for (const rule of ADMISSION_RULES) if (rule.refuses(facts)) return { ok: false, code: rule.code, detail: rule.detail(facts) };
  return { ok: true };
}

export function laneOf(remotePort: number | undefined): AdmissionLane {
  return remotePort !== undefined && remotePort < FIRST_UNPRIVILEGED_PORT ? 'reserved' : 'open';
}
