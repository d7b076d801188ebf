// The addresses this node holds, and the one queue through which every kernel change of them goes.
//
// Orders, the fence, reconcile and link moves all change the same addresses; running
// them one after another means a fence release never interleaves with a take, and the
// record here always matches what the last finished operation left in the kernel.
// Event scripts run around the Takeover calls as DESIGN.md orders them: `releaseip`
// before the release, `takeip` after the take, `updateip` after a move.
//
// `evacuate` (the fence, an unguarded node past its handover) is the exception on both
// counts: it does NOT wait in the queue, and it deletes first and runs `releaseip` after.
// A hung takeip holds the queue up to its timeout, and the majority takes the addresses
// at dead_after whether or not this node got round to deleting them (the 5-node soak saw
// a queued fence release run 1.6 s late, after quorum was back, and skip itself). While
// a bar is set, work already in the queue cannot put addresses back: a take, move or
// restore that adds one deletes it again and reports it failed.
//
// `announce` (`floatip gratarp`) is the one kernel call outside the queue: a script run
// by an order in the queue (takeip calling `floatip gratarp`) would otherwise wait for
// its own order, which waits for the script (a takeip's gratarp waited 10.4 s, until
// the CLI gave up, and the run failed). It never re-adds an address a release has begun
// on, and a release waits for announcements under way before it deletes.

import { compareIp, IpAddress } from '../../core/ip';
import { EventRunner } from '../../adapters/scripts/port';
import { EventResult, eventFailed } from '../../adapters/scripts/status';
import { TakeReport, Takeover, TakeoverAddress, TakeoverError } from '../../adapters/takeover/port';
import { TcpConnection } from '../../protocol/packets';
import { TakeResult, TakeTimings } from '../../protocol/frame-messages';
import { Logger } from './logger';
import { inBackground } from './background';

export interface HeldAddress {
  readonly address: IpAddress;
  readonly bits: number;
  readonly iface: string;
}

export interface TakeRequestItem {
  readonly address: IpAddress;
  readonly bits: number;
  readonly iface: string;
}

export interface ReleaseOutcome {
  readonly released: readonly IpAddress[];
  readonly failed: ReadonlyArray<{ readonly address: IpAddress; readonly reason: string }>;
}

export interface HostingComponents {
  readonly takeover: Takeover;
  readonly events: EventRunner;
  readonly log: Logger;
  /** Client connections recorded for an address on its previous owner. */
  readonly ticklesFor: (address: IpAddress) => readonly TcpConnection[];
  /** Called after every change of the held set (the node then sends a heartbeat at once). */
  readonly onChange: () => void;
}

const NO_TIMINGS: TakeTimings = { addressUs: 0, announceUs: 0, tickleUs: 0, eventUs: 0 };

export class LocalAddresses {
  private readonly held = new Map<string, HeldAddress>();
  /**
   * `list()`'s answer until the held set changes: the duplicate probe asks every second, and
   * sorting 1000 addresses each time showed in the main loop's long turns.
   */
  private sorted: readonly HeldAddress[] | undefined;
  /** `addresses()`'s answer until the held set changes: one array for every heartbeat that lists the same ones. */
  private sortedAddresses: readonly IpAddress[] | undefined;
  private tail: Promise<unknown> = Promise.resolve();
  /** Addresses whose release has begun: `announce` leaves them alone. */
  private readonly releasing = new Set<string>();
  /** Announcements under way outside the queue, by address: a release waits for them. */
  private readonly announcing = new Map<string, Promise<unknown>>();
  /** Who bars this node from holding addresses now ('fence', 'unguarded'), see `bar`. */
  private readonly bars = new Set<string>();

  constructor(private readonly components: HostingComponents) {}

  /** Held addresses, ascending. */
  list(): HeldAddress[] {
    this.sorted ??= [...this.held.values()].sort((a, b) => compareIp(a.address, b.address));
    return [...this.sorted];
  }

