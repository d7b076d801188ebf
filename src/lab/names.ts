// Names of everything a lab creates, all derived from its prefix, so `down` can find leftovers by name alone.
//
// Every namespace and link is named `PREFIX-...`: a lab with prefix `flab` owns
// exactly the names starting with `flab-`, and two labs with different
// prefixes never touch each other's names. Linux caps interface names at 15
// characters, which bounds the prefix to 6 and the node count to 2 digits.

import { LabError } from './errors';

/** Lower-case letter, then up to 5 lower-case letters or digits. */
const PREFIX_FORM = /^[a-z][a-z0-9]{0,5}$/;

export const DEFAULT_PREFIX = 'flab';
export const MAX_NODES = 32;

/** Why `prefix` cannot name a lab, or undefined when it can. */
export function prefixProblem(prefix: string): string | undefined {
  if (PREFIX_FORM.test(prefix)) return undefined;
  return `prefix '${prefix}' must be 1 to 6 characters, a lower-case letter followed by lower-case letters or digits `
    + '(interface names are at most 15 characters and carry the prefix)';
}

export interface LabNames {
  readonly prefix: string;
  /** What every name of this lab starts with: the prefix and a dash. */
  readonly stem: string;
  /** Namespace of the switch: the bridges live here, so faults and partitions are made without touching the nodes. */
  readonly switchNamespace: string;
  readonly clientNamespace: string;
  /** Bridge of the private (mesh) network, in the switch namespace. */
  readonly privateBridge: string;
  /** Bridge of the public (client) network, in the switch namespace. */
  readonly publicBridge: string;
  /** The node's interface on the private network: the same name in every node namespace, like eth0 on real nodes. */
  readonly privateInterface: string;
  /** The node's (and the client's) interface on the public network. */
  readonly publicInterface: string;
  /** The switch's end of the client's veth. */
  readonly clientSwitchPort: string;
  nodeNamespace(pnn: number): string;
  /** The switch's end of node `pnn`'s private veth. */
  switchPrivatePort(pnn: number): string;
  /** The switch's end of node `pnn`'s public veth. */
  switchPublicPort(pnn: number): string;
  /** What the names of the partition bridges start with. */
  readonly partitionBridgeStem: string;
  /** Extra private bridge holding partition group `group` (group 0 stays on the private bridge). */
  partitionBridge(group: number): string;
}

export function labNames(prefix: string): LabNames {
  const problem = prefixProblem(prefix);
  if (problem !== undefined) throw new LabError('E_LAB_PLAN', problem);
  const stem = `${prefix}-`;
  return {
    prefix,
    stem,
    switchNamespace: `${stem}sw`,
    clientNamespace: `${stem}cl`,
    privateBridge: `${stem}priv`,
    publicBridge: `${stem}pub`,
    privateInterface: `${stem}priv`,
    publicInterface: `${stem}pub`,
    clientSwitchPort: `${stem}clpub`,
    nodeNamespace: (pnn) => `${stem}n${pnn}`,
    switchPrivatePort: (pnn) => `${stem}n${pnn}priv`,
    switchPublicPort: (pnn) => `${stem}n${pnn}pub`,
    partitionBridgeStem: `${stem}part`,
    partitionBridge: (group) => `${stem}part${group}`,
  };
}

/** True when `name` (a namespace or link) belongs to the lab with this prefix. */
export function belongsToLab(name: string, prefix: string): boolean {
  return name.startsWith(`${prefix}-`);
}

/** The `floatip lab VERB` command line for this prefix, for messages (the default prefix is left out). */
export function labCommandLine(verb: string, prefix: string): string {
  return `floatip lab ${verb}${prefix === DEFAULT_PREFIX ? '' : ` --prefix ${prefix}`}`;
}
