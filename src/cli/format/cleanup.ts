// Human text for `floatip cleanup`: the addresses it removed.

import { compareIp, parseIp } from '../../core/ip';
import { formatTable } from '../../client/format/table';

export interface RemovedAddress {
  readonly interface: string;
  readonly address: string;
  readonly bits: number;
}

/** Sorted by interface then address, so two runs print alike whatever order the kernel used. */
export function formatAddressList(removed: readonly RemovedAddress[]): string {
  if (removed.length === 0) return 'No floatip address to remove\n';
  const sorted = [...removed].sort((a, b) => {
    if (a.interface !== b.interface) return a.interface < b.interface ? -1 : 1;
    const x = parseIp(a.address);
    const y = parseIp(b.address);
    return x.ok && y.ok ? compareIp(x.value, y.value) : a.address.localeCompare(b.address);
  });
  const rows = sorted.map((r) => ['removed', `${r.address}/${r.bits}`, r.interface]);
  return `${formatTable(rows).join('\n')}\n`;
}