  /**
   * The held addresses, ascending, as one array that stays the same until the held set
   * changes: heartbeats list it, and an unchanged heartbeat is found by identity before any
   * address is compared (FastPath.broadcast, PeerSession's brief heartbeats).
   */
  addresses(): readonly IpAddress[] {
    this.sortedAddresses ??= this.list().map((h) => h.address);
    return this.sortedAddresses;
  }

  private hold(text: string, address: HeldAddress): void {
    this.held.set(text, address);
    this.heldChanged();
  }

  private unhold(text: string): void {
    if (this.held.delete(text)) this.heldChanged();
  }

  /** The answers kept for list() and addresses() are out of date. */
  private heldChanged(): void {
    this.sorted = undefined;
    this.sortedAddresses = undefined;
  }

  get(text: string): HeldAddress | undefined {
    return this.held.get(text);
  }

  get size(): number {
    return this.held.size;
  }

  /** Why this node may hold no address now, or undefined. */
  get barred(): string | undefined {
    return this.bars.size === 0 ? undefined : [...this.bars].join(', ');
  }

  /** `who` bars this node from holding addresses until it calls `lift`: takes fail, nothing is re-added. */
  bar(who: string): void {
    this.bars.add(who);
  }

  lift(who: string): void {
    this.bars.delete(who);
  }

  /** Runs `work` after everything queued before it; a failure does not stop the queue. */
  enqueue<T>(work: () => Promise<T>): Promise<T> {
    const run = this.tail.then(work, work);
    this.tail = run.catch(() => undefined);
    return run;
  }

  /** Takes addresses (call inside enqueue): add, announce, tickle, then `takeip` for each. */
  async take(items: readonly TakeRequestItem[]): Promise<TakeResult[]> {
    const { takeover, ticklesFor } = this.components;
    const barredResult = (address: IpAddress): TakeResult => ({
      address, status: 'failed', error: `not taken: this node may hold no address now (${this.barred})`, timings: NO_TIMINGS,
    });
    if (this.barred !== undefined) return items.map((item) => barredResult(item.address));
    const batch = await takeover.takeMany(items.map((item) => ({
      address: { address: item.address, bits: item.bits },
      iface: item.iface,
      tickles: ticklesFor(item.address),
    })));
    const results: TakeResult[] = batch.failures.map((failure) => ({
      address: failure.address, status: 'failed', error: failure.error.message, timings: NO_TIMINGS,
    }));
    if (this.barred !== undefined) {
      // Barred while the addresses went in (an evacuation ran meanwhile): out again at once.
      await this.dropUnlessHeld(batch.reports.map((r) => ({ address: r.address, bits: r.bits })));
      return [...results, ...batch.reports.map((r) => barredResult(r.address))];
    }
    for (const report of batch.reports) {
      this.hold(report.address.text, { address: report.address, bits: report.bits, iface: report.iface });
      for (const problem of report.problems) this.components.log.warn({ code: problem.code, address: report.address.text }, problem.message);
    }
    if (batch.reports.length > 0) this.components.onChange();
    // One takeip that timed out ends the others of this order unrun: a hung script hangs again,
    // and three in a row (3 x 2 s) passed the run's 5 s deadline, so the take was not acked at all.
    let timedOut: string | undefined;
    for (const report of batch.reports) {
      const result = await this.afterTake(report, timedOut);
      if (result.timedOut) timedOut ??= report.address.text;
      results.push(result.result);
    }
    return results;
  }

  /**
   * `floatip gratarp` (NOT inside enqueue, see the header): announces a held address again
   * (re-adding it if someone deleted it, as reconcile would). Undefined when it is not
   * held or its release has begun.
   */
  async announce(text: string): Promise<TakeReport | undefined> {
    const held = this.held.get(text);
    if (!held || this.releasing.has(text) || this.barred !== undefined) return undefined;
    const work = this.components.takeover.take({ address: held.address, bits: held.bits }, held.iface);
    const tracked = work.catch(() => undefined);
    this.announcing.set(text, tracked);
    try {
      return await work;
    } finally {
      if (this.announcing.get(text) === tracked) this.announcing.delete(text);
    }
  }

