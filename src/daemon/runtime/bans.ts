// Ban credits, as CTDB counts them: each failed takeover action is a credit for its node; enough make a ban.

import { Pnn } from '../../core/flags';
import { BanSettings } from './settings';

interface Credits {
  count: number;
  lastAt: number;
}

/** What one failure did: the node's credits now, and whether it reached the threshold. */
export interface CreditOutcome {
  readonly pnn: Pnn;
  readonly credits: number;
  readonly ban: boolean;
}

/**
 * Credits are forgotten after `gracePeriodMs` without a new failure (CTDB's
 * RecoveryGracePeriod); a node that reaches the threshold is banned for
 * `periodMs` and its credits start again from zero.
 */
export class BanCredits {
  private readonly credits = new Map<Pnn, Credits>();

  constructor(private readonly settings: BanSettings) {}

  /** Adds one credit to `pnn` at clock reading `now`. */
  charge(pnn: Pnn, now: number): CreditOutcome {
    const entry = this.current(pnn, now) ?? { count: 0, lastAt: now };
    entry.count += 1;
    entry.lastAt = now;
    this.credits.set(pnn, entry);
    const ban = this.settings.enabled && entry.count >= this.settings.creditsThreshold;
    if (ban) this.credits.delete(pnn);
    return { pnn, credits: ban ? this.settings.creditsThreshold : entry.count, ban };
  }

  /** Credits of `pnn` at clock reading `now` (0 once the grace period has passed). */
  creditsOf(pnn: Pnn, now: number): number {
    return this.current(pnn, now)?.count ?? 0;
  }

  private current(pnn: Pnn, now: number): Credits | undefined {
    const entry = this.credits.get(pnn);
    if (entry && now - entry.lastAt >= this.settings.gracePeriodMs) {
      this.credits.delete(pnn);
      return undefined;
    }
    return entry;
  }
}
