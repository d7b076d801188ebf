// Human text for `floatip gettickles IP`, in `ctdb gettickles` layout.

import { TicklesResult } from '../../protocol/control-results';
import { formatTable } from '../../client/format/table';

/** IPv6 endpoints get brackets, so the port stays readable. */
function endpoint(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

export function formatTickles(result: TicklesResult): string {
  const rows = result.connections.map((c) => [`SRC: ${endpoint(c.client, c.clientPort)}`, `DST: ${endpoint(result.address, c.serverPort)}`]);
  return [`Connections for IP: ${result.address}`, `Num connections: ${result.connections.length}`, ...formatTable(rows)]
    .join('\n') + '\n';
}
