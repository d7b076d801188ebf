// Flap damping of the node's health: a monitor that flips too often holds the node out (UNHEALTHY) for a hold-down.
//
// A monitor failing every other run moved the node's addresses away and back at every flip
// (16 runs, 32 moves in 30 s, issue 11). Route flap damping's idea, kept simple: more than
// `flips` changes of the monitor's verdict within `windowMs` hold the node out for
// `holdDownMs`; it comes back at the first passing monitor after the hold-down when the
// last window saw no more than `flips` changes (one that still did starts another hold-down).
// Pure: the clock reading comes in with every call.

export interface FlapDampingSettings {
  /** Changes of the monitor's verdict allowed within the window; one more holds the node out. 0 turns damping off. */
  readonly flips: number;
  readonly windowMs: number;
  readonly holdDownMs: number;
}

/** events.monitor_flap_* defaults (schema.ts documents them). */
export const DEFAULT_FLAP_DAMPING: FlapDampingSettings = { flips: 3, windowMs: 60_000, holdDownMs: 60_000 };

export interface FlapVerdict {
  readonly heldOut: boolean;
  readonly reason: string;
  /** Verdict changes within the window ending now. */
  readonly flips: number;
  /** Clock reading at which the hold-down ends; null when not held out. */
  readonly until: number | null;
  /** A hold-down starts (or starts again) now. */
  readonly hold: boolean;
}

interface FlapFacts {
  readonly settings: FlapDampingSettings;
  readonly flips: number;
  readonly now: number;
  readonly heldUntil: number | undefined;
}

interface FlapRule {
  readonly when: (f: FlapFacts) => boolean;
  readonly heldOut: boolean;
  /** The hold-down starts (or starts again) now. */
  readonly hold: boolean;
  readonly reason: (f: FlapFacts) => string;
}

const seconds = (ms: number): string => `${Math.round(ms / 100) / 10} s`;

/** First matching row wins. */
const FLAP_RULES: readonly FlapRule[] = [
  {
    when: (f) => f.settings.flips === 0, heldOut: false, hold: false,
    reason: () => 'flap damping is off (events.monitor_flap_flips = 0)',
  },
  {
    when: (f) => f.heldUntil !== undefined && f.now < f.heldUntil, heldOut: true, hold: false,
    reason: (f) => `held out after flapping: ${seconds((f.heldUntil ?? f.now) - f.now)} of the hold-down left`,
  },
  {
    when: (f) => f.flips > f.settings.flips, heldOut: true, hold: true,
    reason: (f) => `health flipped ${f.flips} times within ${seconds(f.settings.windowMs)}, more than ${f.settings.flips}: `
      + `held out for ${seconds(f.settings.holdDownMs)}`,
  },
  {
    when: () => true, heldOut: false, hold: false,
    reason: (f) => `${f.flips} health flip(s) within ${seconds(f.settings.windowMs)}, at most ${f.settings.flips} allowed`,
  },
];

/** The damping verdict for `flips` verdict changes in the window and a hold-down until `heldUntil`. */
export function flapVerdict(settings: FlapDampingSettings, flips: number, now: number, heldUntil: number | undefined): FlapVerdict {
  const facts: FlapFacts = { settings, flips, now, heldUntil };
  const rule = FLAP_RULES.find((r) => r.when(facts)) ?? FLAP_RULES[FLAP_RULES.length - 1];
  const until = rule.hold ? now + settings.holdDownMs : rule.heldOut ? heldUntil ?? null : null;
  return { heldOut: rule.heldOut, hold: rule.hold, reason: rule.reason(facts), flips, until };
}

/** The node's damping state: hears every monitor verdict, says whether the node is held out. */
export class FlapDamper {
  private flipsAt: number[] = [];
  private last: boolean | undefined;
  private heldUntil: number | undefined;
  /** Hold-downs started since the daemon started (metrics). */
  holds = 0;

  constructor(private readonly settings: FlapDampingSettings) {}

  /** One finished monitor's verdict at clock reading `now`. */
  record(healthy: boolean, now: number): FlapVerdict {
    if (this.last !== undefined && this.last !== healthy) this.flipsAt.push(now);
    this.last = healthy;
    const verdict = this.verdict(now);
    if (verdict.hold) {
      this.holds++;
      this.heldUntil = verdict.until ?? undefined;
    } else if (!verdict.heldOut) {
      this.heldUntil = undefined;
    }
    return verdict;
  }

  verdict(now: number): FlapVerdict {
    this.flipsAt = this.flipsAt.filter((at) => now - at < this.settings.windowMs);
    return flapVerdict(this.settings, this.flipsAt.length, now, this.heldUntil);
  }
}
