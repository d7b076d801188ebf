// What a namespace's kernel says about links and neighbours: a node's MAC, the client's neighbour entry for an address.

import { execFileSync } from 'node:child_process';

function ipJson<T>(namespace: string, ...args: string[]): T {
  return JSON.parse(execFileSync('ip', ['-n', namespace, '-j', ...args], { encoding: 'utf8' }) || '[]') as T;
}

/** The MAC address of `iface` in `namespace`. */
export function macOf(namespace: string, iface: string): string {
  const [link] = ipJson<Array<{ address: string }>>(namespace, 'link', 'show', 'dev', iface);
  return link.address;
}

export interface Neighbour {
  readonly mac: string | undefined;
  readonly states: readonly string[];
}

/** The neighbour entry for `address` on `iface` in `namespace`, or undefined when there is none. */
export function neighbourOf(namespace: string, iface: string, address: string): Neighbour | undefined {
  const [entry] = ipJson<Array<{ lladdr?: string; state?: string[] }>>(namespace, 'neigh', 'show', 'to', address, 'dev', iface);
  return entry === undefined ? undefined : { mac: entry.lladdr, states: entry.state ?? [] };
}

/**
 * Sets the entry to `mac` in state STALE, as if learnt earlier. A gratuitous ARP may
 * override an entry only once it is older than the neighbour table's locktime (1 s by
 * default), so callers wait that long before expecting an announcement to change it.
 */
export function setStaleNeighbour(namespace: string, iface: string, address: string, mac: string): void {
  execFileSync('ip', ['-n', namespace, 'neigh', 'replace', address, 'lladdr', mac, 'dev', iface, 'nud', 'stale']);
}

/** The client's neighbour table locktime for `iface`, in ms (net.ipv4.neigh.IFACE.locktime is in jiffies of 10 ms). */
export function arpLocktimeMs(namespace: string, iface: string): number {
  const text = execFileSync('ip', ['netns', 'exec', namespace, 'sysctl', '-n', `net.ipv4.neigh.${iface}.locktime`], { encoding: 'utf8' });
  return Number(text.trim()) * 10;
}

/** Sets that locktime (rounded to 10 ms). */
export function setArpLocktimeMs(namespace: string, iface: string, ms: number): void {
  execFileSync('ip', ['netns', 'exec', namespace, 'sysctl', '-q', '-w', `net.ipv4.neigh.${iface}.locktime=${Math.round(ms / 10)}`]);
}
