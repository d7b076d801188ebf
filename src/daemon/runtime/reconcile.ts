// Drift repair: the kernel is the truth, compared every reconcile_interval with what this node must hold.
//
// An address we hold that someone deleted is put back and announced again (at once
// when netlink reports the deletion), but never while the node may take nothing (no
// live guardian): the one who deleted it may be our own guardian fencing a stall, and
// its FENCED notice lets the peers take it. An address carrying floatip's tag that we
// must not hold is removed. A held address whose interface loses link moves to another of
// its interfaces with link (CTDB's updateip); with none, the leader re-plans it,
// since our links travel in every heartbeat.

import { LinkState } from '../../core/address';
import { AddressPort, LinkPort, NetlinkEvent, NetlinkWatchPort } from '../../adapters/netlink/port';
import { Takeover } from '../../adapters/takeover/port';
import { ClusterState } from './cluster-state';
import { LocalAddresses } from './hosting';
import { Logger } from './logger';
import { inBackground } from './background';
import { boundedList } from './change-log';

export interface ReconcileComponents {
  readonly netlink: AddressPort & LinkPort & NetlinkWatchPort;
  readonly takeover: Takeover;
  readonly state: ClusterState;
  readonly hosting: LocalAddresses;
  readonly log: Logger;
  /** Our heartbeat, at once (links changed). */
  readonly announce: () => void;
  /** Why this node may take no address now (no live guardian), or undefined: then nothing is put back. */
  readonly refusal: () => string | undefined;
}

export interface ReconcileStats {
  checks: number;
  restored: number;
  /** Missing addresses left missing because the node may take nothing (unguarded): the leader moves them. */
  notRestored: number;
  removed: number;
  moved: number;
  /** Checks that could not read the kernel (retried at the next tick). */
  failedChecks: number;
}

export class Reconciler {
  readonly stats: ReconcileStats = { checks: 0, restored: 0, notRestored: 0, removed: 0, moved: 0, failedChecks: 0 };
  private checking: Promise<void> | undefined;
  /**
   * Public interfaces the kernel does not have: at the last full read, or deleted since.
   * Only for what `floatip ifaces` shows: to the cluster a missing interface has no link,
   * like a down one (heartbeats carry up/down only), so nothing goes on it.
   */
  private readonly absent = new Set<string>();

  constructor(private readonly components: ReconcileComponents) {}

  /** The interfaces our public addresses may use: the only links we report. */
  interfaces(): Set<string> {
    const list = this.components.state.addressList(this.components.state.localPnn) ?? [];
    return new Set(list.flatMap((line) => line.interfaces));
  }

  /** Reads every public interface's link state (at start, and after a reload adds interfaces). */
  async readLinks(): Promise<void> {
    const links = await this.components.netlink.listLinks();
    const wanted = this.interfaces();
    const present = new Set(links.map((link) => link.name));
    this.absent.clear();
    for (const name of wanted) if (!present.has(name)) this.absent.add(name);
    for (const link of links) if (wanted.has(link.name)) this.observeLink(link.name, link.state);
  }

  /** Whether the kernel lacks this interface (never created, or deleted): `floatip ifaces` shows it missing, not down. */
  isMissing(iface: string): boolean {
    return this.absent.has(iface);
  }

  /**
   * One comparison of kernel and record, in the hosting queue; calls during one share it.
   * It never rejects: callers fire it and forget (`void`), and a kernel read that failed
   * (once, EBUSY beside a SIGHUP's read) became an unhandled rejection that ended floatipd.
   * A failed check is logged; the next tick checks again.
   */
  check(): Promise<void> {
    this.checking ??= this.components.hosting.enqueue(() => this.compare()).catch((error: unknown) => {
      this.stats.failedChecks++;
      this.components.log.warn({ failed: this.stats.failedChecks }, `reconcile could not read the kernel's addresses: ${error instanceof Error ? error.message : String(error)}; `
        + 'checking again at the next tick');
    }).finally(() => { this.checking = undefined; });
    return this.checking;
  }

  onNetlinkEvent(event: NetlinkEvent): void {
    switch (event.kind) {
      case 'address-removed': {
        const held = this.components.hosting.get(event.address.address.text);
        if (event.address.owned && !event.byUs && held && held.iface === event.address.interface) {
          // Barred (the fence, an evacuation): the node is letting go of everything, and its guardian
          // deleting first is the fence working (333 warnings per link loss of a node with 1000 addresses).
          const barred = this.components.hosting.barred;
          if (barred !== undefined) {
            this.components.log.debug({ address: held.address.text, iface: held.iface }, `${held.address.text} was deleted while this node may hold no address (${barred}): left deleted`);
            return;
          }
          const refused = this.components.refusal();
          this.components.log.warn({ address: held.address.text, iface: held.iface }, refused === undefined
            ? `${held.address.text} was deleted behind our back: putting it back`
            : `${held.address.text} was deleted behind our back: left deleted, since ${refused}; the leader moves it`);
          if (refused !== undefined) return;
          inBackground(this.check(), this.components.log, 'E_RECONCILE', 'putting a deleted address back');
        }
        return;
      }
      case 'link-changed':
        this.absent.delete(event.link.name);
        if (this.interfaces().has(event.link.name)) this.linkChanged(event.link.name, event.link.state);
        return;
      case 'link-removed':
        if (this.interfaces().has(event.link.name)) {
          this.absent.add(event.link.name);
          this.linkChanged(event.link.name, 'down');
        }
        return;
      case 'resync':
        inBackground(this.check(), this.components.log, 'E_RECONCILE', 'the reconcile check after a resync');
        return;
      case 'address-added':
        return;
    }
  }

