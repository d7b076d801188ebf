// In-memory fake of the netlink ports: a pretend kernel with links and addresses, and controls for tests.
//
// It follows the real adapter's contract (test/unit/adapters/netlink/contract.ts
// runs against both): ownership by tag, NODAD addresses never tentative,
// refusal to delete what floatip did not add, and events with `byUs`.

import { LinkState } from '../../core/address';
import { IpAddress } from '../../core/ip';
import { NetlinkError, noSuchInterface, notOurs, notStarted } from '../netlink/errors';
import { NetlinkListeners } from '../netlink/listeners';
import {
  AddOutcome, AddressRequest, DeleteOutcome, InterfaceAddress, LinkInfo, NetlinkEvent, NetlinkListener, NetlinkPort,
  addressKey,
} from '../netlink/port';

export interface MemoryLinkInit {
  readonly mac?: string;
  readonly state?: LinkState;
}

export class MemoryNetlink implements NetlinkPort {
  private started = false;
  private nextIndex = 2;
  private readonly links = new Map<string, LinkInfo>();
  private readonly addresses = new Map<string, InterfaceAddress>();
  /** Subscribers that threw, as the real adapter reports them (it logs them in the daemon). */
  readonly listenerFailures: NetlinkError[] = [];
  private readonly listeners = new NetlinkListeners((failure) => this.listenerFailures.push(failure));
  /** Every change the port was asked to make, in order, for assertions. */
  readonly operations: string[] = [];
  /** Deletes counted as promotions: a primary deleted while a secondary of its subnet was left (what secondariesFirst avoids). */
  promotions = 0;

  constructor(links: Record<string, MemoryLinkInit> = {}) {
    this.links.set('lo', { name: 'lo', index: 1, mac: '00:00:00:00:00:00', operState: 'unknown', state: 'up' });
    for (const [name, init] of Object.entries(links)) this.createLink(name, init);
  }

  async start(): Promise<void> {
    this.started = true;
  }

  async stop(): Promise<void> {
    this.started = false;
  }

  subscribe(listener: NetlinkListener): () => void {
    return this.listeners.subscribe(listener);
  }

  async listLinks(): Promise<LinkInfo[]> {
    this.requireStarted();
    return [...this.links.values()];
  }

  async lookupLink(name: string): Promise<LinkInfo | undefined> {
    this.requireStarted();
    return this.links.get(name);
  }

  async listAddresses(interfaceName?: string): Promise<InterfaceAddress[]> {
    this.requireStarted();
    return [...this.addresses.values()].filter((a) => interfaceName === undefined || a.interface === interfaceName);
  }

  async addAddress(request: AddressRequest): Promise<AddOutcome> {
    this.requireStarted();
    this.operations.push(`add ${request.address.text}/${request.bits} ${request.interface}`);
    const link = this.links.get(request.interface);
    if (!link) throw noSuchInterface(request.interface);
    const key = addressKey(link.index, request.address, request.bits);
    const existing = this.addresses.get(key) ?? this.sameIpv6(link.index, request.address);
    if (existing) {
      if (existing.owned && existing.bits === request.bits) return 'present';
      throw notOurs(`${request.address.text}/${request.bits} on ${request.interface}`);
    }
    const added = this.put(link, request.address, request.bits, true);
    this.emit({ kind: 'address-added', address: added, byUs: true });
    return 'added';
  }

  async deleteAddress(request: AddressRequest): Promise<DeleteOutcome> {
    this.requireStarted();
    this.operations.push(`delete ${request.address.text}/${request.bits} ${request.interface}`);
    const link = this.links.get(request.interface);
    const key = link && addressKey(link.index, request.address, request.bits);
    const existing = key === undefined ? undefined : this.addresses.get(key);
    if (!existing || key === undefined) return 'absent';
    if (!existing.owned) throw notOurs(`${request.address.text}/${request.bits} on ${request.interface}`);
    this.addresses.delete(key);
    this.promoteAfter(existing);
    this.emit({ kind: 'address-removed', address: existing, byUs: true });
    return 'deleted';
  }

  async removeOwnedAddresses(): Promise<InterfaceAddress[]> {
    const owned = (await this.listAddresses()).filter((a) => a.owned);
    for (const a of owned) await this.deleteAddress(a);
    return owned;
  }

