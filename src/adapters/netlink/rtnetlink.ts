// The real netlink adapter: addresses, links and their events on the kernel's rtnetlink.
//
// Ownership: floatip tags every address it adds with IFA_PROTO = `addressProtocol`
// (Linux >= 6.1 stores and reports it for IPv4 and IPv6 alike). A label would
// only work for IPv4 and a state file can disagree with the kernel after a crash,
// so the kernel's own tag is the one source of truth: a restart finds its
// leftovers by the tag and never touches an address without it.
//
// The adapter keeps a view of the kernel (kernel-view.ts) from a dump at start and the
// watcher's notifications. Changes it makes itself are applied to the view when the
// kernel acknowledges them (events with byUs = true); the notifications those changes
// cause are expected in advance (expected-notifications.ts). After lost notifications
// the kernel is read again, taking turns with our own changes (resync.ts).

import { release } from 'node:os';
import { NetlinkMessage } from 'netlink';
import { LinkState } from '../../core/address';
import { backgroundClock, Clock } from '../clock';
import { NetlinkChannel, ChannelOptions } from './channel';
import { NetlinkError, noSuchInterface, notOurs, notStarted } from './errors';
import { ExpectedNotifications, untilSeen } from './expected-notifications';
import { KernelView, readAddresses, readLinks } from './kernel-view';
import { ListenerFailureReport, NetlinkListeners } from './listeners';
import {
  AddOutcome, AddressRequest, DeleteOutcome, InterfaceAddress, LinkInfo, NetlinkListener,
  NetlinkPort, addressKey,
} from './port';
import { ResyncGate } from './resync';
import { RTM_DELADDR, RTM_NEWADDR, encodeAddress } from './rtnl-codec';
import { NotificationWatcher } from './watcher';

const NETLINK_ROUTE = 0;
const NLM_F_CREATE = 0x400;
const NLM_F_EXCL = 0x200;

export interface RtnetlinkInit extends ChannelOptions {
  /** IFA_PROTO value that marks floatip's addresses (0-3 are the kernel's own). @default 0xf1 */
  readonly addressProtocol?: number;
  /**
   * Where a subscriber that threw is reported (the daemon logs it); the other subscribers
   * hear the event regardless. @default a line on stderr
   */
  readonly onListenerError?: ListenerFailureReport;
}

export interface RtnetlinkStats {
  readonly watcherPid: number | undefined;
  readonly watcherRestarts: number;
  readonly resyncs: number;
  readonly pendingRequests: number;
  readonly receiveErrors: number;
}

/**
 * The kernel finishes an IPv6 add in a work item after the ACK: only then is the local
 * route in, and packets to the address (a neighbour's answer to our first NS from it)
 * are accepted. It notifies RTM_NEWADDR just then, so addAddress waits for that
 * notification, at most this long (a lost one is followed by a resync, which ends the wait).
 */
const IPV6_READY_TIMEOUT_MS = 2000;

const writeToStderr: ListenerFailureReport = (failure) => { process.stderr.write(`floatip netlink ${failure.code}: ${failure.message}\n`); };

export class RtnetlinkAdapter implements NetlinkPort {
  private readonly proto: number;
  private readonly clock: Clock;
  private channel: NetlinkChannel | undefined;
  private watcher: NotificationWatcher | undefined;
  private readonly listeners: NetlinkListeners;
  private readonly expected = new ExpectedNotifications();
  private readonly view: KernelView;
  private readonly gate: ResyncGate;
  private resyncs = 0;
  private readonly reportFailure: ListenerFailureReport;

  constructor(private readonly init: RtnetlinkInit = {}) {
    this.proto = init.addressProtocol ?? 0xf1;
    if (!Number.isInteger(this.proto) || this.proto < 4 || this.proto > 255) {
      throw new RangeError(`addressProtocol must be 4..255 (0-3 belong to the kernel), not ${this.proto}`);
    }
    this.clock = init.clock ?? backgroundClock;
    this.reportFailure = init.onListenerError ?? writeToStderr;
    this.listeners = new NetlinkListeners(this.reportFailure);
    this.view = new KernelView(this.proto, this.expected, (event) => this.listeners.emit(event));
    this.gate = new ResyncGate({
      reload: () => this.loadView(true),
      isOpen: () => this.channel !== undefined,
      resynced: (reason) => {
        this.resyncs++;
        this.listeners.emit({ kind: 'resync', reason });
      },
      deliver: (messages) => this.onNotifications(messages),
    });
  }

