// Human text for `floatip event status|run|script list`, CTDB's table layout, from plain result values.

import { EventResult, ScriptInfo, ScriptResult } from '../../protocol/event-results';

/** Statuses whose captured output the table shows, as CTDB shows OUTPUT only for failures. */
const SHOW_OUTPUT = new Set(['ERROR', 'TIMEDOUT', 'CANNOT RUN']);

/** `2025-01-01 12:00:00.123 UTC`: fixed width, the same on every node whatever its time zone. */
export function formatTime(epochMs: number): string {
  if (epochMs <= 0) return '-';
  return `${new Date(epochMs).toISOString().replace('T', ' ').replace('Z', '')} UTC`;
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(3);
}

function statusText(status: string, exitCode: number | undefined): string {
  return status === 'ERROR' && exitCode !== undefined ? `ERROR(${exitCode})` : status;
}

function outputLines(script: ScriptResult): string[] {
  const text = script.output.replace(/\n+$/, '');
  const lines = text === '' ? ['(no output)'] : text.split('\n');
  if (script.outputTruncated) lines.push('(output truncated)');
  return lines.map((line, i) => `  ${i === 0 ? 'OUTPUT:' : '       '} ${line}`);
}

/** One event: a heading, then one row per script with its output below a failure. */
export function formatEventResult(result: EventResult): string {
  const call = [result.event, ...result.args].join(' ');
  const heading = `${call}: ${statusText(result.status, result.exitCode)}, ${seconds(result.durationMs)} s, started ${formatTime(result.startedAtMs)}`;
  const lines = [heading];
  if (result.reason) lines.push(`  reason: ${result.reason}`);
  const width = Math.max(12, ...result.scripts.map((s) => s.name.length));
  for (const script of result.scripts) {
    // DISABLED and refused scripts never started: no duration, no time.
    const ran = script.startedAtMs > 0;
    const duration = ran ? seconds(script.durationMs) : '';
    const row = `${script.name.padEnd(width)} ${statusText(script.status, script.exitCode).padEnd(11)}`
      + ` ${duration.padStart(8)}  ${ran ? formatTime(script.startedAtMs) : ''}`;
    lines.push(row.trimEnd());
    if (SHOW_OUTPUT.has(script.status)) lines.push(...outputLines(script));
  }
  if (result.scripts.length === 0 && !result.reason) lines.push('  (no script handles this event)');
  return `${lines.join('\n')}\n`;
}

/**
 * `floatip event status [EVENT]`: the last run of one event, or of every
 * event that has run, in the order given.
 */
export function formatEventStatus(results: readonly EventResult[], event?: string): string {
  if (event !== undefined) {
    const found = results.find((result) => result.event === event);
    return found ? formatEventResult(found) : `${event}: has not run since the daemon started\n`;
  }
  if (results.length === 0) return 'No event has run since the daemon started\n';
  return results.map(formatEventResult).join('\n');
}

/** `floatip event script list`: name, enabled or not, the events it handles, and any refusal. */
export function formatScriptList(scripts: readonly ScriptInfo[]): string {
  if (scripts.length === 0) return 'No scripts (NN.name or NN.name.script files) in the events directory\n';
  const width = Math.max(12, ...scripts.map((s) => s.name.length));
  const lines = scripts.map((script) => {
    const events = script.events === 'all' ? 'all events' : script.events.length === 0 ? 'no events' : script.events.join(' ');
    const row = `${script.name.padEnd(width)} ${(script.enabled ? 'enabled' : 'disabled').padEnd(8)} ${events}`;
    if (script.neverRuns) return `${script.name.padEnd(width)} NEVER RUNS: ${script.neverRuns}`;
    const noted = script.note ? `${row}\n  ONLY THESE EVENTS: ${script.note}` : row;
    return script.problem ? `${noted}\n  CANNOT RUN: ${script.problem}` : noted;
  });
  return `${lines.join('\n')}\n`;
}
