// Quorum by cluster lock (cluster.quorum = "lock"): who holds the lock, as far as this node can tell.
//
// The lowest active node of the partition tries the lock; holding it makes its side
// quorate and it the leader. Other nodes learn the holder from the heartbeats of the
// node that leads itself, at once when such a heartbeat arrives: a node that waited for
// its next poll would refuse the new leader's first orders and stall the run until its
// deadline. A lost lock makes this node a non-holder at once; the next poll forgets the
// loss so the node can try again. A holder that is stopped or banned cannot lead, so it
// lets the lock go for an active node to take.

import { isActive, NO_NODE } from '../../core/flags';
import { nodeFlags } from '../../core/membership';
import { ClusterLock } from '../../adapters/lock/port';
import { ClusterState } from './cluster-state';
import { Logger } from './logger';
import { inBackground } from './background';

export class LockQuorum {
  private readonly unsubscribe: Array<() => void> = [];
  private closed = false;

  constructor(private readonly lock: ClusterLock, private readonly state: ClusterState, private readonly log: Logger) {
    this.unsubscribe.push(lock.onLost((loss) => {
      this.log.error({ code: loss.code, lock: lock.description }, `cluster lock lost: ${loss.message}`);
      this.stopClaiming();
    }));
    // setLockHolder notifies only on a change, so this cannot loop.
    this.unsubscribe.push(state.onChange(() => this.refreshHolder()));
  }

  /**
   * Peers take a node whose heartbeat names itself leader for the holder. Our heartbeat
   * carries the leader of our epoch, which would go on naming us after the lock is gone,
   * and a peer believing it would stay quorate while another partition takes the lock
   * (three nodes, the holder cut off from etcd only). So the epoch keeps its number but
   * loses its leader.
   */
  private stopClaiming(): void {
    const { state } = this;
    const local = state.view.nodes[state.localPnn];
    if (local.leader === state.localPnn) state.observe({ kind: 'epoch', pnn: state.localPnn, epoch: local.epoch, leader: NO_NODE });
    state.setLockHolder(NO_NODE);
  }

  /** The holder as this node knows it now: itself, a connected peer that leads itself, or nobody. */
  private refreshHolder(): void {
    const { state, lock } = this;
    if (lock.holder) {
      state.setLockHolder(state.localPnn);
      return;
    }
    const claimant = state.view.nodes.find((n) => !n.local && n.connected && n.leader === n.pnn);
    state.setLockHolder(claimant ? claimant.pnn : NO_NODE);
  }

  /** One look at the lock, every heartbeat interval: refresh the holder, and try, forget a loss or let go. */
  poll(): void {
    if (this.closed) return;
    const { state, lock } = this;
    const local = state.view.nodes[state.localPnn];
    if (lock.holder && !isActive(nodeFlags(local))) {
      this.log.info({ lock: lock.description }, 'cluster lock released: this node is stopped or banned and cannot lead');
      inBackground(lock.release().then(() => {
        this.stopClaiming();
        this.refreshHolder();
      }), this.log, 'E_LOCK_RELEASE', 'releasing the cluster lock');
      return;
    }
    if (lock.state === 'lost') {
      // We fenced when the loss was reported; forgetting it lets the next poll try again.
      inBackground(lock.release(), this.log, 'E_LOCK_RELEASE', 'forgetting the lost cluster lock');
      return;
    }
    this.refreshHolder();
    const rule = state.rule();
    if (lock.holder || (rule.mode === 'lock' && rule.holder !== NO_NODE)) return;
    if (state.quorum().candidate !== state.localPnn || lock.state !== 'free') return;
    inBackground(lock.acquire().then((result) => {
      if (result.outcome === 'held') {
        if (this.closed) {
          inBackground(lock.release(), this.log, 'E_LOCK_RELEASE', 'releasing the cluster lock taken while closing');
          return;
        }
        this.log.info({ lock: lock.description }, 'cluster lock taken');
        state.setLockHolder(state.localPnn);
      } else if (result.outcome === 'error') {
        this.log.warn({ code: result.error.code }, `cluster lock: ${result.error.message}`);
      }
    }), this.log, 'E_LOCK_ACQUIRE', 'taking the cluster lock');
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const unsubscribe of this.unsubscribe.splice(0)) unsubscribe();
    await this.lock.release();
  }
}
