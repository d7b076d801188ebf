// The address plan of a lab: which namespace, link, private and public address and file each node gets.
//
// Pure: options in, plan out. Everything else of the lab (creating links,
// writing files, status, down) reads names and addresses from here, so a plan
// recomputed from the state file's options always matches what `up` made.
//
// Two networks, as at a real site: a private one for the peer mesh
// (192.0.2.0/24, node N at 192.0.2.(N+1)) and a public one for clients.
// Public addresses: IPv4 from 198.51.100.1 and, past 239 of them, from
// 203.0.113.1; IPv6 from 2001:db8:100::1. The client sits at .250 of each
// IPv4 subnet and at 2001:db8:100::ffff.

import { PublicAddress } from '../core/address';
import { IpAddress, ip } from '../core/ip';
import { TimingProfileName } from '../config/option-kinds';
import { parseClusterLock } from '../config/cluster-lock';
import { LabError } from './errors';
import { LabNames, labNames, MAX_NODES } from './names';

export interface LabOptions {
  readonly prefix: string;
  /** Absolute directory of the lab's files. */
  readonly dir: string;
  readonly nodes: number;
  readonly ipv4Addresses: number;
  readonly ipv6Addresses: number;
  readonly profile: TimingProfileName;
  /**
   * `cluster.cluster_lock` for every node (with `quorum = "lock"`), e.g. `fcntl:/tmp/lab/lock`:
   * the namespaces share the host's file system, so a file lock is a real cluster lock here.
   * Absent: majority quorum, the lab's default.
   */
  readonly clusterLock?: string;
}

export interface LabNodePlan {
  readonly pnn: number;
  readonly namespace: string;
  readonly privateAddress: IpAddress;
  readonly switchPrivatePort: string;
  readonly switchPublicPort: string;
  /** Directory of this node's configuration, key, scripts, socket and log. */
  readonly dir: string;
  readonly configPath: string;
  readonly keyPath: string;
  readonly eventsDir: string;
  readonly controlSocket: string;
  readonly logPath: string;
  readonly pidPath: string;
  /** While this file exists, the lab's `90.labcheck` script fails `monitor` on this node. */
  readonly failMonitorPath: string;
  /** When `fail --mode freeze` stopped the daemon (ISO time), so `heal` knows whether it fenced itself meanwhile. */
  readonly frozenSincePath: string;
}

export interface AddressWithBits {
  readonly address: IpAddress;
  readonly bits: number;
}

export interface LabPlan {
  readonly options: LabOptions;
  readonly names: LabNames;
  readonly statePath: string;
  readonly privateBits: number;
  readonly nodes: readonly LabNodePlan[];
  /** Every public address, each allowed on the public interface of every node. */
  readonly publicAddresses: readonly PublicAddress[];
  readonly clientAddresses: readonly AddressWithBits[];
}

/** Public IPv4 addresses per subnet: .1 to .239, leaving room for the client at .250. */
const IPV4_PER_SUBNET = 239;
const IPV4_SUBNETS = ['198.51.100', '203.0.113'] as const;
export const MAX_IPV4_ADDRESSES = IPV4_PER_SUBNET * IPV4_SUBNETS.length;
export const MAX_IPV6_ADDRESSES = 4000;
const IPV6_PUBLIC_NET = '2001:db8:100::';
const CLIENT_IPV6 = '2001:db8:100::ffff';
/** sun_path holds 108 bytes with its terminating NUL. */
const MAX_SOCKET_PATH = 107;
/** The state file's name, also the mark that a directory is a lab's (down removes such a directory whole). */
export const STATE_FILE = 'lab-state.json';

function checkRange(value: number, min: number, max: number, what: string): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new LabError('E_LAB_PLAN', `${what} must be a whole number ${min}..${max}, not ${value}`);
  }
}

function publicIpv4(index: number): IpAddress {
  const subnet = IPV4_SUBNETS[Math.floor(index / IPV4_PER_SUBNET)];
  return ip(`${subnet}.${(index % IPV4_PER_SUBNET) + 1}`);
}

function publicIpv6(index: number): IpAddress {
  return ip(`${IPV6_PUBLIC_NET}${(index + 1).toString(16)}`);
}

