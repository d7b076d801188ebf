// NETLINK_SOCK_DIAG for TCP: inet_diag_req_v2 requests (dump, SOCK_DESTROY) and inet_diag_msg replies, bytes in and out.

import { Family, IpAddress, ipBytes, ipFromBytes } from '../core/ip';

/** Netlink message types of NETLINK_SOCK_DIAG. */
export const SOCK_DIAG_BY_FAMILY = 20;
export const SOCK_DESTROY = 21;

export const AF_INET = 2;
export const AF_INET6 = 10;
export const IPPROTO_TCP = 6;

/** TCP states, the kernel's numbering (include/net/tcp_states.h). */
export const TcpState = {
  ESTABLISHED: 1, SYN_SENT: 2, SYN_RECV: 3, FIN_WAIT1: 4, FIN_WAIT2: 5, TIME_WAIT: 6, CLOSE: 7,
  CLOSE_WAIT: 8, LAST_ACK: 9, LISTEN: 10, CLOSING: 11, NEW_SYN_RECV: 12,
} as const;

export type TcpStateName = keyof typeof TcpState;

/** The idiag_states bit mask for a set of states. */
export function stateMask(states: readonly TcpStateName[]): number {
  return states.reduce((mask, name) => (mask | (1 << TcpState[name])) >>> 0, 0);
}

const REQ_LENGTH = 56;
const MSG_LENGTH = 72;
const NO_COOKIE = 0xffffffff;

/** inet_diag_sockid: the kernel's identity of one socket (the cookie makes it exact). */
export interface SocketId {
  readonly localAddress: IpAddress;
  readonly localPort: number;
  readonly remoteAddress: IpAddress;
  readonly remotePort: number;
  readonly interfaceIndex: number;
  /** The socket's cookie as the kernel's two u32 words; undefined matches any. */
  readonly cookie?: readonly [number, number];
}

/** One socket from a dump (inet_diag_msg). */
export interface TcpSocketInfo {
  readonly family: Family;
  readonly state: number;
  readonly id: SocketId & { readonly cookie: readonly [number, number] };
  readonly uid: number;
  readonly inode: number;
}

/** A request to dump every TCP socket of one family in the given states. */
export function encodeDumpRequest(family: Family, states: number): Uint8Array {
  const out = new Uint8Array(REQ_LENGTH);
  const view = new DataView(out.buffer);
  out[0] = family === 4 ? AF_INET : AF_INET6;
  out[1] = IPPROTO_TCP;
  view.setUint32(4, states >>> 0, true);
  view.setUint32(48, NO_COOKIE, true);
  view.setUint32(52, NO_COOKIE, true);
  return out;
}

/**
 * A SOCK_DESTROY request for one socket. `family` is the socket's own family: an
 * IPv6 socket serving an IPv4 client carries IPv4-mapped addresses (::ffff:a.b.c.d).
 */
export function encodeDestroyRequest(family: Family, id: SocketId): Uint8Array {
  const out = new Uint8Array(REQ_LENGTH);
  const view = new DataView(out.buffer);
  out[0] = family === 4 ? AF_INET : AF_INET6;
  out[1] = IPPROTO_TCP;
  view.setUint32(4, 0xffffffff, true);
  writeSockId(view, out, 8, family, id);
  return out;
}

/** Decodes one inet_diag_msg (the payload of a SOCK_DIAG_BY_FAMILY reply message). */
export function decodeDiagMessage(data: Uint8Array): TcpSocketInfo {
  if (data.length < MSG_LENGTH) throw new Error(`inet_diag_msg of ${data.length} bytes, expected at least ${MSG_LENGTH}`);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const familyCode = data[0];
  if (familyCode !== AF_INET && familyCode !== AF_INET6) throw new Error(`inet_diag_msg of unknown family ${familyCode}`);
  const family: Family = familyCode === AF_INET ? 4 : 6;
  const width = family === 4 ? 4 : 16;
  return {
    family,
    state: data[1],
    id: {
      localPort: view.getUint16(4, false),
      remotePort: view.getUint16(6, false),
      localAddress: ipFromBytes(data.slice(8, 8 + width)),
      remoteAddress: ipFromBytes(data.slice(24, 24 + width)),
      interfaceIndex: view.getUint32(40, true),
      cookie: [view.getUint32(44, true), view.getUint32(48, true)],
    },
    uid: view.getUint32(64, true),
    inode: view.getUint32(68, true),
  };
}

/** The IPv4 address inside an IPv4-mapped IPv6 address (::ffff:a.b.c.d); any other address unchanged. */
export function unmapIpv4(address: IpAddress): IpAddress {
  if (address.family !== 6) return address;
  const [w0, w1, w2, w3] = address.words;
  if (w0 !== 0 || w1 !== 0 || w2 !== 0xffff) return address;
  return ipFromBytes(new Uint8Array([w3 >>> 24, (w3 >>> 16) & 0xff, (w3 >>> 8) & 0xff, w3 & 0xff]));
}

/** The IPv4-mapped IPv6 form of an IPv4 address, as an IPv6 socket sees it. */
export function mapIpv4(address: IpAddress): IpAddress {
  if (address.family !== 4) return address;
  const bytes = new Uint8Array(16);
  bytes[10] = 0xff;
  bytes[11] = 0xff;
  bytes.set(ipBytes(address), 12);
  return ipFromBytes(bytes);
}

function writeSockId(view: DataView, out: Uint8Array, at: number, family: Family, id: SocketId): void {
  const local = family === 6 ? mapIpv4(id.localAddress) : id.localAddress;
  const remote = family === 6 ? mapIpv4(id.remoteAddress) : id.remoteAddress;
  if (local.family !== family || remote.family !== family) {
    throw new Error(`an IPv${family} socket cannot have the addresses ${id.localAddress.text} and ${id.remoteAddress.text}`);
  }
  view.setUint16(at, id.localPort, false);
  view.setUint16(at + 2, id.remotePort, false);
  out.set(ipBytes(local), at + 4);
  out.set(ipBytes(remote), at + 20);
  view.setUint32(at + 36, id.interfaceIndex >>> 0, true);
  view.setUint32(at + 40, id.cookie ? id.cookie[0] : NO_COOKIE, true);
  view.setUint32(at + 44, id.cookie ? id.cookie[1] : NO_COOKIE, true);
}
