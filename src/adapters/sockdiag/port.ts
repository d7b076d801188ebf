// The connection-tracking port: TCP connections on public addresses, listed and destroyed.

import { IpAddress } from '../../core/ip';
import { TcpConnection } from '../../protocol/packets';
import { SocketId } from '../../protocol/sockdiag';

/** A TCP connection of a local service, with the kernel's identity of its socket. */
export interface TrackedConnection extends TcpConnection {
  /** The socket's own family: 6 for an IPv6 socket serving an IPv4 client through a mapped address. */
  readonly socketFamily: 4 | 6;
  readonly socket: SocketId;
  /** TCP state name (ESTABLISHED ...). */
  readonly state: string;
}

export interface DestroyReport {
  /** Sockets the kernel destroyed (SOCK_DESTROY): their clients got a RST. */
  readonly destroyed: number;
  /** Sockets that closed by themselves between the dump and the destroy. */
  readonly alreadyGone: number;
  /** Connections killed by the tickle-and-reset fallback (kernels without SOCK_DESTROY). */
  readonly killedByFallback: number;
  /** Connections neither way could kill. */
  readonly failed: readonly TrackedConnection[];
}

export interface ConnectionPort {
  /** ESTABLISHED TCP connections (IPv4 and IPv6) whose local address is one of `addresses`. */
  listEstablished(addresses: readonly IpAddress[]): Promise<TrackedConnection[]>;
  /** Kills every connected TCP socket (not listeners) whose local address is `address`. */
  destroyConnections(address: IpAddress): Promise<DestroyReport>;
}

/** What the client answered to a tickle: its own sequence and acknowledgement numbers. */
export interface ClientReply {
  readonly seq: number;
  readonly ack: number;
}

/**
 * Captures the client's answer to a tickle (client -> server ACK). `awaitReply`
 * starts listening when called, so call it before sending the tickle; it
 * resolves undefined when nothing matching arrived within `timeoutMs`.
 */
export interface ReplyCapture {
  awaitReply(conn: TcpConnection, timeoutMs: number): Promise<ClientReply | undefined>;
}

/** Sends the tickle and the reset (src/adapters/rawsock's Tickler provides both; one round per tickle suits here). */
export interface TickleAndReset {
  tickle(connections: readonly TcpConnection[]): Promise<unknown>;
  sendReset(conn: TcpConnection, seq: number, ack?: number): Promise<void>;
}

/** The ports ctdb_killtcp's method needs. */
export interface KillFallback {
  readonly capture: ReplyCapture;
  readonly sender: TickleAndReset;
}

export type SockDiagErrorCode = 'E_SOCKDIAG_NO_DESTROY' | 'E_SOCKDIAG_KERNEL';

export class SockDiagError extends Error {
  constructor(readonly code: SockDiagErrorCode, message: string) {
    super(message);
    this.name = 'SockDiagError';
  }
}