  // --- the pretend kernel, driven by tests --------------------------------------------------

  createLink(name: string, init: MemoryLinkInit = {}): LinkInfo {
    const state = init.state ?? 'up';
    const index = this.nextIndex++;
    const mac = init.mac ?? `02:00:00:00:00:${index.toString(16).padStart(2, '0')}`;
    const link: LinkInfo = { name, index, mac, operState: state === 'up' ? 'up' : 'down', state };
    this.links.set(name, link);
    this.emit({ kind: 'link-changed', link, previous: undefined });
    return link;
  }

  /** As `ip link set NAME up|down` would. */
  setLinkState(name: string, state: LinkState): void {
    const before = this.requireLink(name);
    if (before.state === state) return;
    const link: LinkInfo = { ...before, state, operState: state === 'up' ? 'up' : 'down' };
    this.links.set(name, link);
    this.emit({ kind: 'link-changed', link, previous: before.state });
  }

  /** As `ip link del NAME`: its addresses go first, as the kernel does it. */
  removeLink(name: string): void {
    const link = this.requireLink(name);
    for (const [key, address] of this.addresses) {
      if (address.index !== link.index) continue;
      this.addresses.delete(key);
      this.emit({ kind: 'address-removed', address, byUs: false });
    }
    this.links.delete(name);
    this.emit({ kind: 'link-removed', link });
  }

  /** Someone else (an administrator, another tool) adds an address: untagged unless `owned`. */
  externalAdd(name: string, address: IpAddress, bits: number, options: { owned?: boolean } = {}): void {
    const link = this.requireLink(name);
    const added = this.put(link, address, bits, options.owned ?? false);
    this.emit({ kind: 'address-added', address: added, byUs: false });
  }

  /** Someone else deletes an address, ours or not (`ip addr del`). */
  externalDelete(name: string, address: IpAddress, bits: number): void {
    const link = this.requireLink(name);
    const key = addressKey(link.index, address, bits);
    const existing = this.addresses.get(key);
    if (!existing) throw new Error(`${address.text}/${bits} is not on ${name}`);
    this.addresses.delete(key);
    this.promoteAfter(existing);
    this.emit({ kind: 'address-removed', address: existing, byUs: false });
  }

  /** IPv4 addresses on the link that share `address`'s subnet (its prefix length and masked bits), in the order added. */
  private sameSubnet(index: number, address: IpAddress, bits: number): InterfaceAddress[] {
    if (address.family !== 4) return [];
    const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
    const net = (a: IpAddress): number => (a.words[3] & mask) >>> 0;
    return [...this.addresses.values()].filter((a) => a.index === index && a.address.family === 4 && a.bits === bits && net(a.address) === net(address));
  }

  /** As the kernel with promote_secondaries: a deleted primary's first secondary becomes the primary. */
  private promoteAfter(deleted: InterfaceAddress): void {
    if (deleted.secondary) return;
    const next = this.sameSubnet(deleted.index, deleted.address, deleted.bits).find((a) => a.secondary);
    if (next === undefined) return;
    this.promotions++;
    this.addresses.set(addressKey(next.index, next.address, next.bits), { ...next, secondary: false });
  }

  private put(link: LinkInfo, address: IpAddress, bits: number, owned: boolean): InterfaceAddress {
    // As the kernel: an IPv4 address whose subnet already has an address on the link stands behind it.
    const secondary = this.sameSubnet(link.index, address, bits).length > 0;
    const entry: InterfaceAddress = {
      interface: link.name, index: link.index, address, bits, owned, tentative: false, dadFailed: false, secondary,
    };
    this.addresses.set(addressKey(link.index, address, bits), entry);
    return entry;
  }

  /** The kernel keeps one IPv6 address per interface whatever its prefix length. */
  private sameIpv6(index: number, address: IpAddress): InterfaceAddress | undefined {
    if (address.family !== 6) return undefined;
    return [...this.addresses.values()].find((a) => a.index === index && a.address.text === address.text);
  }

  private requireLink(name: string): LinkInfo {
    const link = this.links.get(name);
    if (!link) throw noSuchInterface(name);
    return link;
  }

  private requireStarted(): void {
    if (!this.started) throw notStarted();
  }

  private emit(event: NetlinkEvent): void {
    this.listeners.emit(event);
  }
}
