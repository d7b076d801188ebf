// `events.monitor_schedule`: run the monitor event every DURATION, or on a cron expression.

import { validateDetailed } from 'node-cron';
import { formatDuration, Milliseconds, parseDuration } from './duration';

export type MonitorSchedule =
  | { readonly kind: 'interval'; readonly every: Milliseconds }
  | { readonly kind: 'cron'; readonly expression: string };

const EVEN_PACE = 'use 1, 2, 3, 4, 5, 6, 10, 12, 15, 20 or 30 s, whole minutes dividing an hour, or a cron expression';

/**
 * The daemon schedules `monitor` with node-cron, which can only fire at an even
 * pace when the interval divides a minute (or an hour): 7 s would run at :00,
 * :07 ... :56 and then again at :00 after 4 s.
 */
function evenPace(ms: Milliseconds): boolean {
  if (ms % 1000 !== 0) return false;
  const seconds = ms / 1000;
  if (seconds >= 1 && seconds < 60) return 60 % seconds === 0;
  return seconds % 60 === 0 && 60 % (seconds / 60) === 0;
}

/**
 * A duration ("5s") or a node-cron expression with 5 or 6 fields
 * ("*\/10 * * * * *" = every 10 seconds). The expression is checked with
 * node-cron itself, the library the daemon schedules with, so both agree.
 */
export function parseMonitorSchedule(text: string): { ok: true; value: MonitorSchedule } | { ok: false; error: string } {
  const trimmed = text.trim();
  if (!/\s/.test(trimmed)) {
    const parsed = parseDuration(trimmed);
    if (!parsed.ok) return { ok: false, error: `${parsed.error}, or a cron expression such as "*/5 * * * * *"` };
    if (!evenPace(parsed.value)) {
      return { ok: false, error: `"${text}" (${formatDuration(parsed.value)}) cannot run at an even pace: ${EVEN_PACE}` };
    }
    return { ok: true, value: { kind: 'interval', every: parsed.value } };
  }
  // No cron field goes past 59: a longer number is refused before node-cron, which would expand
  // it into an array so large that V8 aborts the whole process.
  const huge = /\d{3,}/.exec(trimmed);
  if (huge) return { ok: false, error: `"${text}" is not a valid cron expression: ${huge[0]} is out of range of every field (0..59)` };
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
