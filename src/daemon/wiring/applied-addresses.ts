// Writes the public addresses floatipd applied, in public_addresses' own format, for event scripts (FLOATIP_PUBLIC_ADDRESSES).

import { promises as fs } from 'node:fs';
import { PublicAddress } from '../../core/address';

export function appliedAddressesText(list: readonly PublicAddress[]): string {
  return '# Written by floatipd: the public addresses this node applies now (public_addresses as loaded, reloaded, addip/delip).\n'
    + list.map((line) => `${line.address.text}/${line.bits} ${line.interfaces.join(',')}\n`).join('');
}

/** Whole or not at all: a script reading it never sees half a list (a new file renamed over the old). */
export async function writeAppliedAddresses(path: string, list: readonly PublicAddress[]): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`;
  await fs.writeFile(temporary, appliedAddressesText(list), { mode: 0o644 });
  await fs.rename(temporary, path);
}