  private linkChanged(iface: string, state: LinkState): void {
    this.observeLink(iface, state);
    this.components.announce();
    if (state === 'down') inBackground(this.components.hosting.enqueue(() => this.moveOff(iface)), this.components.log, 'E_LINK_MOVE', `moving addresses off ${iface}`);
  }

  private observeLink(iface: string, linkState: LinkState): void {
    this.components.state.observe({ kind: 'link', pnn: this.components.state.localPnn, iface, state: linkState });
  }

  /** updateip: every held address on `iface` goes to the first other interface of its line with link. */
  private async moveOff(iface: string): Promise<void> {
    const { state, hosting, log } = this.components;
    const links = state.view.nodes[state.localPnn].links;
    // One line for all that stay (a node may hold hundreds on one interface), the full list at debug.
    const stranded: string[] = [];
    for (const held of hosting.list().filter((h) => h.iface === iface)) {
      const to = state.addressLine(state.localPnn, held.address.text)?.interfaces.find((name) => name !== iface && links.get(name) === 'up');
      if (to === undefined) {
        stranded.push(held.address.text);
        continue;
      }
      try {
        await hosting.move(held.address.text, to);
        this.stats.moved++;
        log.info({ address: held.address.text, from: iface, to }, `${held.address.text} moved from ${iface} to ${to} (link down)`);
      } catch (error) {
        log.error({ address: held.address.text, from: iface, to }, `moving ${held.address.text} to ${to} failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    if (stranded.length > 0) {
      log.warn({ iface, count: stranded.length, addresses: boundedList(stranded) },
        `${iface} lost link and no other interface of ${stranded.length === 1 ? stranded[0] : `its ${stranded.length} addresses`} has link; the leader moves ${stranded.length === 1 ? 'it' : 'them'}`);
      log.debug({ iface, addresses: stranded }, `addresses left on ${iface} for the leader to move`);
    }
  }

  private async compare(): Promise<void> {
    const { netlink, takeover, hosting, log } = this.components;
    this.stats.checks++;
    const owned = (await netlink.listAddresses()).filter((a) => a.owned);
    const inKernel = new Set(owned.map((a) => `${a.address.text}%${a.interface}`));
    const refused = this.components.refusal();
    const missing = hosting.list().filter((held) => !inKernel.has(`${held.address.text}%${held.iface}`));
    const barred = hosting.barred;
    if (barred !== undefined && missing.length > 0) {
      // The fence (or an evacuation) is letting go of everything: nothing comes back, and a line per address was a flood.
      this.stats.notRestored += missing.length;
      log.debug({ count: missing.length, addresses: boundedList(missing.map((held) => held.address.text)) },
        `${missing.length} held address(es) missing from the kernel: not re-added (${barred})`);
    }
    for (const held of barred === undefined ? missing : []) {
      if (refused !== undefined) {
        this.stats.notRestored++;
        log.warn({ address: held.address.text, iface: held.iface }, `${held.address.text} is missing from ${held.iface}: not re-added (${refused}); the leader moves it`);
        continue;
      }
      try {
        const report = await hosting.restore(held.address.text);
        if (report === undefined) {
          // Barred (a fence, no guardian) or released meanwhile: saying "re-added" here hid that nothing was added.
          this.stats.notRestored++;
          log.warn({ address: held.address.text, iface: held.iface }, `${held.address.text} is missing from ${held.iface}: not re-added (${hosting.barred ?? 'released meanwhile'})`);
          continue;
        }
        this.stats.restored++;
        log.warn({ address: held.address.text, iface: held.iface }, report.outcome === 'added'
          ? `${held.address.text} was missing from ${held.iface}: re-added and announced`
          : `${held.address.text} was missing from ${held.iface}, and is back: announced again`);
      } catch (error) {
        log.error({ address: held.address.text }, `re-adding ${held.address.text} failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    for (const stray of owned) {
      const held = hosting.get(stray.address.text);
      if (held && held.iface === stray.interface) continue;
      try {
        if (held) await netlink.deleteAddress(stray);
        else await takeover.release({ address: stray.address, bits: stray.bits });
        this.stats.removed++;
        log.warn({ address: stray.address.text, iface: stray.interface }, `${stray.address.text} on ${stray.interface} is not ours to hold: removed`);
      } catch (error) {
        log.error({ address: stray.address.text }, `removing ${stray.address.text} failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }
}
