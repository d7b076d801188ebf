// Duplicate detection: every held address is probed when taken and then about once per probe interval; another MAC answering is a duplicate.
//
// Found: logged (address, other MAC), counted, shown in `floatip status` / `ip -v`, and
// the address is announced again from here (gratuitous ARP / unsolicited NA bursts), so
// clients follow this node: the one that holds it by assignment, since only the
// leader's orders (and reconcile, which restores what they gave) put an address here.
// The leader is not told: the other holder may be no floatip node at all (an address
// added by hand), and the only cure the cluster has, announcing from the assigned
// holder, is done here. The duplicate clears when a later probe hears no other MAC.
//
// The periodic probes are spread evenly: each second a share of the held addresses
// (held / interval-in-seconds, fractions carried over) is probed, so a thousand
// addresses never leave in one burst and no tick does more than a slice of the work.
//
// An address found duplicated is probed (and, while still found, announced) every slice,
// 1 s, until it clears: the other host's kernel keeps pulling clients back whenever it
// speaks (it ARPs for a client it answers, with the address as sender), so one
// announcement at detection is not enough. The kill-together test measured clients left on
// a dead node's MAC for good after the announcement at detection; now each pull-back lasts
// about one slice. Two live claimants announcing once a second each is no storm.

import { IpAddress } from '../../core/ip';
import { AddressClaim, AddressProber } from '../../adapters/packet/prober';
import { DuplicateAddressStatus, DuplicatesStatus } from '../../protocol/control-results';
import { CancelTimer, Clock, every } from '../../adapters/clock';
import { HeldAddress, LocalAddresses } from './hosting';
import { Logger } from './logger';

/** One slice of periodic probes per second. */
export const PROBE_SLICE_MS = 1000;

/**
 * Probes built and sent in one event-loop turn; the rest of a longer list goes on the next
 * turns. The 333 addresses of a takeover probed in one turn (after the GARP's first round)
 * held the main loop 70-85 ms (--cpu-prof, issue 17's budget is 50 ms).
 */
export const PROBES_PER_TURN = 64;

export interface DuplicateWatchSettings {
  /** Each held address is probed about once per this many ms; 0 turns probing off (take time included). */
  readonly probeIntervalMs: number;
}

export interface DuplicateWatchComponents {
  readonly prober: AddressProber;
  readonly hosting: Pick<LocalAddresses, 'list' | 'get' | 'enqueue' | 'restore'>;
  readonly clock: Clock;
  readonly log: Logger;
}

export type ClaimVerdict = 'duplicate' | 'ignore';

interface ClaimRule {
  readonly applies: (claim: AddressClaim, held: HeldAddress | undefined) => boolean;
  readonly verdict: ClaimVerdict;
  readonly reason: string;
}

/** Whether a claim heard during a probe makes the address a duplicate: the first row that applies decides. */
export const CLAIM_RULES: readonly ClaimRule[] = [
  { applies: (_, held) => held === undefined, verdict: 'ignore', reason: 'not held here any more: released since the probe, so its new owner answers rightly' },
  { applies: (claim, held) => held?.iface !== claim.iface, verdict: 'ignore', reason: 'heard on an interface the address has left since the probe' },
  { applies: (claim) => claim.mac.text === claim.ownMac.text, verdict: 'ignore', reason: 'our own MAC: our frame came back (a hairpin bridge port or a loop)' },
  { applies: () => true, verdict: 'duplicate', reason: 'another MAC claims an address this node holds' },
];

export function judgeClaim(claim: AddressClaim, held: HeldAddress | undefined): ClaimRule {
  const rule = CLAIM_RULES.find((r) => r.applies(claim, held));
  if (!rule) throw new Error('CLAIM_RULES ends with a row that always applies');
  return rule;
}

export interface DuplicateWatchStats {
  /** Addresses probed (one probe frame each). */
  probed: number;
  /** Probes that could not be sent. */
  probeFailures: number;
  /** Claims that did not count, by the reason of their rule. */
  ignoredClaims: number;
}

export class DuplicateWatch {
  readonly stats: DuplicateWatchStats = { probed: 0, probeFailures: 0, ignoredClaims: 0 };
  private readonly found = new Map<string, DuplicateAddressStatus>();
  /** Held addresses already probed at take time. */
  private readonly known = new Set<string>();
  private readonly taken: HeldAddress[] = [];
  private takeProbeQueued = false;
  private detections = 0;
  private cursor = 0;
  /** Probes owed to the periodic schedule (x probeIntervalMs), the remainder carried from slice to slice. */
  private owed = 0;
  private cancelSlices: CancelTimer | undefined;
  private running = false;

  constructor(private readonly settings: DuplicateWatchSettings, private readonly components: DuplicateWatchComponents) {}

  private get enabled(): boolean {
    return this.settings.probeIntervalMs > 0;
  }

  start(): void {
    if (!this.enabled || this.running) return;
    this.running = true;
    this.cancelSlices = every(this.components.clock, PROBE_SLICE_MS, () => this.probeSlice());
    this.heldChanged();
  }

  stop(): void {
    this.running = false;
    this.cancelSlices?.();
    this.cancelSlices = undefined;
  }

