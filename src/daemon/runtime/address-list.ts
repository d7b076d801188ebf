// What a new public_addresses list changes on this node (added, removed, changed lines, what to let go), and the list as peers hear it.

import { PublicAddress } from '../../core/address';
import { Pnn } from '../../core/flags';
import { PublicAddressesMessage } from '../../protocol/frame-messages';
import { HeldAddress } from './hosting';

export interface AddressListChange {
  readonly added: readonly string[];
  readonly removed: readonly string[];
  /** Same address, other prefix length or interfaces. */
  readonly changed: readonly string[];
  /** Held addresses this node may no longer hold where they are: gone from the list, or their interface is. */
  readonly release: readonly HeldAddress[];
}

export function applyAddressList(before: readonly PublicAddress[], after: readonly PublicAddress[], held: readonly HeldAddress[]): AddressListChange {
  const old = new Map(before.map((l) => [l.address.text, l]));
  const next = new Map(after.map((l) => [l.address.text, l]));
  const added = [...next.keys()].filter((a) => !old.has(a));
  const removed = [...old.keys()].filter((a) => !next.has(a));
  const changed = [...next].filter(([a, l]) => {
    const o = old.get(a);
    return o !== undefined && (o.bits !== l.bits || o.interfaces.join(',') !== l.interfaces.join(','));
  }).map(([a]) => a);
  const release = held.filter((h) => {
    const line = next.get(h.address.text);
    return line === undefined || line.bits !== h.bits || !line.interfaces.includes(h.iface);
  });
  return { added, removed, changed, release };
}

/** This node's list as its PUBLIC-ADDRESSES message, for a peer that came up or after a change. */
export function addressListMessage(pnn: Pnn, list: readonly PublicAddress[]): PublicAddressesMessage {
  return { kind: 'public-addresses', pnn, addresses: list.map((l) => ({ address: l.address, bits: l.bits, interfaces: l.interfaces })) };
}
