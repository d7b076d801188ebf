// floatipd's Prometheus metrics: the `Metrics` the runtime updates and its prom-client registry (the no-op when disabled: metrics-off.ts).

import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { FLAG_NAMES, NodeFlag, NodeFlags, Pnn } from '../core/flags';

export type TakeoverRunOutcome = 'ok' | 'failed' | 'superseded';
const TAKEOVER_RUN_OUTCOMES: readonly TakeoverRunOutcome[] = ['ok', 'failed', 'superseded'];

/** What the daemon reports. Every method is cheap and never throws: a metric must not break a takeover. */
export interface Metrics {
  /** A node's flag word as this node sees it (`DISCONNECTED`, `BANNED` ...). */
  setNodeFlags(pnn: Pnn, flags: NodeFlags): void;
  setQuorate(quorate: boolean): void;
  /** Expected votes, those present in this node's partition, and the quorum row that decides now (core/quorum-rules.ts). */
  setVotes(expected: number, present: number, rule: string): void;
  /** The leader this node follows (-1: none) and the epoch. */
  setLeader(pnn: Pnn, epoch: number): void;
  /** Public addresses this node holds in the kernel now. */
  setHostedAddresses(count: number): void;
  /** One finished takeover run (on the leader). */
  observeTakeoverRun(outcome: TakeoverRunOutcome, durationMs: number): void;
  /** One address moved off a failed node, from the failure's basis to added and announced on its new owner (on the leader). */
  observeAddressFailover(ms: number): void;
  /** Public addresses no node holds, as this node sees the cluster. */
  setUnhostedAddresses(count: number): void;
  /** One heartbeat round trip (PING/PONG) to a peer, as measured. */
  observeHeartbeatRoundTrip(peer: Pnn, ms: number): void;
  /** One finished event; `failed` as eventFailed() says (ERROR, TIMEDOUT, CANNOT RUN). */
  observeEvent(event: string, durationMs: number, failed: boolean): void;
  /** A peer frame or handshake that failed authentication (`code` from the frame layer). */
  countAuthenticationFailure(code: string): void;
  /** Mesh connections refused before they said anything (not a node, no free handshake slot, silent), by code. */
  countMeshRefusals(code: string, count: number): void;
  /** Tickle segments sent to clients of moved addresses. */
  countTicklesSent(count: number): void;
  /** Duplicate detection: addresses seen duplicated now, and detections since the daemon started (a running total). */
  setDuplicateAddresses(current: number, detectionsTotal: number): void;
  /** This node's flap damping: held out now, verdict changes in the window, hold-downs since start. */
  setFlapDamping(heldOut: boolean, flips: number, holds: number): void;
  /** Whether a live guardian stands behind this node (runtime/guard.ts); each loss also says why (silent: frozen or hung, ended). */
  setGuarded(guarded: boolean, lossCause?: 'silent' | 'ended' | 'stalled'): void;
}

export interface PrometheusMetricsInit {
  /** Also export Node's process metrics (CPU, memory, event-loop lag). @default true */
  readonly processMetrics?: boolean;
}

const seconds = (ms: number): number => ms / 1000;

/** The metrics in their own registry (never prom-client's global one), so two daemons in one test process do not collide. */
export class PrometheusMetrics implements Metrics {
  readonly registry = new Registry();
  private readonly nodeFlags: Gauge<'pnn'>;
  private readonly nodeFlag: Gauge<'pnn' | 'flag'>;
  private readonly quorate: Gauge;
  private readonly expectedVotes: Gauge;
  private readonly votesPresent: Gauge;
  private readonly quorumRule: Gauge;
  private readonly leader: Gauge;
  private readonly epoch: Gauge;
  private readonly hosted: Gauge;
  private readonly takeoverRuns: Counter<'outcome'>;
  private readonly takeoverDuration: Histogram;
  private readonly addressFailover: Histogram;
  private readonly unhosted: Gauge;
  private readonly heartbeatRoundTrip: Histogram<'peer'>;
  private readonly eventDuration: Histogram<'event'>;
  private readonly eventFailures: Counter<'event'>;
  private readonly authFailures: Counter<'code'>;
  private readonly meshRefusals: Counter<'code'>;
  private readonly tickles: Counter;
  private readonly duplicates: Gauge;
  private readonly duplicateDetections: Counter;
  private duplicateDetectionsSeen = 0;
  private readonly flapHeldOut: Gauge;
  private readonly flapFlips: Gauge;
  private readonly flapHolds: Gauge;
  private readonly guarded: Gauge;
  private readonly guardianLosses: Counter<'cause'>;

