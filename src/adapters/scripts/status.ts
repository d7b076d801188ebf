// Which results of an event count as failed; the result shapes themselves are protocol/event-results.ts's.
//
// They travel to the CLI as they are, so they are declared once, below the adapters.

import { EventResult } from '../../protocol/event-results';

export type { EventResult, EventStatus, ScriptResult, ScriptStatus } from '../../protocol/event-results';

/** True for the statuses a caller must treat as "the event failed". */
export function eventFailed(result: EventResult): boolean {
  return result.status === 'ERROR' || result.status === 'TIMEDOUT' || result.status === 'CANNOT RUN';
}
