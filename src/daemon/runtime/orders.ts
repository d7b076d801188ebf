// Orders from the leader on this node: RELEASE, TAKE and IPREALLOCATED, checked against leader and epoch.
//
// A node obeys only the leader of its own quorate partition, in that leader's
// current epoch or a newer one. Anything else (an older epoch, a sender that is
// not our leader, a leader field that is not the sender) is ignored, logged and
// counted, and never changes state. Each order runs in the hosting queue, the
// node's heartbeat goes out before the ack (so the leader's view already shows
// what we hold when it reads the ack), and the epoch is checked again when the
// order's turn comes, because a newer leader may have spoken meanwhile.
//
// One exception to "ignored": a RELEASE from a node that is not our leader YET is kept
// (the latest per sender) and obeyed if that node becomes our leader within dead_after.
// A new leader's first order (its confirmation, an empty RELEASE) can overtake, on its own
// TCP stream, the heartbeat of the old leader that makes it ours; ignored, it was never
// answered, and the run waited for its 5 s deadline while a dead node's addresses stayed
// unserved (the 5-node soak, seed 2026: 2.4-3.6 s). Only RELEASE: letting go is always
// safe; a late TAKE could follow an assignment the leader has already replaced.
//
// RUN-COUNTED, which the leader sends just before IPREALLOCATED on the same stream, passes the
// same checks and is only noted: whether that run counted this node as able to host, which the
// run finished at IPREALLOCATED carries for `floatip wait-ok` (core/readiness.ts).

import { Pnn } from '../../core/flags';
import { FinishedRun } from '../../core/readiness';
import { eventFailed } from '../../adapters/scripts/status';
import { EventRunner } from '../../adapters/scripts/port';
import { Clock } from '../../adapters/clock';
import { ClusterState } from './cluster-state';
import { LocalAddresses } from './hosting';
import { Logger } from './logger';
import { IpReallocatedOrder, ReleaseOrder, RunCountedMessage, SessionMessageOf, TakeOrder } from './messages';

export interface OrderComponents {
  readonly state: ClusterState;
  readonly hosting: LocalAddresses;
  readonly events: EventRunner;
  readonly log: Logger;
  readonly clock: Clock;
  readonly reply: (to: Pnn, message: SessionMessageOf<'release-ack' | 'take-ack' | 'ipreallocated-ack'>) => void;
  /** Sends our heartbeat now. */
  readonly announce: () => void;
  /** Why this node must take nothing now besides the fence (no live guardian: guard.ts), or undefined. */
  readonly refusal?: () => string | undefined;
  /** How long a RELEASE from a node not yet our leader is kept (dead_after). @default 0: not kept */
  readonly keepEarlyReleaseMs?: number;
}

export interface OrderStats {
  accepted: number;
  staleEpoch: number;
  notFromLeader: number;
}

type Order = ReleaseOrder | TakeOrder | IpReallocatedOrder | RunCountedMessage;

export class OrderHandler {
  readonly stats: OrderStats = { accepted: 0, staleEpoch: 0, notFromLeader: 0 };
  /** Wall-clock time the last IPREALLOCATED order finished here (`floatip uptime`). */
  lastIpreallocatedAt: number | null = null;
  /** The last run whose IPREALLOCATED finished here, with the takes of its TAKE order that failed (`floatip wait-ok`). */
  lastRun: FinishedRun | undefined;
  private failedTakes = { epoch: -1, count: 0 };
  /** The last RUN-COUNTED accepted: whether the run of that epoch counted this node. */
  private counted: { readonly epoch: number; readonly counted: boolean } | undefined;
  /** RELEASEs from nodes that were not our leader when they came, by sender, with when they came. */
  private readonly early = new Map<Pnn, { readonly order: ReleaseOrder; readonly at: number }>();

  constructor(private readonly components: OrderComponents) {}

  handle(from: Pnn, order: Order): void {
    if (!this.accept(from, order)) {
      if (order.kind === 'release' && order.leader === from && this.components.state.leader() !== from) {
        this.early.set(from, { order, at: this.components.clock.now() });
      }
      return;
    }
    if (order.kind === 'run-counted') {
      // Its IPREALLOCATED comes after it on the same stream and reads it by epoch: nothing to queue.
      this.counted = { epoch: order.epoch, counted: order.counted };
      return;
    }
    const { hosting } = this.components;
    void hosting.enqueue(async () => {
      if (!this.stillCurrent(order)) return;
      switch (order.kind) {
        case 'release': return this.release(from, order);
        case 'take': return this.take(from, order);
        case 'ipreallocated': return this.ipreallocated(from, order);
      }
    }).catch((error: unknown) => {
      this.components.log.error({ from, kind: order.kind, epoch: order.epoch }, `order failed: ${error instanceof Error ? error.message : String(error)}`);
    });
  }

