// Work started and not awaited (a timer's job, a handler's reply): its rejection is logged with a code, never lost or fatal.
//
// Node ends a process on an unhandled rejection, and floatipd's handler of it fences and
// exits (src/daemon/wiring/signals.ts): one throwing background job must not take every
// address of the node down with it, and a rejection nobody looks at hides a fault. Every
// promise floatipd does not await goes through here or ends in its own `.catch`
// (eslint's no-floating-promises, ignoreVoid off, enforces it for src/).

import { Logger } from './logger';

/** The text of whatever was thrown. */
export function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Lets `work` run on; a rejection is logged at error level with `code` and the reason,
 * saying `what` failed. `onFailure` runs after the log line (to count it, or to answer a
 * waiting client); its own throw is logged too, never rethrown.
 */
export function inBackground(work: Promise<unknown>, log: Logger, code: string, what: string,
  onFailure?: (error: unknown) => void): void {
  work.catch((error: unknown) => {
    log.error({ code, err: reasonOf(error) }, `${what} failed: ${reasonOf(error)}; floatipd goes on (a bug: please report it with this line)`);
    if (onFailure === undefined) return;
    try {
      onFailure(error);
    } catch (followUp) {
      log.error({ code, err: reasonOf(followUp) }, `${what}: handling its failure failed too: ${reasonOf(followUp)}`);
    }
  });
}