  /** Releases addresses (call inside enqueue): `releaseip`, then kill connections and delete. */
  async release(addresses: readonly TakeoverAddress[]): Promise<ReleaseOutcome> {
    return this.whileReleasing(addresses, async () => {
      // After one releaseip timed out the others are skipped (the addresses go all the same), as for takeip.
      let timedOut: string | undefined;
      for (const target of addresses) {
        const held = this.held.get(target.address.text);
        if (!held) continue;
        if (timedOut !== undefined) {
          this.components.log.warn({ address: held.address.text }, `releaseip not run for ${held.address.text}: releaseip for ${timedOut} timed out in this order`);
          continue;
        }
        const event = await this.runEvent('releaseip', [held.iface, held.address.text, String(held.bits)]);
        if (event?.status === 'TIMEDOUT') timedOut = held.address.text;
      }
      const batch = await this.components.takeover.releaseMany(addresses);
      for (const report of batch.reports) this.unhold(report.address.text);
      if (batch.reports.length > 0) this.components.onChange();
      return {
        released: batch.reports.map((r) => r.address),
        failed: batch.failures.map((f) => ({ address: f.address, reason: f.error.message })),
      };
    });
  }

  /** Marks `addresses` as being released (no announce starts on them), waits for announcements under way, runs `work`. */
  private async whileReleasing<T>(addresses: readonly TakeoverAddress[], work: () => Promise<T>): Promise<T> {
    const texts = addresses.map((a) => a.address.text);
    for (const text of texts) this.releasing.add(text);
    try {
      const underway = texts.map((text) => this.announcing.get(text)).filter((p): p is Promise<unknown> => p !== undefined);
      if (underway.length > 0) await Promise.all(underway);
      return await work();
    } finally {
      for (const text of texts) this.releasing.delete(text);
    }
  }

  /** Releases everything held (call inside enqueue): a stop, a ban. */
  releaseAll(): Promise<ReleaseOutcome> {
    return this.release(this.list().map((h) => ({ address: h.address, bits: h.bits })));
  }

  /**
   * The fence's release, NOT through the queue (see the header): every held address leaves
   * the kernel now, and `releaseip` runs for each afterwards, queued. The majority takes
   * them at dead_after, so they must be gone within fence_after whatever the scripts and
   * the queue cost: one `releaseip` per address before the delete took ~3 s for 333
   * addresses (seen by the failover bench). Call it with a bar set, so that work already
   * queued cannot put them back. Resolves when the deletes are done (scripts may still run).
   */
  async evacuate(): Promise<ReleaseOutcome> {
    const held = this.list();
    const targets = held.map((h) => ({ address: h.address, bits: h.bits }));
    const batch = await this.whileReleasing(targets, () => this.components.takeover.releaseMany(targets));
    for (const report of batch.reports) this.unhold(report.address.text);
    if (batch.reports.length > 0) this.components.onChange();
    const dropped = new Set(batch.reports.map((r) => r.address.text));
    const scripts = held.filter((x) => dropped.has(x.address.text));
    if (scripts.length > 0) {
      inBackground(this.enqueue(async () => {
        for (const h of scripts) await this.runEvent('releaseip', [h.iface, h.address.text, String(h.bits)]);
      }), this.components.log, 'E_RELEASEIP_AFTER_FENCE', 'releaseip after the fence');
    }
    return {
      released: batch.reports.map((r) => r.address),
      failed: batch.failures.map((f) => ({ address: f.address, reason: f.error.message })),
    };
  }