function nodePlan(names: LabNames, dir: string, pnn: number): LabNodePlan {
  const nodeDir = `${dir}/node${pnn}`;
  return {
    pnn,
    namespace: names.nodeNamespace(pnn),
    privateAddress: ip(`192.0.2.${pnn + 1}`),
    switchPrivatePort: names.switchPrivatePort(pnn),
    switchPublicPort: names.switchPublicPort(pnn),
    dir: nodeDir,
    configPath: `${nodeDir}/floatip.toml`,
    keyPath: `${nodeDir}/cluster.key`,
    eventsDir: `${nodeDir}/events.d`,
    controlSocket: `${nodeDir}/control.sock`,
    logPath: `${nodeDir}/floatipd.log`,
    pidPath: `${nodeDir}/floatipd.pid`,
    failMonitorPath: `${nodeDir}/fail-monitor`,
    frozenSincePath: `${nodeDir}/frozen-since`,
  };
}

/** The plan for these options; a LabError names the option that cannot work. */
export function planLab(options: LabOptions): LabPlan {
  const names = labNames(options.prefix);
  checkRange(options.nodes, 1, MAX_NODES, '--nodes');
  checkRange(options.ipv4Addresses, 0, MAX_IPV4_ADDRESSES, '--ips');
  checkRange(options.ipv6Addresses, 0, MAX_IPV6_ADDRESSES, '--ips6');
  if (options.ipv4Addresses + options.ipv6Addresses === 0) {
    throw new LabError('E_LAB_PLAN', 'a lab needs at least one public address: give --ips 1 or more (or --ips6)');
  }
  if (!options.dir.startsWith('/') || /[\s"\\]/.test(options.dir)) {
    throw new LabError('E_LAB_PLAN', `--dir '${options.dir}' must be an absolute path without spaces, quotes or backslashes`);
  }
  if (options.clusterLock !== undefined) {
    const lock = parseClusterLock(options.clusterLock);
    if (!lock.ok) throw new LabError('E_LAB_PLAN', `--cluster-lock: ${lock.error}`);
    if (/["\\\n]/.test(options.clusterLock)) throw new LabError('E_LAB_PLAN', '--cluster-lock: write it without quotes, backslashes or line breaks');
  }
  const dir = options.dir.length > 1 ? options.dir.replace(/\/+$/, '') : options.dir;
  const nodes = Array.from({ length: options.nodes }, (_, pnn) => nodePlan(names, dir, pnn));
  const longest = nodes[nodes.length - 1].controlSocket;
  if (longest.length > MAX_SOCKET_PATH) {
    throw new LabError('E_LAB_PLAN', `--dir '${dir}' is too long: the control socket ${longest} would exceed the `
      + `${MAX_SOCKET_PATH} bytes a unix socket path may have; choose a shorter --dir`);
  }
  const interfaces = [names.publicInterface];
  const publicAddresses: PublicAddress[] = [
    ...Array.from({ length: options.ipv4Addresses }, (_, k) => ({ address: publicIpv4(k), bits: 24, interfaces })),
    ...Array.from({ length: options.ipv6Addresses }, (_, k) => ({ address: publicIpv6(k), bits: 64, interfaces })),
  ];
  const subnetsUsed = Math.ceil(options.ipv4Addresses / IPV4_PER_SUBNET);
  const clientAddresses: AddressWithBits[] = [
    ...IPV4_SUBNETS.slice(0, Math.max(1, subnetsUsed)).map((subnet) => ({ address: ip(`${subnet}.250`), bits: 24 })),
    ...(options.ipv6Addresses > 0 ? [{ address: ip(CLIENT_IPV6), bits: 64 }] : []),
  ];
  return {
    options: { ...options, dir },
    names,
    statePath: `${dir}/${STATE_FILE}`,
    privateBits: 24,
    nodes,
    publicAddresses,
    clientAddresses,
  };
}

/** The node with this number, or a LabError listing the lab's nodes. */
export function nodeOf(plan: LabPlan, pnn: number): LabNodePlan {
  const node = plan.nodes[pnn];
  if (node === undefined) {
    throw new LabError('E_LAB_UNKNOWN_NODE', `node ${pnn} is not in this lab: it has nodes 0..${plan.nodes.length - 1}`);
  }
  return node;
}
