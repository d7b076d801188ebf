// The TCP mesh's options with their defaults, the parts it needs from outside, and the node table built from them.

import { randomBytes as cryptoRandomBytes, createHmac } from 'node:crypto';
import { Pnn } from '../../core/flags';
import { IpAddress, parseIp } from '../../core/ip';
import { MacFunction } from '../../protocol/frame';
import { MIN_CLUSTER_KEY_BYTES } from '../../protocol/frame-session';
import { BackoffOptions, DEFAULT_BACKOFF } from './backoff';
import { PeerMeshError } from './errors';

/** One line of `nodes`, as config's ClusterNode has it (so `config.nodes` can be passed as it is). */
export interface MeshNode {
  readonly pnn: Pnn;
  /** null for a deleted node (`#` line). */
  readonly address: IpAddress | null;
}

export interface TcpMeshInit {
  /** This node's number (its line in `nodes`). */
  readonly localPnn: Pnn;
  /** Every line of `nodes`, deleted ones included, indexed by pnn. */
  readonly nodes: readonly MeshNode[];
  /** Port of the mesh on every node (`node.port`). @default 4390 */
  readonly port?: number;
  /** Address to listen on and dial from (`node.bind_address`). @default this node's address in `nodes` */
  readonly bindAddress?: IpAddress;
  /** The contents of `cluster.key_file` (see loadClusterKey), at least 16 bytes. */
  readonly clusterKey: Uint8Array;
  /** Largest frame this node accepts; announced to peers in HELLO. @default 1 MiB */
  readonly maxFrameBytes?: number;
  /** Reconnect delays of the dialling side. @default 50 ms doubling to 2000 ms */
  readonly backoff?: Partial<BackoffOptions>;
  /** A connection that has not completed its handshake after this long is closed. @default 2000 */
  readonly handshakeTimeoutMs?: number;
  /** Accepted connections still in their handshake from non-reserved source ports, all sources together; more are refused at once (flood protection). @default 64 */
  readonly maxPendingHandshakes?: number;
  /** Accepted connections still in their handshake from one node address and lane (reserved or other source port); see admission.ts. @default 4 */
  readonly maxPendingPerSource?: number;
  /**
   * Source ports our dialler binds: below 1024, which only root can bind, so the peer
   * gives them slots a local unprivileged flood cannot take (admission.ts). null: let the
   * kernel choose (no reserved lane; needs no CAP_NET_BIND_SERVICE). @default 665..1023, as NFS clients use
   */
  readonly reservedSourcePorts?: PortRange | null;
  /** Bytes waiting to be written to one peer; a send beyond this drops the connection. @default 8 MiB */
  readonly maxQueuedBytes?: number;
  /** A peer that lets no queued write complete for this long (between 1 and 1.5 times it) is dropped; it reconnects. @default 2000 */
  readonly writeStallMs?: number;
  /** TCP keepalive idle time, for peers that vanish without a FIN. @default 1000 */
  readonly keepAliveMs?: number;
  /**
   * stop() ends each connection with a FIN and waits up to this long for the peer's, reading
   * (and dropping) what still comes, so the peer reads our last frames (LEAVING) before the
   * connection goes (see PeerConnection.finish). @default 1000
   */
  readonly stopLingerMs?: number;
}

export interface PortRange {
  readonly first: number;
  readonly last: number;
}

/** The reserved ports NFS clients bind by default (xprt_min_resvport..xprt_max_resvport): few services listen there. */
export const DEFAULT_RESERVED_SOURCE_PORTS: PortRange = { first: 665, last: 1023 };

/** What the mesh needs from the machine; each is injectable for tests. */
export interface TcpMeshComponents {
  /** HMAC-SHA256. */
  readonly mac: MacFunction;
  /** Fresh random bytes: one 32-byte nonce per connection. */
  readonly randomBytes: (size: number) => Uint8Array;
  /** Uniform in [0, 1): reconnect jitter. */
  readonly random: () => number;
}

export function defaultMeshComponents(): TcpMeshComponents {
  return {
    mac: (key, data) => new Uint8Array(createHmac('sha256', key).update(data).digest()),
    randomBytes: (size) => new Uint8Array(cryptoRandomBytes(size)),
    random: Math.random,
  };
}

export interface ResolvedMeshOptions {
  readonly localPnn: Pnn;
  readonly port: number;
  readonly bindAddress: IpAddress;
  readonly clusterKey: Uint8Array;
  readonly maxFrameBytes: number | undefined;
  readonly backoff: BackoffOptions;
  readonly handshakeTimeoutMs: number;
  readonly maxPendingHandshakes: number;
  readonly maxPendingPerSource: number;
  readonly reservedSourcePorts: PortRange | null;
  readonly maxQueuedBytes: number;
  readonly writeStallMs: number;
  readonly keepAliveMs: number;
  readonly stopLingerMs: number;
  /** Address of each live peer (not us, not deleted). */
  readonly peerAddress: ReadonlyMap<Pnn, IpAddress>;
  /** Canonical address text -> node number, for every live node including us. */
  readonly pnnByAddress: ReadonlyMap<string, Pnn>;
}