  /** Deletes `targets` from the kernel where this node does not hold them (any more): the undo of an add that raced an evacuation. */
  private async dropUnlessHeld(targets: readonly TakeoverAddress[]): Promise<void> {
    const strays = targets.filter((t) => !this.held.has(t.address.text));
    if (strays.length === 0) return;
    try {
      const batch = await this.whileReleasing(strays, () => this.components.takeover.releaseMany(strays));
      for (const failure of batch.failures) this.components.log.error({ address: failure.address.text }, `could not delete ${failure.address.text} again after an evacuation: ${failure.error.message}`);
    } catch (error) {
      this.components.log.error({}, `could not delete addresses again after an evacuation: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  /** CTDB's updateip (call inside enqueue): the address changes interface, its connections stay. */
  async move(text: string, toIface: string): Promise<void> {
    const held = this.held.get(text);
    if (!held || held.iface === toIface || this.barred !== undefined) return;
    const target = { address: held.address, bits: held.bits };
    await this.components.takeover.move(target, held.iface, toIface);
    if (!this.held.has(text)) {
      await this.dropUnlessHeld([target]); // evacuated while it moved
      return;
    }
    this.hold(text, { ...held, iface: toIface });
    this.components.onChange();
    await this.runEvent('updateip', [held.iface, toIface, held.address.text, String(held.bits)]);
  }

  /** Puts a held address back after someone deleted it (call inside enqueue): re-add and re-announce. */
  async restore(text: string): Promise<TakeReport | undefined> {
    const held = this.held.get(text);
    if (!held || this.barred !== undefined) return undefined;
    const target = { address: held.address, bits: held.bits };
    const report = await this.components.takeover.take(target, held.iface);
    if (!this.held.has(text)) {
      await this.dropUnlessHeld([target]); // evacuated while it went back in
      return undefined;
    }
    return report;
  }

  /**
   * `takeip` (not run when one for `timedOut` timed out earlier in this order); when it fails
   * or is not run the address goes again, so the leader places it elsewhere (and counts a credit).
   */
  private async afterTake(report: TakeReport, timedOut: string | undefined): Promise<{ result: TakeResult; timedOut: boolean }> {
    const event = timedOut === undefined ? await this.runEvent('takeip', [report.iface, report.address.text, String(report.bits)]) : undefined;
    const timings: TakeTimings = {
      addressUs: micros(report.ms.add ?? report.ms.total),
      announceUs: micros(report.ms.announce ?? 0),
      tickleUs: micros(report.ms.tickle ?? 0),
      eventUs: micros(event?.durationMs ?? 0),
    };
    if (!this.held.has(report.address.text)) {
      // Evacuated while takeip ran: gone from the kernel already, its releaseip queued.
      const error = `takeip ${report.iface} ${report.address.text} ${report.bits}: the address was released while the script ran `
        + `(${this.barred ?? 'evacuated'})`;
      return { result: { address: report.address, status: 'failed', error, timings }, timedOut: event?.status === 'TIMEDOUT' };
    }
    if (timedOut === undefined && (!event || !eventFailed(event))) {
      return { result: { address: report.address, status: 'taken', error: '', timings }, timedOut: false };
    }
    const error = event === undefined
      ? `takeip ${report.iface} ${report.address.text} ${report.bits} not run: takeip for ${timedOut} timed out in the same TAKE; `
        + 'the address was released again: fix the event script'
      : `takeip ${report.iface} ${report.address.text} ${report.bits} ${event.status}`
        + `${event.reason ? `: ${event.reason}` : ''}; the address was released again: fix the event script`;
    try {
      const target = { address: report.address, bits: report.bits };
      await this.whileReleasing([target], () => this.components.takeover.release(target));
      this.unhold(report.address.text);
      this.components.onChange();
    } catch (releaseError) {
      const reason = releaseError instanceof TakeoverError ? releaseError.message : String(releaseError);
      this.components.log.error({ address: report.address.text }, `releasing after a failed takeip failed: ${reason}`);
    }
    return { result: { address: report.address, status: 'failed', error, timings }, timedOut: event?.status === 'TIMEDOUT' };
  }

  private async runEvent(event: 'takeip' | 'releaseip' | 'updateip', args: string[]): Promise<EventResult | undefined> {
    try {
      const result = await this.components.events.run(event, args);
      if (eventFailed(result)) {
        this.components.log.warn({ event, args, status: result.status }, `event ${event} ${result.status}${result.reason ? `: ${result.reason}` : ''}`);
      }
      return result;
    } catch (error) {
      this.components.log.error({ event, args }, `event ${event} could not run: ${error instanceof Error ? error.message : String(error)}`);
      return undefined;
    }
  }
}

function micros(ms: number): number {
  return Math.min(0xffffffff, Math.max(0, Math.round(ms * 1000)));
}
