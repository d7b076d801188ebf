// Injects "an address added by hand on a second node" into a lab, and takes it away: the fault duplicate detection must find.
//
// The address goes on the node's public interface with `ip addr add`, untagged, exactly as
// an administrator's mistake would: floatip on that node neither owns nor removes it, so
// its kernel answers ARP / neighbour solicitations for it beside the real holder. IPv6
// is added with `nodad`, or the kernel's own DAD would see the holder and never use it.

import { LabError } from './errors';
import { LabPlan, nodeOf } from './plan';
import { ipIn } from './shell';

/** A hand-added duplicate in place: what removeHandDuplicate needs to undo it. */
export interface HandDuplicate {
  readonly pnn: number;
  readonly namespace: string;
  readonly iface: string;
  /** `ADDRESS/BITS` as `ip addr` takes it. */
  readonly prefix: string;
}

/** Adds public address `address` (text, one of the lab's) on node `pnn`'s public interface, by hand. */
export async function addHandDuplicate(plan: LabPlan, pnn: number, address: string): Promise<HandDuplicate> {
  const line = plan.publicAddresses.find((a) => a.address.text === address);
  if (!line) {
    throw new LabError('E_LAB_FAULT', `${address} is not a public address of lab ${plan.names.prefix}: pick one from \`floatip ip\``);
  }
  const node = nodeOf(plan, pnn);
  const duplicate: HandDuplicate = { pnn, namespace: node.namespace, iface: plan.names.publicInterface, prefix: `${line.address.text}/${line.bits}` };
  await ipIn(duplicate.namespace, 'addr', 'add', duplicate.prefix, 'dev', duplicate.iface, ...(line.address.family === 6 ? ['nodad'] : []));
  return duplicate;
}

/** Removes what addHandDuplicate added; a node that was torn down meanwhile has nothing left to remove. */
export async function removeHandDuplicate(duplicate: HandDuplicate): Promise<void> {
  try {
    await ipIn(duplicate.namespace, 'addr', 'del', duplicate.prefix, 'dev', duplicate.iface);
  } catch (error) {
    if (/Cannot find device|Cannot assign requested address|No such file or directory|Invalid netns/i.test((error as Error).message)) return;
    throw error;
  }
}