function positive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) throw new PeerMeshError('E_MESH_CONFIG', `${name} must be a positive number, not ${value}`);
  return value;
}

function reservedPorts(range: PortRange | null): PortRange | null {
  if (range === null) return null;
  const { first, last } = range;
  if (!Number.isInteger(first) || !Number.isInteger(last) || first < 1 || first > last || last >= 1024) {
    throw new PeerMeshError('E_MESH_CONFIG', `reservedSourcePorts must be a range within 1..1023, not ${first}..${last}`);
  }
  return range;
}

export function resolveMeshOptions(init: TcpMeshInit): ResolvedMeshOptions {
  const self = init.nodes[init.localPnn];
  if (self === undefined || self.pnn !== init.localPnn) {
    throw new PeerMeshError('E_MESH_CONFIG',
      `node ${init.localPnn} is not a line of nodes (${init.nodes.length} lines): set node.pnn to this node's line, counted from 0`);
  }
  if (self.address === null) {
    throw new PeerMeshError('E_MESH_CONFIG', `node ${init.localPnn} is deleted in nodes ("#"): a deleted node cannot join the mesh`);
  }
  if (!(init.clusterKey instanceof Uint8Array) || init.clusterKey.length < MIN_CLUSTER_KEY_BYTES) {
    throw new PeerMeshError('E_MESH_CONFIG',
      `the cluster key has ${init.clusterKey?.length ?? 0} bytes, fewer than ${MIN_CLUSTER_KEY_BYTES}: load it with loadClusterKey from cluster.key_file`);
  }
  const port = init.port ?? 4390;
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new PeerMeshError('E_MESH_CONFIG', `port must be 1..65535, not ${port}`);
  const { peerAddress, pnnByAddress } = nodeTables(init.localPnn, init.nodes);
  return {
    localPnn: init.localPnn,
    port,
    bindAddress: init.bindAddress ?? self.address,
    clusterKey: init.clusterKey,
    maxFrameBytes: init.maxFrameBytes,
    backoff: { ...DEFAULT_BACKOFF, ...init.backoff },
    handshakeTimeoutMs: positive('handshakeTimeoutMs', init.handshakeTimeoutMs ?? 2000),
    maxPendingHandshakes: positive('maxPendingHandshakes', init.maxPendingHandshakes ?? 64),
    maxPendingPerSource: positive('maxPendingPerSource', init.maxPendingPerSource ?? 4),
    reservedSourcePorts: reservedPorts(init.reservedSourcePorts === undefined ? DEFAULT_RESERVED_SOURCE_PORTS : init.reservedSourcePorts),
    maxQueuedBytes: positive('maxQueuedBytes', init.maxQueuedBytes ?? 8 * 1024 * 1024),
    writeStallMs: positive('writeStallMs', init.writeStallMs ?? 2000),
    keepAliveMs: positive('keepAliveMs', init.keepAliveMs ?? 1000),
    stopLingerMs: positive('stopLingerMs', init.stopLingerMs ?? 1000),
    peerAddress,
    pnnByAddress,
  };
}

/** Who the peers are and where, from the lines of `nodes` (at start, and again after reloadnodes). */
export function nodeTables(localPnn: Pnn, nodes: readonly MeshNode[]): Pick<ResolvedMeshOptions, 'peerAddress' | 'pnnByAddress'> {
  const peerAddress = new Map<Pnn, IpAddress>();
  const pnnByAddress = new Map<string, Pnn>();
  for (const node of nodes) {
    if (node.address === null) continue;
    pnnByAddress.set(node.address.text, node.pnn);
    if (node.pnn !== localPnn) peerAddress.set(node.pnn, node.address);
  }
  return { peerAddress, pnnByAddress };
}

/** The node number of a socket's remote address text ('::ffff:a.b.c.d' counts as a.b.c.d), if it is a node. */
export function nodeOfRemote(pnnByAddress: ReadonlyMap<string, Pnn>, remote: string | undefined): Pnn | undefined {
  if (remote === undefined) return undefined;
  const text = /^::ffff:\d+\.\d+\.\d+\.\d+$/i.test(remote) ? remote.slice(7) : remote;
  const parsed = parseIp(text);
  return parsed.ok ? pnnByAddress.get(parsed.value.text) : undefined;
}
