// rtnetlink address and link messages to and from our typed values, over the `netlink` package's codecs.
//
// The package's own address formatter cannot send IFA_PROTO (its generic object
// writer rejects unknown keys) and its parser drops unknown attributes, so the
// attributes are written and read here with the package's low-level helpers.

import { AttrStream, NetlinkMessage, parseAttributes, rt } from 'netlink';
import { IpAddress, ipBytes, ipFromBytes } from '../../core/ip';
import { LinkState } from '../../core/address';

export const RTM_NEWLINK = 16;
export const RTM_DELLINK = 17;
export const RTM_GETLINK = 18;
export const RTM_NEWADDR = 20;
export const RTM_DELADDR = 21;
export const RTM_GETADDR = 22;

export const AF_INET = 2;
export const AF_INET6 = 10;

const IFA_ADDRESS = 1;
const IFA_LOCAL = 2;
const IFA_LABEL = 3;
const IFA_FLAGS = 8;
const IFA_PROTO = 11;

const IFA_F_SECONDARY = 0x01;
const IFA_F_NODAD = 0x02;
const IFA_F_DADFAILED = 0x08;
const IFA_F_TENTATIVE = 0x40;

const IFLA_ADDRESS = 1;
const IFLA_IFNAME = 3;
const IFLA_OPERSTATE = 16;

const IFF_UP = 0x1;
const IFF_RUNNING = 0x40;

/** RFC 2863 operational states, indexed by the kernel's IF_OPER_* value. */
const OPER_STATES = ['unknown', 'notpresent', 'down', 'lowerlayerdown', 'testing', 'dormant', 'up'];

export interface AddressSpec {
  readonly index: number;
  readonly address: IpAddress;
  readonly bits: number;
  /** IFA_PROTO value to tag the address with (only on add). */
  readonly proto?: number;
}

/** RTM_NEWADDR / RTM_DELADDR payload: ifaddrmsg and attributes; IPv6 is added with NODAD. */
export function encodeAddress(spec: AddressSpec): Uint8Array[] {
  const v6 = spec.address.family === 6;
  const flags = v6 ? IFA_F_NODAD : 0;
  const out = new AttrStream();
  out.emit(rt.formatAddress({
    family: v6 ? AF_INET6 : AF_INET, prefixlen: spec.bits, flags: rt.parseAddressFlags(flags), scope: 0, index: spec.index,
  }));
  const bytes = Buffer.from(ipBytes(spec.address));
  if (!v6) out.push(IFA_LOCAL, bytes);
  out.push(IFA_ADDRESS, bytes);
  if (flags !== 0) out.push(IFA_FLAGS, u32(flags));
  if (spec.proto !== undefined) out.push(IFA_PROTO, Buffer.from([spec.proto]));
  return out.bufs;
}

/** RTM_GETADDR / RTM_GETLINK dump payload: an empty header of the right size. */
export function encodeAddressDump(): Uint8Array[] {
  return [Buffer.alloc(8)];
}

export function encodeLinkDump(): Uint8Array[] {
  return [Buffer.alloc(16)];
}

/** An address as read from the kernel, before the interface name is attached. */
export interface DecodedAddress {
  readonly index: number;
  readonly address: IpAddress;
  readonly bits: number;
  readonly proto: number;
  readonly label: string | undefined;
  readonly tentative: boolean;
  readonly dadFailed: boolean;
  /**
   * An IPv4 address the kernel keeps behind another of the same subnet on the interface (the
   * primary). Deleting a primary first makes the kernel promote a secondary and rewrite the
   * routes of every other one, so deletes go secondaries first. Always false for IPv6.
   */
  readonly secondary: boolean;
}

/** Decodes RTM_NEWADDR/RTM_DELADDR; undefined for families other than IPv4/IPv6. */
export function decodeAddress(message: NetlinkMessage): DecodedAddress | undefined {
  const data = message.data;
  if (data.length < 8) throw new Error(`address message of ${data.length} bytes is shorter than ifaddrmsg`);
  const family = data[0];
  if (family !== AF_INET && family !== AF_INET6) return undefined;
  const bits = data[1];
  let flags = data[2];
  const index = data.readUInt32LE(4);
  let address: Buffer | undefined;
  let local: Buffer | undefined;
  let label: string | undefined;
  let proto = 0;
  parseAttributes(data.subarray(8), (attr) => {
    switch (attr.type) {
      case IFA_ADDRESS: address = attr.data; break;
      case IFA_LOCAL: local = attr.data; break;
      case IFA_LABEL: label = attr.data.toString('utf8').replace(/\0.*$/s, ''); break;
      case IFA_FLAGS: flags = attr.data.readUInt32LE(0); break;
      case IFA_PROTO: proto = attr.data[0]; break;
    }
  });
  // For IPv4, IFA_LOCAL is the interface's own address (IFA_ADDRESS is the peer on point-to-point links).
  const own = local ?? address;
  if (!own || own.length !== (family === AF_INET ? 4 : 16)) throw new Error('address message without a valid address');
  return {
    index, address: ipFromBytes(own), bits, proto, label,
    tentative: (flags & IFA_F_TENTATIVE) !== 0 && (flags & IFA_F_DADFAILED) === 0,
    dadFailed: (flags & IFA_F_DADFAILED) !== 0,
    secondary: family === AF_INET && (flags & IFA_F_SECONDARY) !== 0,
  };
}

/** A link as read from the kernel. */
export interface DecodedLink {
  readonly index: number;
  readonly name: string;
  readonly mac: string;
  readonly operState: string;
  readonly state: LinkState;
}

/** Decodes RTM_NEWLINK/RTM_DELLINK. */
export function decodeLink(message: NetlinkMessage): DecodedLink {
  const data = message.data;
  if (data.length < 16) throw new Error(`link message of ${data.length} bytes is shorter than ifinfomsg`);
  const index = data.readInt32LE(4);
  const ifFlags = data.readUInt32LE(8);
  let name = '';
  let mac = '';
  let operState = 'unknown';
  parseAttributes(data.subarray(16), (attr) => {
    switch (attr.type) {
      case IFLA_IFNAME: name = attr.data.toString('utf8').replace(/\0.*$/s, ''); break;
      case IFLA_ADDRESS: mac = [...attr.data].map((b) => b.toString(16).padStart(2, '0')).join(':'); break;
      case IFLA_OPERSTATE: operState = OPER_STATES[attr.data[0]] ?? `state-${attr.data[0]}`; break;
    }
  });
  const state: LinkState = (ifFlags & IFF_UP) !== 0 && (ifFlags & IFF_RUNNING) !== 0 ? 'up' : 'down';
  return { index, name, mac, operState, state };
}

function u32(value: number): Buffer {
  const out = Buffer.alloc(4);
  out.writeUInt32LE(value >>> 0, 0);
  return out;
}
