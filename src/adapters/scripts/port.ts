// The event-script port: what the daemon and the control handlers need from a runner.

import { EventName } from './events';
import { EventResult } from './status';

export interface RunEventOptions {
  /** Overrides the configured timeout of this event (for `floatip event run --timeout`). */
  readonly timeoutMs?: number;
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
 * Runs events one at a time with CTDB's queueing: any event cancels a running
 * `monitor`; a `monitor` that would wait behind another event is SKIPPED.
 * `run` rejects only on a bad request (EventArgumentError); script failures
 * come back as a result.
 */
export interface EventRunner {
  run(event: EventName, args?: readonly string[], options?: RunEventOptions): Promise<EventResult>;
  /** The last finished (not cancelled, not skipped) run of an event. */
  lastStatus(event: EventName): EventResult | undefined;
  listScripts(): Promise<ScriptInfo[]>;
  /** Sets or clears the execute bit, as `ctdb event script enable|disable` does. */
  setScriptEnabled(name: string, enabled: boolean): Promise<void>;
}
