// `events.monitor_schedule`: run the monitor event every DURATION, or on a cron expression.

import { validateDetailed } from 'node-cron';
import { formatDuration, Milliseconds, parseDuration } from './duration';

export type MonitorSchedule =
  | { readonly kind: 'interval'; readonly every: Milliseconds }
  | { readonly kind: 'cron'; readonly expression: string };

const MIN_INTERVAL: Milliseconds = 100;
const MAX_INTERVAL: Milliseconds = 3_600_000;

/**
 * A duration ("5s") or a node-cron expression with 5 or 6 fields
 * ("*\/10 * * * * *" = every 10 seconds). The expression is checked with
 * node-cron itself, the library the daemon schedules with, so both agree.
 */
export function parseMonitorSchedule(text: string): { ok: true; value: MonitorSchedule } | { ok: false; error: string } {
  const trimmed = text.trim();
  if (!/\s/.test(trimmed)) {
    const parsed = parseDuration(trimmed);
    if (!parsed.ok) {
      return { ok: false, error: `${parsed.error}, or a cron expression such as "*/5 * * * * *"` };
    }
    if (parsed.value < MIN_INTERVAL || parsed.value > MAX_INTERVAL) {
      return { ok: false, error: `"${text}" is out of range: use ${formatDuration(MIN_INTERVAL)}..${formatDuration(MAX_INTERVAL)}` };
    }
    return { ok: true, value: { kind: 'interval', every: parsed.value } };
  }
  const checked = validateDetailed(trimmed);
  if (!checked.valid) {
    const why = checked.errors.map((e) => e.message).join('; ');
    return { ok: false, error: `"${text}" is not a valid cron expression: ${why}` };
  }
  return { ok: true, value: { kind: 'cron', expression: trimmed } };
}

export function formatMonitorSchedule(schedule: MonitorSchedule): string {
  return schedule.kind === 'interval' ? formatDuration(schedule.every) : schedule.expression;
}
