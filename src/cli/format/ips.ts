// Human text for `floatip ip [-v]` and `floatip ifaces`, in `ctdb ip -v` / `ctdb ifaces` layout.

import { IfaceStatus, IpStatus } from '../../protocol/control-results';
import { formatTable } from '../../client/format/table';

const list = (names: readonly string[]): string => names.join(',');

/**
 * Plain: `ADDRESS PNN` (PNN -1: nobody hosts it). Verbose adds the interfaces, as `ctdb ip -v`,
 * and on the holder `duplicate[MAC,...]` for an address other MACs answer for too.
 */
export function formatIps(ips: readonly IpStatus[], verbose: boolean): string {
  if (ips.length === 0) return 'No public IPs\n';
  const rows = ips.map((ip) => (verbose
    ? [`${ip.address}/${ip.bits}`, `node[${ip.pnn}]`, `active[${ip.activeInterface}]`,
      `available[${list(ip.availableInterfaces)}]`, `configured[${list(ip.configuredInterfaces)}]`,
      ip.duplicateMacs ? `duplicate[${list(ip.duplicateMacs)}]` : '']
    : [ip.address, String(ip.pnn)]));
  return `Public IPs as this node sees them\n${formatTable(rows, verbose ? [] : ['left', 'right'], verbose ? ' ' : '  ').join('\n')}\n`;
}

export function formatIfaces(ifaces: readonly IfaceStatus[]): string {
  if (ifaces.length === 0) return 'No interfaces carry public IPs on this node\n';
  const rows = ifaces.map((i) => [`name:${i.name}`, `link:${i.link}`, `references:${i.references}`]);
  return `Interfaces on this node\n${formatTable(rows, [], ' ').join('\n')}\n`;
}
