// The real netlink adapter: addresses, links and their events on the kernel's rtnetlink.
//
// Ownership: floatip tags every address it adds with IFA_PROTO = `addressProtocol`
// (Linux >= 6.1 stores and reports it for IPv4 and IPv6 alike). A label would
// only work for IPv4 and a state file can disagree with the kernel after a crash,
// so the kernel's own tag is the one source of truth: a restart finds its
// leftovers by the tag and never touches an address without it.
//
// The adapter keeps a view of the kernel (links and addresses) from a dump at
// start and the watcher's notifications. Changes it makes itself are applied to
// the view when the kernel acknowledges them (events with byUs = true); the
// notifications those changes cause (before or after the ACK: they come on
// another socket) are expected in advance, recognised and swallowed.

import { release } from 'node:os';
import { NetlinkMessage } from 'netlink';
import { LinkState } from '../../core/address';
import { NetlinkChannel, ChannelOptions } from './channel';
import { NetlinkError, noSuchInterface, notOurs } from './errors';
import {
  AddOutcome, AddressRequest, DeleteOutcome, InterfaceAddress, LinkInfo, NetlinkEvent, NetlinkListener,
  NetlinkPort, addressKey,
} from './port';
import {
  DecodedAddress, RTM_DELADDR, RTM_DELLINK, RTM_GETADDR, RTM_GETLINK, RTM_NEWADDR, RTM_NEWLINK,
  decodeAddress, decodeLink, encodeAddress, encodeAddressDump, encodeLinkDump,
} from './rtnl-codec';
import { NotificationWatcher } from './watcher';

const NETLINK_ROUTE = 0;
const NLM_F_CREATE = 0x400;
const NLM_F_EXCL = 0x200;

export interface RtnetlinkInit extends ChannelOptions {
  /** IFA_PROTO value that marks floatip's addresses (0-3 are the kernel's own). @default 0xf1 */
  readonly addressProtocol?: number;
}

export interface RtnetlinkStats {
  readonly watcherPid: number | undefined;
  readonly watcherRestarts: number;
  readonly resyncs: number;
  readonly pendingRequests: number;
  readonly receiveErrors: number;
}

type Expectation = 'added' | 'removed';

/** A notification our own change will cause; `seen` once it arrived (or a resync made waiting pointless). */
interface ExpectedNotification {
  readonly kind: Expectation;
  seen?: boolean;
  onSeen?: () => void;
}

/**
 * The kernel finishes an IPv6 add in a work item after the ACK: only then is the local
 * route in, and packets to the address (a neighbour's answer to our first NS from it)
 * are accepted. It notifies RTM_NEWADDR just then, so addAddress waits for that
 * notification, at most this long (a lost one is followed by a resync, which ends the wait).
 */
const IPV6_READY_TIMEOUT_MS = 2000;

export class RtnetlinkAdapter implements NetlinkPort {
  private readonly proto: number;
  private channel: NetlinkChannel | undefined;
  private watcher: NotificationWatcher | undefined;
  private readonly listeners = new Set<NetlinkListener>();
  private readonly links = new Map<number, LinkInfo>();
  private readonly addresses = new Map<string, InterfaceAddress>();
  /** Notifications our own acknowledged changes will still cause, per address key, in order. */
  private readonly expected = new Map<string, ExpectedNotification[]>();
  private resyncs = 0;
  /** Address changes under way; a resync waits for them, and they wait for a resync. */
  private activeChanges = 0;
  private changesDrained: (() => void) | undefined;
  private resyncing: Promise<void> | undefined;
  private queuedNotifications: NetlinkMessage[] = [];

  constructor(private readonly init: RtnetlinkInit = {}) {
    this.proto = init.addressProtocol ?? 0xf1;
    if (!Number.isInteger(this.proto) || this.proto < 4 || this.proto > 255) {
      throw new RangeError(`addressProtocol must be 4..255 (0-3 belong to the kernel), not ${this.proto}`);
    }
  }

