// Quorum by cluster lock (cluster.quorum = "lock"): who holds the lock, as far as this node can tell.
//
// The lowest active node of the partition tries the lock; holding it makes its side
// quorate and it the leader. Other nodes learn the holder from the heartbeats of the
// node that leads itself. A lost lock makes this node a non-holder at once.

import { NO_NODE } from '../../core/flags';
import { ClusterLock } from '../../adapters/lock/port';
import { ClusterState } from './cluster-state';
import { Logger } from './logger';

export class LockQuorum {
  private readonly unsubscribe: () => void;

  constructor(private readonly lock: ClusterLock, private readonly state: ClusterState, private readonly log: Logger) {
    this.unsubscribe = lock.onLost((loss) => {
      this.log.error({ code: loss.code, lock: lock.description }, `cluster lock lost: ${loss.message}`);
      this.state.setLockHolder(NO_NODE);
    });
  }

  /** One look at the lock, every heartbeat interval. */
  poll(): void {
    const { state, lock } = this;
    if (lock.holder) {
      state.setLockHolder(state.localPnn);
      return;
    }
    const view = state.view;
    const claimant = view.nodes.find((n) => !n.local && n.connected && n.leader === n.pnn);
    state.setLockHolder(claimant ? claimant.pnn : NO_NODE);
    if (!claimant && state.quorum().candidate === state.localPnn && lock.state === 'free') {
      void lock.acquire().then((result) => {
        if (result.outcome === 'held') {
          this.log.info({ lock: lock.description }, 'cluster lock taken');
          state.setLockHolder(state.localPnn);
        } else if (result.outcome === 'error') {
          this.log.warn({ code: result.error.code }, `cluster lock: ${result.error.message}`);
        }
      });
    }
  }

  async close(): Promise<void> {
    this.unsubscribe();
    await this.lock.release();
  }
}
