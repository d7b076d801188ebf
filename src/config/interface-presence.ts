// Public addresses on interfaces this node does not have: warnings with file:line, from the address list and the kernel's interface names.
//
// A warning, not a refusal: a bond or VLAN may be brought up after floatipd, and the
// kernel's link events put it to use as soon as it appears. Until then no address goes
// on a missing interface; an address with none of its interfaces here is simply not
// hostable on this node (the other nodes that list it can host it), and the node stays
// healthy for its other addresses. The caller (the daemon) reads the interface names.

import { PublicAddress } from '../core/address';
import { ConfigIssue } from './issues';

/** One way a line's interfaces can be missing, and what the warning says about it. */
interface PresenceRule {
  readonly applies: (missing: readonly string[], present: readonly string[]) => boolean;
  readonly message: (address: string, missing: readonly string[], present: readonly string[]) => string;
}

const names = (list: readonly string[]): string => list.join(', ');
const WHAT_TO_DO = 'create the interface (floatipd uses it as soon as it appears) or remove it from this line';

/** First row that applies wins; a line whose interfaces all exist matches none. */
const PRESENCE_RULES: readonly PresenceRule[] = [
  {
    // Nothing here can carry the address: not hostable on this node, which stays healthy for the rest.
    applies: (missing, present) => missing.length > 0 && present.length === 0,
    message: (address, missing) => `${missing.length === 1 ? `interface ${missing[0]} does not exist` : `none of the interfaces ${names(missing)} exists`} `
      + `on this node, so this node cannot host ${address} (other nodes that list it can): ${WHAT_TO_DO}`,
  },
  {
    // The address can still go on the ones that exist.
    applies: (missing) => missing.length > 0,
    message: (address, missing, present) => `${missing.length === 1 ? `interface ${missing[0]} does` : `interfaces ${names(missing)} do`} `
      + `not exist on this node; ${address} can use only ${names(present)} here until it appears: ${WHAT_TO_DO}`,
  },
];

/**
 * A W_PUBLIC_INTERFACE_MISSING warning for each line of `public_addresses` that names an
 * interface not in `existing`. `lines[i]` is the line of `addresses[i]` in `file`.
 */
export function missingInterfaceWarnings(file: string, addresses: readonly PublicAddress[], lines: readonly number[],
  existing: ReadonlySet<string>): ConfigIssue[] {
  const warnings: ConfigIssue[] = [];
  addresses.forEach((entry, index) => {
    const missing = entry.interfaces.filter((name) => !existing.has(name));
    const present = entry.interfaces.filter((name) => existing.has(name));
    const rule = PRESENCE_RULES.find((r) => r.applies(missing, present));
    if (rule === undefined) return;
    const line = lines[index];
    warnings.push({
      code: 'W_PUBLIC_INTERFACE_MISSING', file, ...(line !== undefined ? { line } : {}),
      message: rule.message(`${entry.address.text}/${entry.bits}`, missing, present),
    });
  });
  return warnings;
}