  constructor(init: PrometheusMetricsInit = {}) {
    const registers = [this.registry];
    this.nodeFlags = new Gauge({ name: 'floatip_node_flags', help: 'Flag word of each node (CTDB bit values; 0 = OK)', labelNames: ['pnn'], registers });
    this.nodeFlag = new Gauge({ name: 'floatip_node_flag', help: 'One node flag: 1 when set', labelNames: ['pnn', 'flag'], registers });
    this.quorate = new Gauge({ name: 'floatip_quorate', help: '1 when this node\'s partition has quorum', registers });
    this.expectedVotes = new Gauge({ name: 'floatip_expected_votes', help: 'Expected votes (nodes less those that left or last man standing dropped)', registers });
    this.votesPresent = new Gauge({ name: 'floatip_votes_present', help: 'Expected voters in this node\'s partition', registers });
    this.quorumRule = new Gauge({ name: 'floatip_quorum_rule', help: 'The quorum rule that decides now: 1 on its label', labelNames: ['rule'], registers });
    this.leader = new Gauge({ name: 'floatip_leader', help: 'The leader this node follows (-1: none)', registers });
    this.epoch = new Gauge({ name: 'floatip_epoch', help: 'The epoch of the last takeover run this node knows', registers });
    this.hosted = new Gauge({ name: 'floatip_hosted_addresses', help: 'Public addresses this node holds', registers });
    this.takeoverRuns = new Counter({ name: 'floatip_takeover_runs_total', help: 'Takeover runs led by this node, by outcome', labelNames: ['outcome'], registers });
    // Every outcome from 0: a series born at 1 on a node that just became leader loses that run to increase() and rate().
    for (const outcome of TAKEOVER_RUN_OUTCOMES) this.takeoverRuns.inc({ outcome }, 0);
    this.addressFailover = new Histogram({
      name: 'floatip_address_failover_seconds',
      help: 'Per address moved off a failed node: from its stream close or last heartbeat to added and announced on the new owner (leader\'s clock)',
      buckets: [0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1, 1.25, 1.5, 2, 3, 5, 10, 30], registers,
    });
    this.unhosted = new Gauge({ name: 'floatip_unhosted_addresses', help: 'Public addresses no node holds, as this node sees the cluster', registers });
    this.takeoverDuration = new Histogram({
      name: 'floatip_takeover_run_duration_seconds', help: 'Duration of takeover runs led by this node',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30], registers,
    });
    this.heartbeatRoundTrip = new Histogram({
      name: 'floatip_heartbeat_round_trip_seconds', help: 'Heartbeat round trip (PING/PONG every heartbeat_interval x 5) to each peer', labelNames: ['peer'],
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1], registers,
    });
    this.eventDuration = new Histogram({
      name: 'floatip_event_duration_seconds', help: 'Duration of event script runs, by event', labelNames: ['event'],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120], registers,
    });
    this.eventFailures = new Counter({ name: 'floatip_event_failures_total', help: 'Events that failed (ERROR, TIMEDOUT, CANNOT RUN)', labelNames: ['event'], registers });
    this.authFailures = new Counter({ name: 'floatip_authentication_failures_total', help: 'Peer frames or handshakes that failed authentication', labelNames: ['code'], registers });
    this.meshRefusals = new Counter({
      name: 'floatip_mesh_connections_refused_total', help: 'Mesh connections refused before they said anything (not a node, no free handshake slot, silent), by code',
      labelNames: ['code'], registers,
    });
    this.tickles = new Counter({ name: 'floatip_tickles_sent_total', help: 'TCP tickles sent to clients of moved addresses', registers });
    this.duplicates = new Gauge({ name: 'floatip_duplicate_addresses', help: 'Hosted addresses another MAC also answers for, as the latest probe of each found', registers });
    this.duplicateDetections = new Counter({ name: 'floatip_duplicate_detections_total', help: 'Hosted addresses found answered by another MAC (each time one is found anew)', registers });
    this.flapHeldOut = new Gauge({ name: 'floatip_flap_held_out', help: '1 while this node is held out of hosting because its monitor flaps', registers });
    this.flapFlips = new Gauge({ name: 'floatip_flap_flips', help: 'Changes of this node\'s monitor verdict within events.monitor_flap_window', registers });
    // A gauge set from the daemon's own count (it only grows while the daemon runs), like the status field it mirrors.
    this.flapHolds = new Gauge({ name: 'floatip_flap_holds', help: 'Flap-damping hold-downs of this node since the daemon started', registers });
    this.guarded = new Gauge({ name: 'floatip_guarded', help: '1 while a live guardian stands behind this node (0: it hosts nothing)', registers });
    this.guardianLosses = new Counter({
      name: 'floatip_guardian_losses_total', help: 'Guardians lost while floatipd ran: silent (stopped answering, killed), ended, or stalled (replaced after a loop stall of a node that held nothing)', labelNames: ['cause'], registers,
    });
    this.leader.set(-1);
    this.guarded.set(1);
    if (init.processMetrics ?? true) collectDefaultMetrics({ register: this.registry });
  }

  setNodeFlags(pnn: Pnn, flags: NodeFlags): void {
    const label = String(pnn);
    this.nodeFlags.set({ pnn: label }, flags);
    for (const name of FLAG_NAMES) this.nodeFlag.set({ pnn: label, flag: name }, (flags & NodeFlag[name]) !== 0 ? 1 : 0);
  }

  setQuorate(quorate: boolean): void {
    this.quorate.set(quorate ? 1 : 0);
  }

  setVotes(expected: number, present: number, rule: string): void {
    this.expectedVotes.set(expected);
    this.votesPresent.set(present);
    this.quorumRule.reset();
    this.quorumRule.set({ rule }, 1);
  }

  setLeader(pnn: Pnn, epoch: number): void {
    this.leader.set(pnn);
    this.epoch.set(epoch);
  }

  setHostedAddresses(count: number): void {
    this.hosted.set(count);
  }

  observeTakeoverRun(outcome: TakeoverRunOutcome, durationMs: number): void {
    this.takeoverRuns.inc({ outcome });
    this.takeoverDuration.observe(seconds(durationMs));
  }

  observeAddressFailover(ms: number): void {
    this.addressFailover.observe(seconds(ms));
  }

  setUnhostedAddresses(count: number): void {
    this.unhosted.set(count);
  }

  observeHeartbeatRoundTrip(peer: Pnn, ms: number): void {
    this.heartbeatRoundTrip.observe({ peer: String(peer) }, seconds(ms));
  }

  observeEvent(event: string, durationMs: number, failed: boolean): void {
    this.eventDuration.observe({ event }, seconds(durationMs));
    if (failed) this.eventFailures.inc({ event });
  }

  countAuthenticationFailure(code: string): void {
    this.authFailures.inc({ code });
  }

  countMeshRefusals(code: string, count: number): void {
    if (count > 0) this.meshRefusals.inc({ code }, count);
  }

  countTicklesSent(count: number): void {
    if (count > 0) this.tickles.inc(count);
  }

  setDuplicateAddresses(current: number, detectionsTotal: number): void {
    this.duplicates.set(current);
    if (detectionsTotal > this.duplicateDetectionsSeen) this.duplicateDetections.inc(detectionsTotal - this.duplicateDetectionsSeen);
    this.duplicateDetectionsSeen = Math.max(this.duplicateDetectionsSeen, detectionsTotal);
  }

  setFlapDamping(heldOut: boolean, flips: number, holds: number): void {
    this.flapHeldOut.set(heldOut ? 1 : 0);
    this.flapFlips.set(flips);
    this.flapHolds.set(holds);
  }

  setGuarded(guarded: boolean, lossCause?: 'silent' | 'ended' | 'stalled'): void {
    this.guarded.set(guarded ? 1 : 0);
    if (!guarded && lossCause !== undefined) this.guardianLosses.inc({ cause: lossCause });
  }

  /** The exposition text, as /metrics serves it. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
