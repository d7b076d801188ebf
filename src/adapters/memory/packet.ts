// In-memory Announcer: records what would be announced where, for tests of the daemon.

import { IpAddress } from '../../core/ip';
import { AnnounceError, Announcer } from '../packet/announcer';

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