  async start(): Promise<void> {
    requireIfaProto(release());
    this.channel = new NetlinkChannel(NETLINK_ROUTE, this.init);
    this.watcher = new NotificationWatcher({
      receiveBufferBytes: this.init.receiveBufferBytes,
      clock: this.init.clock,
      onMessages: (messages) => this.onNotifications(messages),
      onReady: (restarted) => { if (restarted) this.resyncInBackground('notifications were lost (watcher restarted)'); },
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

  /** A resync nobody waits for: when every attempt fails the view may be stale, and the daemon hears of it. */
  private resyncInBackground(reason: string): void {
    this.gate.resync(reason).catch((error: unknown) => {
      if (this.channel === undefined) return; // closed meanwhile: nothing is stale any more
      try {
        this.reportFailure(new NetlinkError('E_NETLINK_RESYNC', `re-reading the kernel's addresses after ${reason} failed: ` +
          `${error instanceof Error ? error.message : String(error)}; changes made meanwhile may be missing from the view until the next resync`));
      } catch {
        // A report that throws has nowhere left to go (as in NetlinkListeners).
      }
    });
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
    return this.listeners.subscribe(listener);
  }

  async listLinks(): Promise<LinkInfo[]> {
    return [...(await readLinks(this.requireChannel())).values()];
  }

  async lookupLink(name: string): Promise<LinkInfo | undefined> {
    return (await this.listLinks()).find((link) => link.name === name);
  }

  async listAddresses(interfaceName?: string): Promise<InterfaceAddress[]> {
    const channel = this.requireChannel();
    const all = await readAddresses(channel, await readLinks(channel), this.proto);
    return [...all.values()].filter((a) => interfaceName === undefined || a.interface === interfaceName);
  }

  async addAddress(request: AddressRequest): Promise<AddOutcome> {
    return this.gate.change(async () => {
      const channel = this.requireChannel();
      const index = await this.indexOf(request.interface);
      const key = addressKey(index, request.address, request.bits);
      const known = this.view.addresses.get(key);
      if (known && !known.owned) throw notOurs(`${request.address.text}/${request.bits} on ${request.interface}`);
      // One the view lists as ours is asked for all the same: the view can be behind the kernel. A delete by
      // someone else (the guardian's fence order) that lands while an add of ours waits for its answer is read
      // before that answer puts the address in the view, which then lists what the kernel no longer has, and
      // "present" without asking kept it out for good (test/integration/netlink/stale-view.test.ts).
      // Expect the notification before sending: it may arrive (from the watcher) before the ACK.
      const expectation = this.expected.expect(key, 'added');
      try {
        await channel.request(RTM_NEWADDR, encodeAddress({ index, address: request.address, bits: request.bits, proto: this.proto }), {
          flags: NLM_F_CREATE | NLM_F_EXCL, what: `adding ${request.address.text}/${request.bits} to ${request.interface}`,
        });
      } catch (error) {
        this.expected.cancel(key, expectation);
        if (error instanceof NetlinkError && error.errno === 'EEXIST') return known ? 'present' : this.existingOwned(request, key);
        throw error;
      }
      const added: InterfaceAddress = {
        interface: request.interface, index, address: request.address, bits: request.bits, owned: true, tentative: false, dadFailed: false, secondary: false,
      };
      this.view.addresses.set(key, added);
      this.listeners.emit({ kind: 'address-added', address: added, byUs: true });
      if (request.address.family === 6) await untilSeen(expectation, IPV6_READY_TIMEOUT_MS, this.clock);
      return 'added';
    });
  }

  async deleteAddress(request: AddressRequest): Promise<DeleteOutcome> {
    return this.gate.change(async () => {
      const channel = this.requireChannel();
      const link = this.view.linkNamed(request.interface);
      if (!link) return 'absent';
      const key = addressKey(link.index, request.address, request.bits);
      const known = this.view.addresses.get(key);
      if (!known) return 'absent';
      if (!known.owned) throw notOurs(`${request.address.text}/${request.bits} on ${request.interface}`);
      const expectation = this.expected.expect(key, 'removed');
      try {
        await channel.request(RTM_DELADDR, encodeAddress({ index: link.index, address: request.address, bits: request.bits }), {
          what: `deleting ${request.address.text}/${request.bits} from ${request.interface}`,
        });
      } catch (error) {
        this.expected.cancel(key, expectation);
        if (error instanceof NetlinkError && error.errno === 'EADDRNOTAVAIL') {
          // Gone already (someone else's delete, not read yet or lost): the kernel's word wins over the view.
          if (this.view.addresses.get(key) === known) this.view.addresses.delete(key);
          return 'absent';
        }
        throw error;
      }
      this.view.addresses.delete(key);
      this.listeners.emit({ kind: 'address-removed', address: known, byUs: true });
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

  private requireChannel(): NetlinkChannel {
    if (!this.channel) throw notStarted();
    return this.channel;
  }

  private async loadView(report: boolean): Promise<void> {
    const channel = this.requireChannel();
    const links = await readLinks(channel);
    const addresses = await readAddresses(channel, links, this.proto);
    this.view.replace(links, addresses, report);
  }

  private onNotifications(messages: NetlinkMessage[]): void {
    if (this.gate.hold(messages)) return;
    for (const message of messages) {
      try {
        this.view.apply(message);
      } catch {
        // An undecodable notification: the kernel's state is re-read rather than guessed.
        this.resyncInBackground('a notification could not be decoded');
        return;
      }
    }
  }

  private async existingOwned(request: AddressRequest, key: string): Promise<AddOutcome> {
    const current = (await this.listAddresses(request.interface)).find((a) => addressKey(a.index, a.address, a.bits) === key);
    if (current?.owned) {
      this.view.addresses.set(key, current);
      return 'present';
    }
    throw notOurs(`${request.address.text} on ${request.interface} (present already, perhaps with another prefix length)`);
  }

  private async indexOf(name: string): Promise<number> {
    let link = this.view.linkNamed(name);
    if (!link) {
      for (const [index, fresh] of await readLinks(this.requireChannel())) this.view.links.set(index, fresh);
      link = this.view.linkNamed(name);
    }
    if (!link) throw noSuchInterface(name);
    return link.index;
  }
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
