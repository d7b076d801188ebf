// `floatip event status [EVENT] | run EVENT [ARGS...] [--timeout S] | script list|enable|disable NAME` (like `ctdb event`).

import { EVENT_NAMES, EventName } from '../../config';
import { ParsedArgs, expectPositionals } from '../args';
import { UsageError } from '../../client/usage-error';
import { ControlCall, ControlCommandSpec } from '../control-command';
import { EventResult, ScriptInfo } from '../../protocol/event-results';
import { formatEventResult, formatEventStatus, formatScriptList } from '../format/events';
import { expectList, expectRecord } from '../format/shape';
import { readLocalSettings } from '../local-settings';

type EventCommand = 'event-status' | 'event-run' | 'event-script';

/** An event run waits for the scripts; the call waits this much longer for the reply to arrive. */
const RUN_REPLY_MARGIN_MS = 5_000;
const MAX_TIMEOUT_MS = 3_600_000;
/** The statuses that make `floatip event run` exit 1, as `ctdb event run` does. */
const FAILED = new Set(['ERROR', 'TIMEDOUT', 'CANNOT RUN', 'CANCELLED']);
const EVENT_KEYS = ['event', 'args', 'status', 'startedAtMs', 'durationMs', 'scripts'] as const;

function eventArg(text: string): EventName {
  if (!(EVENT_NAMES as readonly string[]).includes(text)) {
    throw new UsageError(`unknown event '${text}': use one of ${EVENT_NAMES.join(', ')}`);
  }
  return text as EventName;
}

/** `--timeout S`: seconds, fractions allowed (0.5), as the admin thinks of script timeouts. */
function timeoutArg(text: string): number {
  const ms = /^[0-9]+(\.[0-9]+)?$/.test(text) ? Math.round(Number(text) * 1000) : NaN;
  if (!(ms >= 1 && ms <= MAX_TIMEOUT_MS)) throw new UsageError(`--timeout must be seconds between 0.001 and 3600, not '${text}'`);
  return ms;
}

function expectEventResult(value: unknown, what: string): EventResult {
  const result = expectRecord<EventResult>(value, what, [...EVENT_KEYS]);
  expectList(result.scripts, `${what} (scripts)`, ['name', 'status', 'startedAtMs', 'durationMs', 'output']);
  return result;
}

/**
 * The daemon answers `event status EVENT` with that event's last result or
 * null, and `event status` with a map from every event name to its last
 * result or null; a list is read too. Events that never ran are left out.
 */
function eventResults(value: unknown): EventResult[] {
  if (value === null) return [];
  if (Array.isArray(value)) return value.map((item, i) => expectEventResult(item, `event status (item ${i})`));
  if (typeof value === 'object' && !('event' in value)) {
    return Object.entries(value as Record<string, unknown>)
      .filter(([, result]) => result !== null)
      .map(([name, result]) => expectEventResult(result, `event status (${name})`));
  }
  return [expectEventResult(value, 'event status')];
}

export const eventSpec: ControlCommandSpec<EventCommand> = {
  name: 'event',
  summary: 'event scripts: last status, run one event, list/enable/disable scripts',
  usage: `usage: floatip event status [EVENT] [--json]
       floatip event run EVENT [ARGS...] [--timeout S] [--json]
       floatip event script list [--json]
       floatip event script enable|disable NAME [--json]

status   the last run of EVENT (or of every event that has run): status, time, each script
run      runs EVENT now with ARGS (as the daemon would); exits 1 when the event fails.
         --timeout S overrides the event's timeout (default: events.timeouts.EVENT or
         events.default_timeout of floatip.toml). Put -- before ARGS that start with '-'.
script   list the NN.name and NN.name.script scripts (and files that never run), or enable / disable one (sets or clears its execute bit)

EVENT is one of ${EVENT_NAMES.join(', ')}.`,
  options: [{ name: '--timeout', takesValue: true, valueName: 'SECONDS' }],
  async request(parsed, local): Promise<ControlCall<EventCommand>> {
    const [sub, ...rest] = parsed.positionals;
    if (sub !== 'run' && parsed.values.has('--timeout')) throw new UsageError('--timeout goes with event run only');
    switch (sub) {
      case 'status': {
        const [event] = expectPositionals({ ...parsed, positionals: rest }, 0, 1, 'EVENT');
        return { command: 'event-status', args: event === undefined ? {} : { event: eventArg(event) } };
      }
      case 'run': {
        if (rest.length === 0) throw new UsageError('missing EVENT');
        const event = eventArg(rest[0]);
        const given = parsed.values.get('--timeout');
        let timeoutMs: number;
        if (given !== undefined) {
          timeoutMs = timeoutArg(given);
        } else {
          const { settings } = await readLocalSettings(local, 'events', 'give --timeout SECONDS', () => 'the default event timeouts');
          timeoutMs = settings.events.timeouts[event] ?? settings.events.default_timeout;
        }
        return { command: 'event-run', args: { event, args: rest.slice(1), timeoutMs }, timeoutMs: timeoutMs + RUN_REPLY_MARGIN_MS };
      }
      case 'script': {
        const [action, name] = rest;
        if (action === 'list') {
          expectPositionals({ ...parsed, positionals: rest.slice(1) }, 0, 0, '');
          return { command: 'event-script', args: { action: 'list' } };
        }
        if (action === 'enable' || action === 'disable') {
          expectPositionals({ ...parsed, positionals: rest.slice(1) }, 1, 1, 'NAME');
          if (!/^[0-9]{2}\.[^.\s/]+(\.script)?$/.test(name) || name.endsWith('~')) {
            throw new UsageError(`NAME must be a script name NN.name or NN.name.script, e.g. 50.samba, not '${name}'`);
          }
          return { command: 'event-script', args: { action, name } };
        }
        throw new UsageError(action === undefined ? 'missing list, enable or disable after script' : `unknown script action '${action}': use list, enable or disable`);
      }
      case undefined:
        throw new UsageError('missing status, run or script');
      default:
        throw new UsageError(`unknown event subcommand '${sub}': use status, run or script`);
    }
  },
  format(result, { parsed }: { parsed: ParsedArgs }) {
    const [sub, first, second] = parsed.positionals;
    if (sub === 'status') return formatEventStatus(eventResults(result), first);
    if (sub === 'run') {
      const run = expectEventResult(result, 'event run');
      return { text: formatEventResult(run), exitCode: FAILED.has(run.status) ? 1 : 0 };
    }
    if (first === 'list') return formatScriptList(expectList<ScriptInfo>(result, 'event script list', ['name', 'enabled', 'events']));
    const message = typeof result === 'object' && result !== null && typeof (result as { message?: unknown }).message === 'string'
      ? (result as { message: string }).message : '';
    return `${message || `${second}: ${first}d`}\n`;
  },
};
