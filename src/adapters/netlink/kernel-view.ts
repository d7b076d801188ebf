// The adapter's picture of the kernel: links and addresses read from dumps, kept current by notifications.
//
// Ownership: floatip tags every address it adds with IFA_PROTO = the adapter's
// `addressProtocol`, and an address read back is `owned` exactly when it carries that tag.

import { NetlinkMessage } from 'netlink';
import { NetlinkChannel } from './channel';
import { Expectation, ExpectedNotifications } from './expected-notifications';
import { InterfaceAddress, LinkInfo, NetlinkEvent, addressKey } from './port';
import {
  DecodedAddress, RTM_DELADDR, RTM_DELLINK, RTM_GETADDR, RTM_GETLINK, RTM_NEWADDR, RTM_NEWLINK,
  decodeAddress, decodeLink, encodeAddressDump, encodeLinkDump,
} from './rtnl-codec';

export class KernelView {
  readonly links = new Map<number, LinkInfo>();
  /** By addressKey. */
  readonly addresses = new Map<string, InterfaceAddress>();

  constructor(
    private readonly proto: number,
    private readonly expected: ExpectedNotifications,
    private readonly emit: (event: NetlinkEvent) => void,
  ) {}

  linkNamed(name: string): LinkInfo | undefined {
    return [...this.links.values()].find((l) => l.name === name);
  }

  /**
   * Takes a fresh read of the kernel as the view. With `report` (after lost notifications)
   * every difference is emitted as the ordinary event; nothing expected is waited for any more.
   */
  replace(links: Map<number, LinkInfo>, addresses: Map<string, InterfaceAddress>, report: boolean): void {
    if (report) this.reportDifferences(links, addresses);
    this.links.clear();
    for (const [index, link] of links) this.links.set(index, link);
    this.addresses.clear();
    for (const [key, address] of addresses) this.addresses.set(key, address);
    this.expected.forgetAll();
  }

  /** Applies one notification; throws when it cannot be decoded (the caller resyncs). */
  apply(message: NetlinkMessage): void {
    switch (message.type) {
      case RTM_NEWLINK: {
        const link = decodeLink(message);
        const before = this.links.get(link.index);
        this.links.set(link.index, link);
        if (!before || linkDiffers(before, link)) this.emit({ kind: 'link-changed', link, previous: before?.state });
        return;
      }
      case RTM_DELLINK: {
        const link = decodeLink(message);
        const before = this.links.get(link.index);
        this.links.delete(link.index);
        this.emit({ kind: 'link-removed', link: before ?? link });
        return;
      }
      case RTM_NEWADDR:
      case RTM_DELADDR: {
        const decoded = decodeAddress(message);
        if (!decoded) return;
        const address = toInterfaceAddress(decoded, this.links, this.proto);
        const key = addressKey(address.index, address.address, address.bits);
        const kind: Expectation = message.type === RTM_NEWADDR ? 'added' : 'removed';
        const ours = this.expected.consume(key, kind);
        const present = this.addresses.get(key);
        if (kind === 'added') {
          this.addresses.set(key, address);
          if (!present && !ours) this.emit({ kind: 'address-added', address, byUs: false });
        } else if (present) {
          this.addresses.delete(key);
          if (!ours) this.emit({ kind: 'address-removed', address: present, byUs: false });
        }
        return;
      }
    }
  }

  private reportDifferences(links: Map<number, LinkInfo>, addresses: Map<string, InterfaceAddress>): void {
    for (const [index, link] of links) {
      const before = this.links.get(index);
      if (!before || linkDiffers(before, link)) this.emit({ kind: 'link-changed', link, previous: before?.state });
    }
    for (const [key, address] of this.addresses) {
      if (!addresses.has(key)) this.emit({ kind: 'address-removed', address, byUs: false });
    }
    for (const [index, link] of this.links) if (!links.has(index)) this.emit({ kind: 'link-removed', link });
    for (const [key, address] of addresses) {
      if (!this.addresses.has(key)) this.emit({ kind: 'address-added', address, byUs: false });
    }
  }
}

export async function readLinks(channel: NetlinkChannel): Promise<Map<number, LinkInfo>> {
  const messages = await dump(channel, RTM_GETLINK, encodeLinkDump(), 'reading the interfaces');
  const links = new Map<number, LinkInfo>();
  for (const message of messages) {
    if (message.type !== RTM_NEWLINK) continue;
    const link = decodeLink(message);
    links.set(link.index, link);
  }
  return links;
}

/** Every address, keyed by addressKey; `owned` when it carries the tag `proto`. */
export async function readAddresses(channel: NetlinkChannel, links: Map<number, LinkInfo>, proto: number): Promise<Map<string, InterfaceAddress>> {
  const messages = await dump(channel, RTM_GETADDR, encodeAddressDump(), 'reading the addresses');
  const addresses = new Map<string, InterfaceAddress>();
  for (const message of messages) {
    if (message.type !== RTM_NEWADDR) continue;
    const decoded = decodeAddress(message);
    if (!decoded) continue;
    const address = toInterfaceAddress(decoded, links, proto);
    addresses.set(addressKey(address.index, address.address, address.bits), address);
  }
  return addresses;
}

/** A dump the kernel flags as interrupted (changed while dumping) is repeated. */
async function dump(channel: NetlinkChannel, type: number, payload: Uint8Array[], what: string): Promise<NetlinkMessage[]> {
  for (let attempt = 1; ; attempt++) {
    const reply = await channel.request(type, payload, { dump: true, what });
    if (!reply.interrupted || attempt >= 5) return reply.messages;
  }
}

function toInterfaceAddress(decoded: DecodedAddress, links: Map<number, LinkInfo>, proto: number): InterfaceAddress {
  return {
    interface: links.get(decoded.index)?.name ?? `if${decoded.index}`,
    index: decoded.index,
    address: decoded.address,
    bits: decoded.bits,
    owned: decoded.proto === proto,
    tentative: decoded.tentative,
    dadFailed: decoded.dadFailed,
    secondary: decoded.secondary,
  };
}

function linkDiffers(a: LinkInfo, b: LinkInfo): boolean {
  return a.state !== b.state || a.operState !== b.operState || a.name !== b.name || a.mac !== b.mac;
}
