// Durations in floatip.toml: a string with a unit ("200ms", "1s", "5m"), held as whole milliseconds.

import { Parsed } from '../core/ip';

/** Milliseconds. Every duration in the loaded configuration is in this unit. */
export type Milliseconds = number;

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const DURATION = /^([0-9]+(?:\.[0-9]+)?)(ms|s|m|h)$/;

/**
 * Parses `"200ms"`, `"1s"`, `"1.5s"`, `"5m"`, `"1h"`. A bare number is refused on
 * purpose: `300` could mean seconds (CTDB's tunables) or milliseconds, and a
 * wrong guess there changes failover time by a factor of a thousand.
 */
export function parseDuration(text: string): Parsed<Milliseconds> {
  const match = DURATION.exec(text.trim());
  if (!match) {
    return { ok: false, error: `"${text}" is not a duration: write a number with a unit, e.g. "200ms", "1s", "5m"` };
  }
  const ms = Number(match[1]) * UNIT_MS[match[2]];
  // Decimal input like "1.1s" gives 1100.0000000000002; a tolerance keeps such values exact.
  const whole = Math.round(ms);
  if (Math.abs(ms - whole) > 1e-6) {
    return { ok: false, error: `"${text}" is not a whole number of milliseconds` };
  }
  if (!Number.isSafeInteger(whole)) return { ok: false, error: `"${text}" is too long a duration` };
  return { ok: true, value: whole };
}

/** The shortest exact text for a duration: 300000 -> "5m", 1500 -> "1500ms", 0 -> "0s". */
export function formatDuration(ms: Milliseconds): string {
  if (ms === 0) return '0s';
  if (ms % UNIT_MS.h === 0) return `${ms / UNIT_MS.h}h`;
  if (ms % UNIT_MS.m === 0) return `${ms / UNIT_MS.m}m`;
  if (ms % UNIT_MS.s === 0) return `${ms / UNIT_MS.s}s`;
  return `${ms}ms`;
}