  /** After every change of the held set: new addresses are probed at once (one batch per tick), released ones forgotten. */
  heldChanged(): void {
    if (!this.running) return;
    const held = this.components.hosting.list();
    const now = new Set(held.map((h) => h.address.text));
    for (const text of this.known) {
      if (now.has(text)) continue;
      this.known.delete(text);
      if (this.found.delete(text)) this.components.log.info({ address: text }, `${text} released: no longer watched as a duplicate`);
    }
    for (const h of held) {
      if (this.known.has(h.address.text)) continue;
      this.known.add(h.address.text);
      this.taken.push(h);
    }
    if (this.taken.length > 0 && !this.takeProbeQueued) {
      this.takeProbeQueued = true;
      queueMicrotask(() => {
        this.takeProbeQueued = false;
        this.probe(this.taken.splice(0));
      });
    }
  }

  summary(): DuplicatesStatus {
    return { addresses: [...this.found.values()], detections: this.detections };
  }

  /** The other MACs of a held address seen duplicated now, or undefined. */
  macsOf(text: string): readonly string[] | undefined {
    return this.found.get(text)?.macs;
  }

  private probeSlice(): void {
    const held = this.components.hosting.list();
    if (held.length === 0) {
      this.owed = 0;
      return;
    }
    // In address-milliseconds, so the sums stay whole numbers and no probe is lost to rounding.
    this.owed += held.length * PROBE_SLICE_MS;
    const count = Math.min(held.length, Math.floor(this.owed / this.settings.probeIntervalMs));
    this.owed = (this.owed - count * this.settings.probeIntervalMs) % this.settings.probeIntervalMs;
    const start = this.cursor % held.length;
    const chosen = Array.from({ length: count }, (_, i) => held[(start + i) % held.length]);
    this.cursor = (start + count) % held.length;
    const picked = new Set(chosen.map((h) => h.address.text));
    const duplicated = held.filter((h) => this.found.has(h.address.text) && !picked.has(h.address.text));
    this.probe([...chosen, ...duplicated]);
  }

  private probe(list: readonly HeldAddress[]): void {
    if (!this.running || list.length === 0) return;
    if (list.length > PROBES_PER_TURN) {
      const later = list.slice(PROBES_PER_TURN);
      this.components.clock.nextTurn(() => this.probe(later));
      list = list.slice(0, PROBES_PER_TURN);
    }
    const byIface = new Map<string, IpAddress[]>();
    for (const h of list) {
      const addresses = byIface.get(h.iface);
      if (addresses) addresses.push(h.address);
      else byIface.set(h.iface, [h.address]);
    }
    for (const [iface, addresses] of byIface) {
      this.stats.probed += addresses.length;
      this.components.prober.probe(iface, addresses).then(
        (claims) => this.judge(iface, addresses, claims),
        (error: unknown) => {
          this.stats.probeFailures++;
          this.components.log.warn({ iface, addresses: addresses.length, code: (error as { code?: unknown }).code },
            `duplicate probe on ${iface} failed: ${error instanceof Error ? error.message : String(error)}`);
        },
      );
    }
  }

  private judge(iface: string, probed: readonly IpAddress[], claims: readonly AddressClaim[]): void {
    if (!this.running) return;
    const { hosting, clock, log } = this.components;
    const others = new Map<string, AddressClaim[]>();
    for (const claim of claims) {
      const rule = judgeClaim(claim, hosting.get(claim.address.text));
      if (rule.verdict === 'ignore') {
        this.stats.ignoredClaims++;
        log.debug({ address: claim.address.text, mac: claim.mac.text, how: claim.how }, `claim ignored: ${rule.reason}`);
        continue;
      }
      others.set(claim.address.text, [...(others.get(claim.address.text) ?? []), claim]);
    }
    const now = clock.wallNow();
    for (const address of probed) {
      const text = address.text;
      const heard = others.get(text);
      const before = this.found.get(text);
      if (!heard) {
        if (before && hosting.get(text)) {
          this.found.delete(text);
          log.info({ address: text, iface, macs: before.macs }, `${text}: no other MAC answered the probe any more: duplicate cleared`);
        }
        continue;
      }
      const macs = [...new Set(heard.map((c) => c.mac.text))].sort();
      this.found.set(text, { address: text, iface, macs, since: before?.since ?? now, lastSeen: now });
      if (!before) {
        this.detections++;
        log.warn({ address: text, iface, macs, how: [...new Set(heard.map((c) => c.how))] },
          `duplicate address: ${text} on ${iface} is also answered by ${macs.join(', ')}; announcing it again from this node, its assigned holder. `
          + 'Remove it from the other host (see `floatip status`; docs/operations.md "Duplicate addresses")');
      }
      this.reannounce(text);
    }
  }

  /** A GARP / unsolicited NA burst from this node, through the hosting queue (gratarp's path). */
  private reannounce(text: string): void {
    const { hosting, log } = this.components;
    hosting.enqueue(() => hosting.restore(text)).catch((error: unknown) => {
      log.error({ address: text }, `announcing duplicate ${text} again failed: ${error instanceof Error ? error.message : String(error)}`);
    });
  }
}