  /** The view changed: a kept RELEASE whose sender is our leader now is obeyed (see the header). */
  viewChanged(): void {
    const { state, clock } = this.components;
    for (const [from, { order, at }] of [...this.early]) {
      if (clock.now() - at > (this.components.keepEarlyReleaseMs ?? 0)) this.early.delete(from);
      else if (state.leader() === from) {
        this.early.delete(from);
        this.components.log.info({ from, epoch: order.epoch }, `node ${from} leads now: obeying its release of epoch ${order.epoch} that came before we knew`);
        this.handle(from, order);
      }
    }
  }

  private accept(from: Pnn, order: Order): boolean {
    const { state, log } = this.components;
    const local = state.view.nodes[state.localPnn];
    const leader = state.leader();
    const fields = { from, kind: order.kind, epoch: order.epoch, leader: order.leader, ourLeader: leader, ourEpoch: local.epoch };
    if (order.leader !== from || from !== leader) {
      this.stats.notFromLeader++;
      log.warn(fields, `ignored ${order.kind} from node ${from}: it is not our leader (ours: ${leader === -1 ? 'none' : leader})`);
      return false;
    }
    if (order.epoch < local.epoch) {
      this.stats.staleEpoch++;
      log.warn(fields, `ignored ${order.kind} of stale epoch ${order.epoch} (ours: ${local.epoch})`);
      return false;
    }
    this.stats.accepted++;
    if (order.epoch > local.epoch || local.leader !== from) {
      state.observe({ kind: 'epoch', pnn: state.localPnn, epoch: order.epoch, leader: from });
    }
    return true;
  }

  /** At the order's turn in the queue: a newer epoch or another leader may have come meanwhile. */
  private stillCurrent(order: Order): boolean {
    const { state, log } = this.components;
    const local = state.view.nodes[state.localPnn];
    if (order.epoch === local.epoch && order.leader === state.leader()) return true;
    this.stats.staleEpoch++;
    log.warn({ kind: order.kind, epoch: order.epoch, ourEpoch: local.epoch }, `dropped ${order.kind} of epoch ${order.epoch}: superseded before its turn`);
    return false;
  }

  private async release(from: Pnn, order: ReleaseOrder): Promise<void> {
    const { hosting, state } = this.components;
    const targets = order.addresses.map((address) => {
      const bits = hosting.get(address.text)?.bits
        ?? state.addressLine(state.localPnn, address.text)?.bits
        ?? (address.family === 4 ? 32 : 128);
      return { address, bits };
    });
    const outcome = await hosting.release(targets);
    this.components.announce();
    this.components.reply(from, { kind: 'release-ack', epoch: order.epoch, released: outcome.released, failed: outcome.failed });
  }

  private async take(from: Pnn, order: TakeOrder): Promise<void> {
    const { hosting, state } = this.components;
    const decision = state.fenceDecision();
    const refused = decision.mayHold ? this.components.refusal?.() : decision.reason;
    if (refused !== undefined) {
      const error = `this node may not hold addresses now (${refused}): it takes nothing`;
      this.failedTakes = { epoch: order.epoch, count: order.takes.length };
      this.components.reply(from, {
        kind: 'take-ack', epoch: order.epoch,
        results: order.takes.map((t) => ({ address: t.address, status: 'failed', error, timings: { addressUs: 0, announceUs: 0, tickleUs: 0, eventUs: 0 } })),
      });
      return;
    }
    const results = await hosting.take(order.takes);
    this.failedTakes = { epoch: order.epoch, count: results.filter((r) => r.status === 'failed').length };
    this.components.announce();
    this.components.reply(from, { kind: 'take-ack', epoch: order.epoch, results });
  }

  private async ipreallocated(from: Pnn, order: IpReallocatedOrder): Promise<void> {
    let status: 'ok' | 'failed' = 'ok';
    let error = '';
    try {
      const result = await this.components.events.run('ipreallocated');
      if (eventFailed(result)) {
        status = 'failed';
        error = `ipreallocated ${result.status}${result.reason ? `: ${result.reason}` : ''}`;
      }
    } catch (caught) {
      status = 'failed';
      error = caught instanceof Error ? caught.message : String(caught);
    }
    this.lastIpreallocatedAt = this.components.clock.wallNow();
    this.lastRun = {
      epoch: order.epoch, at: this.components.clock.now(), failedTakes: this.failedTakes.epoch === order.epoch ? this.failedTakes.count : 0,
      counted: this.counted?.epoch === order.epoch ? this.counted.counted : undefined,
    };
    this.components.reply(from, { kind: 'ipreallocated-ack', epoch: order.epoch, status, error });
  }
}
