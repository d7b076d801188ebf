// Feeds Metrics from the running node: flags, quorum, leader, hosted, unhosted and duplicate addresses each second, finished takeover runs, rejected frames, refused connections, heartbeat round trips, address failovers.
//
// The runtime knows nothing of metrics; this reads what it already answers on the
// control socket (DaemonApi), the mesh's `rejected` events and the runtime's round-trip
// samples, so metrics can never disturb a takeover. Round trips come one by one as
// measured (not the latest figure polled each second), so the histogram has every sample.

import { NO_NODE, Pnn } from '../../core/flags';
import { PeerMesh } from '../../adapters/peer/port';
import { TakeoverRunRecord } from '../../protocol/control-results';
import { DaemonApi } from '../control/api';
import { Metrics } from '../metrics';

export interface MetricsFeed {
  /** One update now (also what each interval runs). */
  update(): void;
  stop(): void;
}

/** Each heartbeat round trip as measured (NodeRuntime.onRoundTrip), and each address failover this node timed as leader. */
export interface RoundTripSource {
  onRoundTrip(listener: (peer: Pnn, ms: number) => void): () => void;
  onFailover?(listener: (ms: number) => void): () => void;
}

function runKey(run: TakeoverRunRecord): string {
  return `${run.epoch}/${run.leader}/${run.startedAt}/${run.status}`;
}

/**
 * `every`: how to repeat (setInterval in the daemon, nothing in tests that call update()).
 * Runs already in the history when the feed starts are not counted again. The history holds
 * every leader's runs (history.ts); the counters count those this node led since it started,
 * so that their sum over the nodes counts each run once, also after a restart (the peers hand
 * a restarted node the runs it led before).
 */
export function startMetricsFeed(api: Pick<DaemonApi, 'status' | 'ips' | 'history' | 'uptime'>, mesh: Pick<PeerMesh, 'subscribe'>, metrics: Metrics,
  every: (callback: () => void) => () => void, roundTrips?: RoundTripSource): MetricsFeed {
  const counted = new Set(api.history(undefined).map(runKey));
  const update = (): void => {
    const status = api.status();
    for (const node of status.nodes) metrics.setNodeFlags(node.pnn, node.flagBits);
    metrics.setQuorate(status.quorate);
    if (status.votes) metrics.setVotes(status.votes.expected, status.votes.present, status.votes.rule);
    metrics.setLeader(status.leader, status.epoch);
    if (status.flapDamping) metrics.setFlapDamping(status.flapDamping.heldOut, status.flapDamping.flips, status.flapDamping.holds);
    const ips = api.ips(false);
    metrics.setHostedAddresses(ips.filter((ip) => ip.pnn === status.pnn).length);
    metrics.setUnhostedAddresses(ips.filter((ip) => ip.pnn === NO_NODE).length);
    if (status.duplicates) metrics.setDuplicateAddresses(status.duplicates.addresses.length, status.duplicates.detections);
    // A superseded run is recorded once, finished ones once: the key includes the status.
    const history = api.history(undefined);
    const ledHere = (run: TakeoverRunRecord): boolean => run.leader === status.pnn && run.startedAt >= api.uptime().startedAt;
    for (const run of [...history].reverse().filter(ledHere)) {
      const key = runKey(run);
      if (counted.has(key)) continue;
      counted.add(key);
      metrics.observeTakeoverRun(run.status, run.phases.total);
    }
    // Forget what fell out of the history, so the set stays as small as the history.
    const kept = new Set(history.map(runKey));
    for (const key of counted) if (!kept.has(key)) counted.delete(key);
  };
  const unsubscribe = mesh.subscribe((event) => {
    if (event.kind === 'rejected') metrics.countAuthenticationFailure(event.code);
    if (event.kind === 'refused') for (const [code, count] of Object.entries(event.counts)) metrics.countMeshRefusals(code, count);
  });
  const stopRoundTrips = roundTrips?.onRoundTrip((peer, ms) => metrics.observeHeartbeatRoundTrip(peer, ms));
  const stopFailovers = roundTrips?.onFailover?.((ms) => metrics.observeAddressFailover(ms));
  const cancel = every(update);
  return {
    update,
    stop() {
      cancel();
      unsubscribe();
      stopRoundTrips?.();
      stopFailovers?.();
    },
  };
}
