// Results of running an event and its scripts: plain JSON-friendly values kept as "last status".

import { EventName } from './events';

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

/** True for the statuses a caller must treat as "the event failed". */
export function eventFailed(result: EventResult): boolean {
  return result.status === 'ERROR' || result.status === 'TIMEDOUT' || result.status === 'CANNOT RUN';
}
