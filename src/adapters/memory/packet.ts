// In-memory Announcer and AddressProber: record what would be announced and probed where, for tests of the daemon.

import { IpAddress } from '../../core/ip';
import { mac, MacAddress } from '../../protocol/packets';
import { AnnounceError, Announcer } from '../packet/announcer';
import { AddressClaim, AddressProber, ProbeError } from '../packet/prober';

export interface RecordedAnnouncement {
  readonly address: IpAddress;
  readonly iface: string;
}

export class MemoryAnnouncer implements Announcer {
  /** Every announce() call, in order. */
  readonly announced: RecordedAnnouncement[] = [];
  /** Every withdraw() call, in order. */
  readonly withdrawn: IpAddress[] = [];
  private readonly current = new Map<string, RecordedAnnouncement>();
  private readonly broken = new Map<string, AnnounceError>();
  private closed = false;

  announce(address: IpAddress, iface: string): Promise<void> {
    if (this.closed) return Promise.reject(new AnnounceError('E_ANNOUNCE_CLOSED', 'the announcer is closed'));
    const failure = this.broken.get(iface);
    if (failure) return Promise.reject(failure);
    const record = { address, iface };
    this.announced.push(record);
    this.current.set(address.text, record);
    return Promise.resolve();
  }

  withdraw(address: IpAddress): void {
    this.withdrawn.push(address);
    this.current.delete(address.text);
  }

  close(): void {
    this.closed = true;
    this.current.clear();
  }

  /** Addresses being announced now (announced and not withdrawn), by interface. */
  active(): Map<string, string[]> {
    const byIface = new Map<string, string[]>();
    for (const { address, iface } of this.current.values()) byIface.set(iface, [...(byIface.get(iface) ?? []), address.text]);
    return byIface;
  }

  /** Makes announcements on `iface` fail as the real adapter does when the interface is gone. */
  breakInterface(iface: string): void {
    this.broken.set(iface, new AnnounceError('E_ANNOUNCE_LINK', `cannot announce on ${iface}: interface ${iface} does not exist`));
  }

  repairInterface(iface: string): void {
    this.broken.delete(iface);
  }
}

export interface RecordedProbe {
  readonly iface: string;
  readonly addresses: readonly string[];
}

/** The MAC the memory prober gives every interface. */
export const MEMORY_PROBER_MAC = mac('02:00:00:00:00:01');

/**
 * An AddressProber over a pretend link: probes answer at once (their window is the
 * current microtask) with a claim from every MAC the test said holds the address.
 */
export class MemoryProber implements AddressProber {
  /** Every probe() call, in order. */
  readonly probes: RecordedProbe[] = [];
  private readonly holders = new Map<string, Map<string, AddressClaim['how']>>();
  private readonly broken = new Set<string>();
  private closed = false;

  probe(iface: string, addresses: readonly IpAddress[]): Promise<AddressClaim[]> {
    if (this.closed) return Promise.reject(new ProbeError('E_PROBE_CLOSED', 'the prober is closed'));
    if (this.broken.has(iface)) return Promise.reject(new ProbeError('E_PROBE_LINK', `cannot probe on ${iface}: interface ${iface} does not exist`));
    this.probes.push({ iface, addresses: addresses.map((a) => a.text) });
    const claims = addresses.flatMap((address) => [...(this.holders.get(address.text) ?? [])].map(([text, how]) => ({
      address, iface, mac: mac(text), ownMac: MEMORY_PROBER_MAC, how,
    })));
    return Promise.resolve(claims);
  }

  close(): void {
    this.closed = true;
  }

  /** From now on `holder` (a MAC; MEMORY_PROBER_MAC plays our own frame reflected) answers probes of `address`. */
  addHolder(address: string, holder: MacAddress, how: AddressClaim['how'] = 'arp-reply'): void {
    this.holders.set(address, new Map([...(this.holders.get(address) ?? []), [holder.text, how]]));
  }

  removeHolder(address: string, holder: MacAddress): void {
    this.holders.get(address)?.delete(holder.text);
  }

  /** Addresses probed so far, each as often as it was. */
  probedAddresses(): string[] {
    return this.probes.flatMap((p) => p.addresses);
  }

  breakInterface(iface: string): void {
    this.broken.add(iface);
  }
}
