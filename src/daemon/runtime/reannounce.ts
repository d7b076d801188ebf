// Announces every address this node hosts again when its partition heals or it regains quorum: hosts and switches across the split may still point elsewhere.
//
// While a network was split, ARP caches and switch MAC tables on the far side heard none of this
// node's announcements (and may have heard the other side's, before it fenced); they would keep
// the stale entry until it ages out (keepalived #20 and #166, MetalLB #2910). One burst per hosted
// address when the two sides meet again costs little and mends it at once.

import { Pnn } from '../../core/flags';
import { QuorumState } from '../../core/quorum';
import { ClusterState } from './cluster-state';
import { LocalAddresses } from './hosting';
import { Logger } from './logger';
import { inBackground } from './background';

/** What the rules compare: this node's partition before and after a view change, and the nodes it has had as peers. */
export interface PartitionMoment {
  readonly quorate: boolean;
  readonly members: readonly Pnn[];
}

interface ReannounceRule {
  readonly reason: (before: PartitionMoment, after: PartitionMoment, known: ReadonlySet<Pnn>) => string | undefined;
  /** Why the row exists. */
  readonly why: string;
}

/** One row per moment that calls for announcing every hosted address again; the first that gives a reason wins. */
export const REANNOUNCE_RULES: readonly ReannounceRule[] = [
  {
    reason: (before, after) => (!before.quorate && after.quorate ? 'quorum regained' : undefined),
    why: 'the other side of a split meets this one (or the cluster lock, or last man standing, gives quorum back): whatever this node still hosts is announced, in case anything heard the other side meanwhile',
  },
  {
    reason: (before, after, known) => {
      const back = after.members.filter((pnn) => !before.members.includes(pnn) && known.has(pnn));
      return back.length > 0 ? `node${back.length > 1 ? 's' : ''} ${back.join(',')} back in the partition` : undefined;
    },
    why: 'a peer that was in the partition before and returns (a split healed, a link or a node came back): hosts on its side may hold stale entries',
  },
];

/** The first rule's reason for the change from `before` to `after`, if any. */
export function reannounceReason(before: PartitionMoment, after: PartitionMoment, known: ReadonlySet<Pnn>): string | undefined {
  for (const rule of REANNOUNCE_RULES) {
    const reason = rule.reason(before, after, known);
    if (reason !== undefined) return reason;
  }
  return undefined;
}

export interface ReannounceParts {
  readonly self: Pnn;
  readonly state: Pick<ClusterState, 'quorum'>;
  readonly hosting: Pick<LocalAddresses, 'list' | 'announce'>;
  readonly log: Logger;
}

/**
 * Watches the partition on every view change and announces each hosted address once more when a
 * rule says so. Not through the hosting queue but as `floatip gratarp` does (hosting.ts): a node
 * coming back starts a run at once, and its orders must not wait behind a thousand announcements.
 */
export class Reannouncer {
  private last: PartitionMoment;
  private readonly known = new Set<Pnn>();
  /** A re-announcement under way: a second reason meanwhile adds nothing. */
  private pending = false;
  /** How many times every hosted address was announced again (status, tests). */
  rounds = 0;

  constructor(private readonly parts: ReannounceParts) {
    this.last = moment(parts.state.quorum());
  }

  viewChanged(): void {
    const now = moment(this.parts.state.quorum());
    const reason = reannounceReason(this.last, now, this.known);
    this.last = now;
    for (const pnn of now.members) if (pnn !== this.parts.self) this.known.add(pnn);
    if (reason === undefined || this.pending || this.parts.hosting.list().length === 0) return;
    this.pending = true;
    inBackground(this.announceAll(reason).finally(() => { this.pending = false; }), this.parts.log, 'E_REANNOUNCE', `announcing again (${reason})`);
  }

  /** One address after the other; one that is released meanwhile is left alone (announce() answers undefined). */
  private async announceAll(reason: string): Promise<void> {
    const { hosting, log } = this.parts;
    const addresses = hosting.list().map((held) => held.address.text);
    this.rounds++;
    log.info({ reason, addresses: addresses.length }, `${reason}: announcing the ${addresses.length} hosted address(es) again`);
    for (const text of addresses) {
      try {
        await hosting.announce(text);
      } catch (error) {
        log.warn({ reason, address: text }, `announcing ${text} again (${reason}) failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }
}

function moment(quorum: QuorumState): PartitionMoment {
  return { quorate: quorum.quorate, members: quorum.members };
}
