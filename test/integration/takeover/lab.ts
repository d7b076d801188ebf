// The takeover tests' lab: node A (two interfaces), node B and a client on one bridge, and agents inside them.
//
// Topology (every name starts with `ftk`):
//   ftk-na [ftka0] --- [ftka0s] \
//          [ftka1] --- [ftka1s]  \
//   ftk-nb [ftkb0] --- [ftkb0s]   ftkbr (bridge in ftk-sw)
//   ftk-cl [ftkc0] --- [ftkc0s]  /

import { ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { execIn, ipIn, namespacesStartingWith, run, spawnTsInNamespace } from '../helpers/netns-child';

export const PREFIX = 'ftk';
const AGENT = path.join(__dirname, 'agent.ts');

export interface Port { readonly ns: string; readonly iface: string; readonly mac: string }

export const SWITCH_NS = 'ftk-sw';
export const A0: Port = { ns: 'ftk-na', iface: 'ftka0', mac: '02:00:00:00:fa:00' };
export const A1: Port = { ns: 'ftk-na', iface: 'ftka1', mac: '02:00:00:00:fa:01' };
export const B0: Port = { ns: 'ftk-nb', iface: 'ftkb0', mac: '02:00:00:00:fb:00' };
export const C0: Port = { ns: 'ftk-cl', iface: 'ftkc0', mac: '02:00:00:00:fc:00' };
/** Each member's own (non-public) addresses. */
const BASE: [Port, string, string][] = [
  [A0, '192.0.2.1', '2001:db8::1'], [B0, '192.0.2.2', '2001:db8::2'], [C0, '192.0.2.100', '2001:db8::100'],
];
export const CLIENT_V4 = '192.0.2.100';
export const CLIENT_V6 = '2001:db8::100';

/** Deletes every namespace starting with `ftk-`: their links go with them. */
export function cleanupLab(): void {
  for (const ns of namespacesStartingWith(`${PREFIX}-`)) {
    try { run('ip', ['netns', 'del', ns]); } catch { /* already gone */ }
  }
}

export function createLab(): void {
  cleanupLab();
  for (const ns of [SWITCH_NS, A0.ns, B0.ns, C0.ns]) {
    run('ip', ['netns', 'add', ns]);
    ipIn(ns, 'link', 'set', 'lo', 'up');
  }
  ipIn(SWITCH_NS, 'link', 'add', 'ftkbr', 'type', 'bridge');
  ipIn(SWITCH_NS, 'link', 'set', 'ftkbr', 'up');
  for (const port of [A0, A1, B0, C0]) {
    const switchSide = `${port.iface}s`;
    ipIn(SWITCH_NS, 'link', 'add', switchSide, 'type', 'veth', 'peer', 'name', port.iface, 'netns', port.ns);
    ipIn(SWITCH_NS, 'link', 'set', switchSide, 'master', 'ftkbr', 'up');
    ipIn(port.ns, 'link', 'set', port.iface, 'address', port.mac);
    execIn(port.ns, 'sysctl', '-q', `net.ipv6.conf.${port.iface}.accept_dad=0`);
    ipIn(port.ns, 'link', 'set', port.iface, 'up');
  }
  for (const [port, v4, v6] of BASE) {
    ipIn(port.ns, 'addr', 'add', `${v4}/24`, 'dev', port.iface);
    ipIn(port.ns, '-6', 'addr', 'add', `${v6}/64`, 'dev', port.iface, 'nodad');
  }
  // Node A has two interfaces on one segment: answer ARP only for addresses on the asking interface,
  // as a multi-homed server should, so the client's entry shows which interface holds an address.
  for (const ns of [A0.ns, B0.ns]) execIn(ns, 'sysctl', '-q', 'net.ipv4.conf.all.arp_ignore=1', 'net.ipv4.conf.all.arp_announce=2');
  // Let a gratuitous ARP create the client's entry, not only update one.
  execIn(C0.ns, 'sysctl', '-q', 'net.ipv4.conf.all.arp_accept=1', `net.ipv4.conf.${C0.iface}.arp_accept=1`);
}

/** `ip -j addr` of an interface: each address with the flags the kernel shows. */
export function kernelAddresses(port: Port): { local: string; prefixlen: number; tentative?: boolean; dadfailed?: boolean; protocol?: string }[] {
  const links = JSON.parse(ipIn(port.ns, '-j', 'addr', 'show', 'dev', port.iface)) as { addr_info: { local: string; prefixlen: number }[] }[];
  return links.flatMap((link) => link.addr_info);
}

export function hasAddress(port: Port, address: string): boolean {
  return kernelAddresses(port).some((a) => a.local === address);
}

/** The client's neighbour entry for `address`. */
export function clientNeighbour(address: string): { mac: string; state: string } | undefined {
  const entries = JSON.parse(ipIn(C0.ns, '-j', 'neigh', 'show', address, 'dev', C0.iface)) as { lladdr?: string; state?: string[] }[];
  const entry = entries[0];
  return entry?.lladdr ? { mac: entry.lladdr, state: (entry.state ?? []).join(',') } : undefined;
}

export interface Agent {
  call<T = unknown>(method: string, ...args: unknown[]): Promise<T>;
  stop(): void;
}

const agents = new Set<ChildProcess>();

/** Starts agent.ts in `ns` as a node (the Takeover component) or a client. */
export async function startAgent(ns: string, kind: 'node' | 'client', init: object = {}): Promise<Agent> {
  const child = spawnTsInNamespace(ns, { main: `require(${JSON.stringify(AGENT)});`, args: [kind, JSON.stringify(init)], ipc: true, stdin: 'ignore' });
  agents.add(child);
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('exit', (code) => reject(new Error(`${kind} agent in ${ns} exited (${code}): ${stderr}`)));
  });
  let nextId = 1;
  return {
    call<T>(method: string, ...args: unknown[]): Promise<T> {
      const id = nextId++;
      return new Promise<T>((resolve, reject) => {
        const onMessage = (message: { id: number; result?: T; error?: string }) => {
          if (message.id !== id) return;
          child.off('message', onMessage);
          if (message.error) reject(new Error(`${method} in ${ns}: ${message.error}`));
          else resolve(message.result as T);
        };
        child.on('message', onMessage);
        child.send({ id, method, args });
      });
    },
    stop() {
      agents.delete(child);
      child.kill('SIGKILL');
    },
  };
}

export function stopAgents(): void {
  for (const child of agents) child.kill('SIGKILL');
  agents.clear();
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
