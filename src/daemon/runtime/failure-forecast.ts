// Allocates ahead for the next single failure, so the run after it finds its answer ready.
//
// Once the view has been still for a while, the leader works out the state its next run
// would allocate if one member died (the member DISCONNECTED, its addresses unclaimed), one
// state per member, and the node that would lead if the leader died does the same for the
// leader. The allocator (allocator.ts, speculate) allocates them in the background, one at a
// time, and answers the run from memory when its state is one of them: with 1000 addresses
// the allocation was 30-70 ms of a kill -9's way to the client, after the guardian's notice.
// A link loss or a freeze ends in the same view after dead_after, so its run hits as well. A
// state that differs in anything (a health flag, a held address) is allocated as before.
// Every other node, which may lead after more than one failure, has its allocator get ready
// (allocator.ts, prepare: a worker allocator starts its thread) at the same moment, once: a
// new leader that started its worker in its first run waited ~90 ms for it with 1000
// addresses, and workers started as the cluster came up competed with its start for the cores.

import { PublicAddress } from '../../core/address';
import { AllocState } from '../../core/ipalloc';
import { NO_NODE, Pnn } from '../../core/flags';
import { MembershipChange, MembershipView, update } from '../../core/membership';
import { evaluateQuorum } from '../../core/quorum';
import { Clock, OneTimer } from '../../adapters/clock';
import { ClusterState } from './cluster-state';
import { RunPorts, runInputsOf } from './takeover-run';

/**
 * Addresses allocated ahead per forecast, over all its states: the leader of a big cluster
 * foresees the failure of as many members as fit (lowest node numbers first): 16 states of
 * 1000 addresses, 10-40 ms each in the allocator worker here with one node failed.
 */
export const FORECAST_ADDRESSES = 16_384;

/** Changes after which the next run's state may differ: who can host, what is held, links, who leads. */
const MOVES_STATE = new Set<MembershipChange['kind']>(['flags', 'hosted', 'link', 'epoch']);

export class FailureForecast {
  private readonly still: OneTimer;
  /** The forecast being worked out; a newer one ends it. */
  private round = 0;
  /** Whether the allocator said it is ready (prepare); asked at each forecast of a node with nothing to foresee until then. */
  private prepared = false;

  /**
   * `stillMs`: how long the view must stay unchanged before a forecast (the layout settles after
   * a run). `idle` calls back once this node's own work is done (no run it leads, its queued
   * takes and releases finished): a forecast in the middle of a takeover competed with the
   * node's own adds for the loop and the cores.
   */
  constructor(
    private readonly ports: RunPorts, private readonly state: ClusterState, clock: Clock, private readonly stillMs: number,
    private readonly idle: (then: () => void) => void,
  ) {
    this.still = new OneTimer(clock);
  }

  /** A view change: a forecast once the view has been still for `stillMs` and this node is idle, if the change may move the next run's state. */
  viewChanged(changes: readonly MembershipChange[]): void {
    if (this.ports.allocator.speculate === undefined || !changes.some((change) => MOVES_STATE.has(change.kind))) return;
    const round = ++this.round;
    this.still.set(this.stillMs, () => this.idle(() => {
      if (round === this.round) this.forecast();
    }));
  }

  stop(): void {
    this.round++;
    this.still.clear();
  }

  /** Whose failure this node would lead the run after: every member for the leader, the leader for its successor. */
  private victims(): Pnn[] {
    const quorum = this.state.quorum();
    const self = this.state.localPnn;
    if (!quorum.quorate || quorum.leader === NO_NODE) return [];
    if (quorum.leader === self) return quorum.members.filter((pnn) => pnn !== self);
    const after = evaluateQuorum(withoutNode(this.state.view, quorum.leader), this.state.rule(), {}, this.state.ballot());
    return after.quorate && after.leader === self ? [quorum.leader] : [];
  }

  /** Nothing to foresee: the allocator gets ready with the view as it is, until it says it is. */
  private prepare(round: number, view: MembershipView, lists: ReadonlyMap<Pnn, readonly PublicAddress[]>): void {
    const { allocator } = this.ports;
    if (this.prepared || allocator.prepare === undefined) return;
    runInputsOf(this.ports, { view, lists, members: [] }, [], (inputs) => {
      if (round === this.round) this.prepared = allocator.prepare?.(inputs.alloc) ?? true;
    });
  }

  private forecast(): void {
    const round = ++this.round;
    const view = this.state.view;
    const lists = new Map(this.state.addressLists());
    let listed = 0;
    for (const list of lists.values()) listed = Math.max(listed, list.length);
    const victims = this.victims().slice(0, Math.floor(FORECAST_ADDRESSES / Math.max(1, listed)));
    if (victims.length === 0) {
      this.prepare(round, view, lists);
      return;
    }
    const states: AllocState[] = [];
    const next = (k: number): void => {
      if (round !== this.round) return;
      if (k === victims.length) {
        this.ports.allocator.speculate?.(states);
        return;
      }
      // The same inputs the run will build, from the view as it will be (members only shape the plan).
      runInputsOf(this.ports, { view: withoutNode(view, victims[k]), lists, members: [] }, this.ports.rebalanceTargets(), (inputs) => {
        states.push(inputs.alloc);
        next(k + 1);
      });
    };
    next(0);
  }
}

/** The view once `pnn`'s stream closed: DISCONNECTED, nothing it holds is claimed. */
function withoutNode(view: MembershipView, pnn: Pnn): MembershipView {
  return update(view, { kind: 'stream-closed', pnn, at: view.now }).view;
}
