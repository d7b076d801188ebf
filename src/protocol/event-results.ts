// What the event commands answer (`event status|run|script`): one declaration of the shapes the
// script runner produces, the daemon returns and the CLI prints; plain JSON-friendly values.

import { EventName } from '../core/events';
import { DoneResult } from './control-results';

/** What happened to one script in one event (CTDB's words). */
export type ScriptStatus = 'OK' | 'ERROR' | 'TIMEDOUT' | 'DISABLED' | 'CANNOT RUN';

export interface ScriptResult {
  /** File name in the events directory, e.g. `50.samba`. */
  readonly name: string;
  readonly status: ScriptStatus;
  /** Exit code for OK and ERROR; absent otherwise. */
  readonly exitCode?: number;
  /** Wall-clock start, epoch milliseconds (0 when the script was not started). */
  readonly startedAtMs: number;
  readonly durationMs: number;
  /** stdout and stderr interleaved, at most the configured limit; for CANNOT RUN, the reason. */
  readonly output: string;
  readonly outputTruncated: boolean;
}

/**
 * What happened to a whole event. CANCELLED (a monitor stopped by another
 * event) and SKIPPED (a monitor that would have waited) never replace the
 * last status; the others do.
 */
export type EventStatus = 'OK' | 'ERROR' | 'TIMEDOUT' | 'CANNOT RUN' | 'CANCELLED' | 'SKIPPED';

export interface EventResult {
  readonly event: EventName;
  readonly args: readonly string[];
  readonly status: EventStatus;
  /** Exit code of the failing script, when status is ERROR. */
  readonly exitCode?: number;
  readonly startedAtMs: number;
  readonly durationMs: number;
  /**
   * Scripts in run order, up to and including the first that failed (later
   * ones did not run). Scripts that declared other events are left out: they
   * had no part in this one.
   */
  readonly scripts: readonly ScriptResult[];
  /** Why the event as a whole could not run (e.g. an unsafe directory), or why it was skipped. */
  readonly reason?: string;
}

/** A script as `floatip event script list` shows it. */
export interface ScriptInfo {
  readonly name: string;
  readonly enabled: boolean;
  /** Declared events, or 'all' for a script without a `# floatip-events:` header. */
  readonly events: readonly EventName[] | 'all';
  /** Why it would be refused (CANNOT RUN), if it would. */
  readonly problem?: string;
  /** Set for a file of the events directory that is no script and so never runs: why. */
  readonly neverRuns?: string;
  /** Why a CTDB script runs for some events only under floatipd. */
  readonly note?: string;
}

/**
 * Every event's last result, null for one that has not run since the daemon started. A
 * daemon of an older release leaves out the events it does not know.
 */
export type LastEventResults = Readonly<Partial<Record<EventName, EventResult | null>>>;

/** `event status EVENT`: that event's last result or null; `event status`: every event's. */
export type EventStatusResult = EventResult | null | LastEventResults;

/** `event script list`: the scripts; `event script enable|disable NAME`: done. */
export type EventScriptResult = readonly ScriptInfo[] | DoneResult;
