// The event-script port: what the daemon and the control handlers need from a runner.

import { EventName } from './events';
import { EventResult, ScriptInfo } from '../../protocol/event-results';

export interface RunEventOptions {
  /** Overrides the configured timeout of this event (for `floatip event run --timeout`). */
  readonly timeoutMs?: number;
}

export type { ScriptInfo } from '../../protocol/event-results';

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
