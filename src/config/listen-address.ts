// `HOST:PORT` and `[IPV6]:PORT` listener addresses (the metrics endpoint).

import { IpAddress, parseIp } from '../core/ip';

export interface ListenAddress {
  readonly address: IpAddress;
  readonly port: number;
}

export function parseListenAddress(text: string): { ok: true; value: ListenAddress } | { ok: false; error: string } {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]+)):([0-9]{1,5})$/.exec(text.trim());
  if (!match) {
    return { ok: false, error: `${JSON.stringify(text)} is not HOST:PORT: write e.g. "127.0.0.1:9390" or "[::1]:9390"` };
  }
  const host = match[1] ?? match[2];
  const address = parseIp(host);
  if (!address.ok) return { ok: false, error: `${JSON.stringify(text)}: ${address.error} (use an IP address, not a host name)` };
  if (match[1] !== undefined && address.value.family !== 6) {
    return { ok: false, error: `${JSON.stringify(text)}: brackets are for IPv6 addresses; write IPv4 as 127.0.0.1:9390` };
  }
  const port = Number(match[3]);
  if (port < 1 || port > 65535) return { ok: false, error: `${JSON.stringify(text)}: port ${port} is out of range: use 1..65535` };
  return { ok: true, value: { address: address.value, port } };
}

export function formatListenAddress(listen: ListenAddress): string {
  return listen.address.family === 6 ? `[${listen.address.text}]:${listen.port}` : `${listen.address.text}:${listen.port}`;
}
