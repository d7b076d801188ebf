// The runtime's counters for metrics and tests, read from the parts that keep them.

import { ClusterState } from './cluster-state';
import { FenceGuard } from './fence';
import { Heartbeats } from './heartbeat';
import { MeshEvents } from './mesh-events';
import { OrderHandler } from './orders';
import { Reconciler } from './reconcile';
import { MessageRouter } from './router';
import { RoundTrips } from './rtt';
import { ConnectionTracker } from './tickles';

/** Counters for metrics and tests: plain numbers. */
export interface RuntimeStats {
  readonly heartbeatsSent: number;
  readonly rejectedFrames: number;
  readonly forgedMessages: number;
  readonly refusedObservations: number;
  /** Heartbeats that only refreshed the view (cluster-state.ts, quietBeat). */
  readonly quietBeats: number;
  readonly ordersAccepted: number;
  readonly staleOrders: number;
  readonly ordersNotFromLeader: number;
  readonly fences: number;
  readonly reconcileChecks: number;
  readonly reconcileRestored: number;
  readonly reconcileRemoved: number;
  readonly linkMoves: number;
  readonly tickleScans: number;
  readonly pingsSent: number;
  readonly roundTripSamples: number;
  /** PONGs that answered no PING of ours: ignored. */
  readonly unmatchedPongs: number;
}

export interface CountingParts {
  readonly heartbeats: Pick<Heartbeats, 'sent'>;
  readonly meshEvents: Pick<MeshEvents, 'rejectedFrames'>;
  readonly router: Pick<MessageRouter, 'forged'>;
  readonly state: Pick<ClusterState, 'refusedObservations' | 'quietBeats'>;
  readonly orders: Pick<OrderHandler, 'stats'>;
  readonly fence: Pick<FenceGuard, 'fences'>;
  readonly reconciler: Pick<Reconciler, 'stats'>;
  readonly tracker: Pick<ConnectionTracker, 'scans'>;
  readonly roundTrips: Pick<RoundTrips, 'stats'>;
}

export function runtimeStats(parts: CountingParts): RuntimeStats {
  const r = parts.reconciler.stats;
  return {
    heartbeatsSent: parts.heartbeats.sent,
    rejectedFrames: parts.meshEvents.rejectedFrames,
    forgedMessages: parts.router.forged,
    refusedObservations: parts.state.refusedObservations,
    quietBeats: parts.state.quietBeats,
    ordersAccepted: parts.orders.stats.accepted,
    staleOrders: parts.orders.stats.staleEpoch,
    ordersNotFromLeader: parts.orders.stats.notFromLeader,
    fences: parts.fence.fences,
    reconcileChecks: r.checks,
    reconcileRestored: r.restored,
    reconcileRemoved: r.removed,
    linkMoves: r.moved,
    tickleScans: parts.tracker.scans,
    pingsSent: parts.roundTrips.stats.pingsSent,
    roundTripSamples: parts.roundTrips.stats.samples,
    unmatchedPongs: parts.roundTrips.stats.unmatchedPongs,
  };
}
