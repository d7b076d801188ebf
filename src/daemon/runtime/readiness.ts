// Whether this node is ready to be counted on (`floatip wait-ok`): tracks since when it is OK and asks core/readiness.ts.

import { Clock } from '../../adapters/clock';
import { nodeFlags } from '../../core/membership';
import { decideReadiness, FinishedRun, Readiness } from '../../core/readiness';
import { ClusterState } from './cluster-state';

export interface ReadinessComponents {
  readonly state: ClusterState;
  readonly clock: Clock;
  /** The last run whose IPREALLOCATED this node finished (orders.ts). */
  readonly lastRun: () => FinishedRun | undefined;
  /** core/readiness.ts's settleMs: two heartbeat intervals. */
  readonly settleMs: number;
}

export class ReadinessWatch {
  /** The highest epoch known when this node last became OK and quorate; undefined while it is not. */
  private okSinceEpoch: number | undefined;

  constructor(private readonly components: ReadinessComponents) {}

  /** Called after every view change: notes the moment the node becomes OK and quorate, forgets it when it stops being so. */
  viewChanged(): void {
    const { state } = this.components;
    const view = state.view;
    const ok = nodeFlags(view.nodes[state.localPnn]) === 0 && state.quorum().quorate;
    if (!ok) this.okSinceEpoch = undefined;
    else this.okSinceEpoch ??= Math.max(...view.nodes.map((n) => n.epoch));
  }

  current(): Readiness {
    const { state, clock } = this.components;
    const view = state.view;
    const local = view.nodes[state.localPnn];
    const quorum = state.quorum();
    const leaderEpoch = Math.max(local.epoch, quorum.leader >= 0 ? view.nodes[quorum.leader].epoch : 0);
    return decideReadiness({
      now: clock.now(), flags: nodeFlags(local), quorate: quorum.quorate, partition: quorum.members, leader: quorum.leader,
      okSinceEpoch: this.okSinceEpoch, lastRun: this.components.lastRun(), leaderEpoch, settleMs: this.components.settleMs,
    });
  }
}
