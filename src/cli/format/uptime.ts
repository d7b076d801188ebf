// Human text for `floatip uptime` and `floatip ping`, in ctdb's layout.

import { PingResult, UptimeResult } from '../../protocol/control-results';
import { formatTime } from './events';

/** `(DDD HH:MM:SS)`: how long ago, as `ctdb uptime` prints it. */
export function formatAge(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const days = Math.floor(total / 86_400);
  const two = (n: number): string => String(n).padStart(2, '0');
  return `(${String(days).padStart(3, '0')} ${two(Math.floor(total / 3600) % 24)}:${two(Math.floor(total / 60) % 60)}:${two(total % 60)})`;
}

export function formatUptime(uptime: UptimeResult, nowMs: number): string {
  const blank = ' '.repeat(formatAge(0).length);
  const lines = [
    `Current time of node          : ${blank} ${formatTime(nowMs)}`,
    `floatipd start time           : ${formatAge(nowMs - uptime.startedAt)} ${formatTime(uptime.startedAt)}`,
  ];
  if (uptime.lastTakeoverAt === null) {
    lines.push('Time of last takeover run     : none since floatipd started');
  } else {
    lines.push(`Time of last takeover run     : ${formatAge(nowMs - uptime.lastTakeoverAt)} ${formatTime(uptime.lastTakeoverAt)}`);
  }
  if (uptime.lastTakeoverMs !== null) {
    lines.push(`Duration of last takeover run : ${(uptime.lastTakeoverMs / 1000).toFixed(6)} seconds`);
  }
  return `${lines.join('\n')}\n`;
}

/** `roundTripMs` is what the CLI measured, request to reply. */
export function formatPing(ping: PingResult, roundTripMs: number): string {
  return `response from ${ping.pnn} time=${(roundTripMs / 1000).toFixed(6)} sec\n`;
}
