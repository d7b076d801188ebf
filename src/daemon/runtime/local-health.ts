// This node's health as the cluster sees it: its monitor passes (through flap damping) and a guardian stands behind it.

import { Pnn } from '../../core/flags';
import { MonitorState } from '../../protocol/frame-messages';
import { Clock } from '../../adapters/clock';
import { ClusterState } from './cluster-state';
import { FlapDamper, FlapDampingSettings } from './flap-damping';
import { Logger } from './logger';

export interface LocalHealthParts {
  readonly self: Pnn;
  readonly state: Pick<ClusterState, 'observe'>;
  readonly clock: Pick<Clock, 'now'>;
  readonly log: Logger;
  /** A live guardian stands behind this node (guard.ts). */
  readonly guarded: () => boolean;
  /** The node is stopping: its STOPPED flag says all, health is no longer reported. */
  readonly stopping: () => boolean;
  /** Tells the peers at once (a heartbeat now). */
  readonly announce: () => void;
}

export class LocalHealth {
  /** The monitor's last verdict after damping, as the heartbeat carries it. */
  monitor: MonitorState = 'pending';
  /** Holds this node out while its monitor flaps (status, metrics). */
  readonly flapDamper: FlapDamper;

  constructor(damping: FlapDampingSettings, private readonly parts: LocalHealthParts) {
    this.flapDamper = new FlapDamper(damping);
  }

  /** Every finished monitor's verdict; a flapping one keeps the node UNHEALTHY for the hold-down (flap-damping.ts). */
  monitorReported(monitorHealthy: boolean): void {
    const damping = this.flapDamper.record(monitorHealthy, this.parts.clock.now());
    if (damping.hold) this.parts.log.warn({ flips: damping.flips }, `held out of hosting: ${damping.reason}`);
    const healthy = monitorHealthy && !damping.heldOut;
    const next: MonitorState = healthy ? 'healthy' : 'unhealthy';
    const changed = next !== this.monitor;
    this.monitor = next;
    if (this.parts.stopping()) return;
    this.report();
    if (changed) this.parts.announce();
  }

  /** Tells the membership the node's health: called for every monitor verdict and every change of the guardian. */
  report(): void {
    // Before the first monitor the node is UNHEALTHY anyway; the monitor's verdict will fold `guarded` in.
    if (this.parts.stopping() || this.monitor === 'pending') return;
    this.parts.state.observe({ kind: 'health', pnn: this.parts.self, healthy: this.monitor === 'healthy' && this.parts.guarded() });
  }
}
