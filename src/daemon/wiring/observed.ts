// Port decorators that report to Metrics what passes through them: finished events, tickles sent.

import { EventRunner } from '../../adapters/scripts/port';
import { eventFailed } from '../../adapters/scripts/status';
import { Tickler } from '../../adapters/rawsock';
import { Metrics } from '../metrics';

/** The runner unchanged, but every finished event (not cancelled, not skipped) is observed with its duration. */
export function observedEventRunner(runner: EventRunner, metrics: Metrics): EventRunner {
  return {
    async run(event, args, options) {
      const result = await runner.run(event, args, options);
      if (result.status !== 'CANCELLED' && result.status !== 'SKIPPED') metrics.observeEvent(event, result.durationMs, eventFailed(result));
      return result;
    },
    lastStatus: (event) => runner.lastStatus(event),
    listScripts: () => runner.listScripts(),
    setScriptEnabled: (name, enabled) => runner.setScriptEnabled(name, enabled),
  };
}

/** The tickler unchanged, but the first-round tickles it reports are counted. */
export function countingTickler(tickler: Tickler, metrics: Metrics): Tickler {
  return {
    async tickle(connections) {
      const report = await tickler.tickle(connections);
      metrics.countTicklesSent(report.sent);
      return report;
    },
    sendReset: (conn, seq, ack) => tickler.sendReset(conn, seq, ack),
    close: () => tickler.close(),
  };
}
