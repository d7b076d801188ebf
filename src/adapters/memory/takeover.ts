// In-memory fake of the Takeover component: which addresses sit on which interface, for the daemon's tests.
//
// It keeps the component's contract (test/unit/adapters/takeover/contract.ts runs against
// both): idempotent outcomes, per-address batch failures, tickles only for addresses
// newly added. It measures nothing: every step time is 0.

import { IpAddress } from '../../core/ip';
import { TcpConnection } from '../../protocol/packets';
import {
  BatchFailure, BatchReport, MoveReport, ReleaseReport, SocketKillReport, TakeOptions, TakeReport, TakeRequest, Takeover,
  TakeoverAddress, TakeoverError,
} from '../takeover/port';

interface Held {
  readonly address: IpAddress;
  readonly bits: number;
  readonly ifaces: Set<string>;
}

const NO_SOCKETS: SocketKillReport = { method: 'none', destroyed: 0, alreadyGone: 0, killed: 0, failed: 0 };

export class MemoryTakeover implements Takeover {
  private readonly held = new Map<string, Held>();
  private readonly refused = new Map<string, TakeoverError>();
  /** Every operation, in order: `take 192.0.2.1/24 eth0`, `release 192.0.2.1`, `move 192.0.2.1 eth0 eth1`. */
  readonly operations: string[] = [];
  /** Connections tickled, in order. */
  readonly tickled: TcpConnection[] = [];

  /** `interfaces`: the node's interfaces; taking onto another fails as the kernel would refuse it. */
  constructor(private readonly interfaces: readonly string[] = ['eth0', 'eth1']) {}

  async take(address: TakeoverAddress, iface: string, options: TakeOptions = {}): Promise<TakeReport> {
    this.operations.push(`take ${address.address.text}/${address.bits} ${iface}`);
    return this.takeOne(address, iface, options);
  }

  async release(address: TakeoverAddress): Promise<ReleaseReport> {
    this.operations.push(`release ${address.address.text}`);
    return this.releaseOne(address);
  }

  async move(address: TakeoverAddress, fromIface: string, toIface: string): Promise<MoveReport> {
    this.operations.push(`move ${address.address.text} ${fromIface} ${toIface}`);
    this.check(address.address, 'E_TAKEOVER_ADD', toIface);
    const entry = this.held.get(address.address.text);
    const added = entry?.ifaces.has(toIface) ? 'present' : 'added';
    const deleted = fromIface !== toIface && entry?.ifaces.has(fromIface) ? 'deleted' : 'absent';
    const next = entry ?? { address: address.address, bits: address.bits, ifaces: new Set<string>() };
    next.ifaces.add(toIface);
    if (deleted === 'deleted') next.ifaces.delete(fromIface);
    this.held.set(address.address.text, next);
    return { op: 'move', address: address.address, bits: address.bits, fromIface, toIface, added, deleted, problems: [], ms: { total: 0 } };
  }

  async takeMany(requests: readonly TakeRequest[]): Promise<BatchReport<TakeReport>> {
    const reports: TakeReport[] = [];
    const failures: BatchFailure[] = [];
    for (const request of requests) {
      this.operations.push(`take ${request.address.address.text}/${request.address.bits} ${request.iface}`);
      try {
        reports.push(this.takeOne(request.address, request.iface, request));
      } catch (error) {
        failures.push({ address: request.address.address, error: error as TakeoverError });
      }
    }
    return { reports, failures, ms: { total: 0 } };
  }

  async releaseMany(addresses: readonly TakeoverAddress[]): Promise<BatchReport<ReleaseReport>> {
    const reports: ReleaseReport[] = [];
    const failures: BatchFailure[] = [];
    for (const address of addresses) {
      this.operations.push(`release ${address.address.text}`);
      try {
        reports.push(this.releaseOne(address));
      } catch (error) {
        failures.push({ address: address.address, error: error as TakeoverError });
      }
    }
    return { reports, failures, ms: { total: 0 } };
  }

  // --- controls for tests ---------------------------------------------------------------------

  /** Address text -> interfaces it is on, as `ip addr` would show floatip's addresses. */
  heldAddresses(): Map<string, string[]> {
    return new Map([...this.held].map(([text, entry]) => [text, [...entry.ifaces].sort()]));
  }

  /** Makes every later change of `address` fail as the kernel's refusal would, until `allow`. */
  refuse(address: IpAddress, reason = 'Operation not permitted'): void {
    this.refused.set(address.text, new TakeoverError('E_TAKEOVER_ADD', reason));
  }

  allow(address: IpAddress): void {
    this.refused.delete(address.text);
  }

  /** Someone removed the address behind floatip's back (`ip addr del`). */
  externalDelete(address: IpAddress): void {
    this.held.delete(address.text);
  }

  // --- the model ------------------------------------------------------------------------------

  private takeOne(address: TakeoverAddress, iface: string, options: TakeOptions): TakeReport {
    this.check(address.address, 'E_TAKEOVER_ADD', iface);
    const entry = this.held.get(address.address.text) ?? { address: address.address, bits: address.bits, ifaces: new Set<string>() };
    const outcome = entry.ifaces.has(iface) ? 'present' : 'added';
    entry.ifaces.add(iface);
    this.held.set(address.address.text, entry);
    const conns = outcome === 'added'
      ? (options.tickles ?? []).filter((c) => c.server.address.text === address.address.text)
      : [];
    this.tickled.push(...conns);
    return { op: 'take', address: address.address, bits: address.bits, iface, outcome, tickled: conns.length, problems: [], ms: { total: 0 } };
  }

  private releaseOne(address: TakeoverAddress): ReleaseReport {
    const entry = this.held.get(address.address.text);
    if (entry) this.check(address.address, 'E_TAKEOVER_DELETE');
    this.held.delete(address.address.text);
    return {
      op: 'release', address: address.address, outcome: entry ? 'deleted' : 'absent', interfaces: entry ? [...entry.ifaces] : [],
      sockets: entry ? { ...NO_SOCKETS, method: 'destroy' } : NO_SOCKETS, problems: [], ms: { total: 0 },
    };
  }

  private check(address: IpAddress, code: 'E_TAKEOVER_ADD' | 'E_TAKEOVER_DELETE', iface?: string): void {
    if (iface !== undefined && !this.interfaces.includes(iface)) {
      throw new TakeoverError('E_TAKEOVER_ADD',
        `taking ${address.text} on ${iface} failed: interface ${iface} does not exist on this node: check public_addresses or create the interface`);
    }
    const refusal = this.refused.get(address.text);
    if (refusal) {
      const verb = code === 'E_TAKEOVER_ADD' ? 'taking' : 'deleting';
      throw new TakeoverError(code, `${verb} ${address.text} failed: ${refusal.message}`);
    }
  }
}