  async start(): Promise<void> {
    requireIfaProto(release());
    this.channel = new NetlinkChannel(NETLINK_ROUTE, this.init);
    this.watcher = new NotificationWatcher({
      receiveBufferBytes: this.init.receiveBufferBytes,
      onMessages: (messages) => this.onNotifications(messages),
      onReady: (restarted) => { if (restarted) void this.resync('notifications were lost (watcher restarted)'); },
      // Changes go on while the watcher restarts: the resync after it reads them back from the kernel.
      onLost: () => undefined,
    });
    try {
      await this.watcher.start();
      await this.loadView(false);
    } catch (error) {
      await this.stop();
      throw error;
    }
  }

  async stop(): Promise<void> {
    this.watcher?.stop();
    this.channel?.close();
    this.watcher = undefined;
    this.channel = undefined;
  }

  stats(): RtnetlinkStats {
    return {
      watcherPid: this.watcher?.pid,
      watcherRestarts: this.watcher?.restartCount ?? 0,
      resyncs: this.resyncs,
      pendingRequests: this.channel?.pendingCount ?? 0,
      receiveErrors: this.channel?.receiveErrors ?? 0,
    };
  }

  subscribe(listener: NetlinkListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async listLinks(): Promise<LinkInfo[]> {
    return [...(await this.dumpLinks()).values()];
  }

  async lookupLink(name: string): Promise<LinkInfo | undefined> {
    return (await this.listLinks()).find((link) => link.name === name);
  }

  async listAddresses(interfaceName?: string): Promise<InterfaceAddress[]> {
    const links = await this.dumpLinks();
    const all = await this.dumpAddresses(links);
    return [...all.values()].filter((a) => interfaceName === undefined || a.interface === interfaceName);
  }

  async addAddress(request: AddressRequest): Promise<AddOutcome> {
    return this.change(async (channel) => {
      const index = await this.indexOf(request.interface);
      const key = addressKey(index, request.address, request.bits);
      const known = this.addresses.get(key);
      if (known) {
        if (known.owned) return 'present';
        throw notOurs(`${request.address.text}/${request.bits} on ${request.interface}`);
      }
      // Expect the notification before sending: it may arrive (from the watcher) before the ACK.
      const expectation = this.expect(key, 'added');
      try {
        await channel.request(RTM_NEWADDR, encodeAddress({ index, address: request.address, bits: request.bits, proto: this.proto }), {
          flags: NLM_F_CREATE | NLM_F_EXCL, what: `adding ${request.address.text}/${request.bits} to ${request.interface}`,
        });
      } catch (error) {
        this.cancelExpectation(key, expectation);
        if (error instanceof NetlinkError && error.errno === 'EEXIST') return this.existingOwned(request, key);
        throw error;
      }
      const added: InterfaceAddress = {
        interface: request.interface, index, address: request.address, bits: request.bits, owned: true, tentative: false, dadFailed: false,
      };
      this.addresses.set(key, added);
      this.emit({ kind: 'address-added', address: added, byUs: true });
      if (request.address.family === 6) await untilSeen(expectation, IPV6_READY_TIMEOUT_MS);
      return 'added';
    });
  }

  async deleteAddress(request: AddressRequest): Promise<DeleteOutcome> {
    return this.change(async (channel) => {
      const link = [...this.links.values()].find((l) => l.name === request.interface);
      if (!link) return 'absent';
      const key = addressKey(link.index, request.address, request.bits);
      const known = this.addresses.get(key);
      if (!known) return 'absent';
      if (!known.owned) throw notOurs(`${request.address.text}/${request.bits} on ${request.interface}`);
      const expectation = this.expect(key, 'removed');
      try {
        await channel.request(RTM_DELADDR, encodeAddress({ index: link.index, address: request.address, bits: request.bits }), {
          what: `deleting ${request.address.text}/${request.bits} from ${request.interface}`,
        });
      } catch (error) {
        this.cancelExpectation(key, expectation);
        if (error instanceof NetlinkError && error.errno === 'EADDRNOTAVAIL') return 'absent';
        throw error;
      }
      this.addresses.delete(key);
      this.emit({ kind: 'address-removed', address: known, byUs: true });
      return 'deleted';
    });
  }

  async removeOwnedAddresses(): Promise<InterfaceAddress[]> {
    const owned = (await this.listAddresses()).filter((a) => a.owned);
    const removed: InterfaceAddress[] = [];
    await Promise.all(owned.map(async (a) => {
      if (await this.deleteAddress(a) === 'deleted') removed.push(a);
    }));
    return removed;
  }

  // --- kernel view -------------------------------------------------------------------------

  private async loadView(report: boolean): Promise<void> {
    this.queuedNotifications = [];
    const links = await this.dumpLinks();
    const addresses = await this.dumpAddresses(links);
    if (report) this.reportDifferences(links, addresses);
    this.links.clear();
    for (const [index, link] of links) this.links.set(index, link);
    this.addresses.clear();
    for (const [key, address] of addresses) this.addresses.set(key, address);
    for (const queue of this.expected.values()) queue.forEach(markSeen);
    this.expected.clear();
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

  /** Re-reads the kernel after lost notifications, once no change of ours is half done. */
  private resync(reason: string): Promise<void> {
    if (this.resyncing) return this.resyncing;
    const run = (async () => {
      if (this.activeChanges > 0) await new Promise<void>((resolve) => { this.changesDrained = resolve; });
      for (let attempt = 1; ; attempt++) {
        try {
          await this.loadView(true);
          break;
        } catch (error) {
          if (attempt >= 5 || !this.channel) throw error;
        }
      }
      this.resyncs++;
      this.emit({ kind: 'resync', reason });
    })();
    this.resyncing = run.finally(() => {
      this.resyncing = undefined;
      const queued = this.queuedNotifications;
      this.queuedNotifications = [];
      this.onNotifications(queued);
    });
    this.resyncing.catch(() => undefined);
    return this.resyncing;
  }

  /** Runs an address change, never while a resync is reading the kernel. */
  private async change<T>(body: (channel: NetlinkChannel) => Promise<T>): Promise<T> {
    while (this.resyncing) await this.resyncing.catch(() => undefined);
    const channel = this.channel;
    if (!channel) throw new NetlinkError('E_NETLINK_CLOSED', 'the netlink adapter is not started: call start() first');
    this.activeChanges++;
    try {
      return await body(channel);
    } finally {
      this.activeChanges--;
      if (this.activeChanges === 0 && this.changesDrained) {
        const drained = this.changesDrained;
        this.changesDrained = undefined;
        drained();
      }
    }
  }

  private async existingOwned(request: AddressRequest, key: string): Promise<AddOutcome> {
    const current = (await this.listAddresses(request.interface)).find((a) => addressKey(a.index, a.address, a.bits) === key);
    if (current?.owned) {
      this.addresses.set(key, current);
      return 'present';
    }
    throw notOurs(`${request.address.text} on ${request.interface} (present already, perhaps with another prefix length)`);
  }

  private async indexOf(name: string): Promise<number> {
    let link = [...this.links.values()].find((l) => l.name === name);
    if (!link) {
      for (const [index, fresh] of await this.dumpLinks()) this.links.set(index, fresh);
      link = [...this.links.values()].find((l) => l.name === name);
    }
    if (!link) throw noSuchInterface(name);
    return link.index;
  }

  private async dumpLinks(): Promise<Map<number, LinkInfo>> {
    const messages = await this.dump(RTM_GETLINK, encodeLinkDump(), 'reading the interfaces');
    const links = new Map<number, LinkInfo>();
    for (const message of messages) {
      if (message.type !== RTM_NEWLINK) continue;
      const link = decodeLink(message);
      links.set(link.index, link);
    }
    return links;
  }

  private async dumpAddresses(links: Map<number, LinkInfo>): Promise<Map<string, InterfaceAddress>> {
    const messages = await this.dump(RTM_GETADDR, encodeAddressDump(), 'reading the addresses');
    const addresses = new Map<string, InterfaceAddress>();
    for (const message of messages) {
      if (message.type !== RTM_NEWADDR) continue;
      const decoded = decodeAddress(message);
      if (!decoded) continue;
      const address = this.toInterfaceAddress(decoded, links);
      addresses.set(addressKey(address.index, address.address, address.bits), address);
    }
    return addresses;
  }

  /** A dump the kernel flags as interrupted (changed while dumping) is repeated. */
  private async dump(type: number, payload: Uint8Array[], what: string): Promise<NetlinkMessage[]> {
    const channel = this.channel;
    if (!channel) throw new NetlinkError('E_NETLINK_CLOSED', 'the netlink adapter is not started: call start() first');
    for (let attempt = 1; ; attempt++) {
      const reply = await channel.request(type, payload, { dump: true, what });
      if (!reply.interrupted || attempt >= 5) return reply.messages;
    }
  }

  private toInterfaceAddress(decoded: DecodedAddress, links: Map<number, LinkInfo>): InterfaceAddress {
    return {
      interface: links.get(decoded.index)?.name ?? `if${decoded.index}`,
      index: decoded.index,
      address: decoded.address,
      bits: decoded.bits,
      owned: decoded.proto === this.proto,
      tentative: decoded.tentative,
      dadFailed: decoded.dadFailed,
    };
  }

  // --- notifications -----------------------------------------------------------------------

  private onNotifications(messages: NetlinkMessage[]): void {
    if (this.resyncing) {
      this.queuedNotifications.push(...messages);
      return;
    }
    for (const message of messages) {
      try {
        this.applyNotification(message);
      } catch {
        // An undecodable notification: the kernel's state is re-read rather than guessed.
        void this.resync('a notification could not be decoded');
        return;
      }
    }
  }

  private applyNotification(message: NetlinkMessage): void {
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
        const address = this.toInterfaceAddress(decoded, this.links);
        const key = addressKey(address.index, address.address, address.bits);
        const kind: Expectation = message.type === RTM_NEWADDR ? 'added' : 'removed';
        const ours = this.consumeExpectation(key, kind);
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

  private expect(key: string, kind: Expectation): ExpectedNotification {
    const token: ExpectedNotification = { kind };
    const queue = this.expected.get(key);
    if (queue) queue.push(token);
    else this.expected.set(key, [token]);
    return token;
  }

  private cancelExpectation(key: string, token: ExpectedNotification): void {
    const queue = this.expected.get(key);
    const at = queue?.indexOf(token) ?? -1;
    if (!queue || at < 0) return;
    queue.splice(at, 1);
    if (queue.length === 0) this.expected.delete(key);
  }

  private consumeExpectation(key: string, kind: Expectation): boolean {
    const queue = this.expected.get(key);
    if (!queue || queue[0].kind !== kind) return false;
    markSeen(queue.shift() as ExpectedNotification);
    if (queue.length === 0) this.expected.delete(key);
    return true;
  }

  private emit(event: NetlinkEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        // A listener's failure is its own; the other listeners still hear the event.
      }
    }
  }
}

function markSeen(token: ExpectedNotification): void {
  token.seen = true;
  token.onSeen?.();
}

function untilSeen(token: ExpectedNotification, timeoutMs: number): Promise<void> {
  if (token.seen) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, timeoutMs);
    timer.unref();
    token.onSeen = () => {
      clearTimeout(timer);
      resolve();
    };
  });
}

function linkDiffers(a: LinkInfo, b: LinkInfo): boolean {
  return a.state !== b.state || a.operState !== b.operState || a.name !== b.name || a.mac !== b.mac;
}

/** IFA_PROTO, our ownership tag, arrived in Linux 6.1; older kernels silently drop it. */
export function requireIfaProto(kernelRelease: string): void {
  const match = /^(\d+)\.(\d+)/.exec(kernelRelease);
  const [major, minor] = match ? [Number(match[1]), Number(match[2])] : [0, 0];
  if (major > 6 || (major === 6 && minor >= 1)) return;
  throw new NetlinkError('E_NETLINK_KERNEL',
    `Linux ${kernelRelease} cannot tag addresses with IFA_PROTO (needs 6.1 or later), so floatip could not ` +
    'tell its addresses from yours after a restart: upgrade the kernel');
}

export type { LinkState };
