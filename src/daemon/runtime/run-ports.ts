// A takeover run's ports over this node: the view it plans from, delivery of its orders, its epoch, ban credits.
//
// The leader (leader.ts) adds its own side, RunControl: whether it still leads, newer
// requests, moveip pins and rebalance targets.

import { Pnn } from '../../core/flags';
import { TakeoverRunRecord } from '../../protocol/control-results';
import { Allocator } from './allocator';
import { BanCredits } from './bans';
import { Clock } from '../../adapters/clock';
import { ClusterState } from './cluster-state';
import { FailedTakes } from './failed-takes';
import { RunHistory } from './history';
import { Logger } from './logger';
import { LoopDelayProbe } from './loop-delay';
import { SessionMessageOf } from './messages';
import { ListIndexCache } from './run-inputs';
import { RuntimeInit } from './settings';
import { RunPorts } from './takeover-run';

export interface LeaderComponents {
  readonly state: ClusterState;
  readonly clock: Clock;
  readonly log: Logger;
  readonly allocator: Allocator;
  readonly loopDelay: LoopDelayProbe;
  readonly history: RunHistory;
  readonly credits: BanCredits;
  /** Sends an order to a node (ourselves included); false when it cannot be delivered. */
  readonly send: (to: Pnn, message: SessionMessageOf<'release' | 'take' | 'ipreallocated' | 'run-counted'>) => boolean;
  /** Our heartbeat, at once: peers learn the new epoch before the orders. */
  readonly announce: () => void;
  /** Tells every peer of a run this node finished (history.ts: every node keeps the cluster's runs). */
  readonly publishRun: (record: TakeoverRunRecord) => void;
  /** Bans a node that collected enough credits. */
  readonly ban: (pnn: Pnn, seconds: number) => void;
  /**
   * Calls back once the takes and releases queued on this node so far are done (the failure forecast waits for it).
   * @default at once
   */
  readonly afterQueuedWork?: (then: () => void) => void;
}

export type RunControl = Pick<RunPorts, 'standing' | 'newerRequest' | 'confirmed' | 'takePins' | 'rebalanceTargets'>;

export function clusterRunPorts(init: RuntimeInit, components: LeaderComponents, failedTakes: FailedTakes, control: RunControl): RunPorts {
  const { state, clock, log } = components;
  return {
    ...control,
    init, clock, log, allocator: components.allocator, loopDelay: components.loopDelay, failedTakes,
    listIndex: new ListIndexCache(),
    snapshot: () => ({ view: state.view, lists: new Map(state.addressLists()), members: state.quorum().members }),
    connected: (pnn) => state.view.nodes[pnn].connected,
    send: components.send,
    adoptEpoch: (epoch) => {
      state.observe({ kind: 'epoch', pnn: init.localPnn, epoch, leader: init.localPnn });
      components.announce();
    },
    charge: (pnn, message) => {
      const outcome = components.credits.charge(pnn, clock.now());
      if (outcome.ban) {
        log.warn({ pnn, credits: outcome.credits }, `node ${pnn} reached ${outcome.credits} ban credits: banning it`);
        components.ban(pnn, Math.ceil(init.ban.periodMs / 1000));
      }
      return message;
    },
  };
}
