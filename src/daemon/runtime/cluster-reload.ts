// Cluster-wide reloadips, as CTDB's control_reloadips: hold takeover runs everywhere, let the listed nodes re-read public_addresses, then ONE run.
//
// Why: nodes that reload one by one each cause a run, and a run that sees only some of
// the new lists gives a new address to the first node that listed it; LCP2 (like CTDB's)
// does not move it later, so the layout stays unbalanced. The coordinator is the node
// whose control socket got the command:
//   1. hold     every connected node (itself included) holds its takeover runs for at most
//               holdMs and answers once no run is under way there.
//   2. apply    each listed node that holds re-reads its file and sends every peer its list;
//               a node that fails is reported with its error, the others still apply.
//   3. release  every held node ends the hold; the leader gets `run` instead: it makes sure
//               every applied node's list has reached it (`sync`), then makes the one run.
// A peer of an older release drops the unknown message (E_UNKNOWN_TYPE) and never answers:
// it is reported as not answering after timeoutMs, and its runs are not held.

import { NO_NODE, Pnn } from '../../core/flags';
import { Clock } from '../../adapters/clock';
import { AddressListChange } from './address-list';
import { ClusterState } from './cluster-state';
import { TakeoverLeader } from './leader';
import { Logger } from './logger';
import { PendingReplies } from './pending-replies';
import { SessionMessageOf } from './messages';
import type { NodesFileLine, ReloadReplyMessage, ReloadRequestMessage, ReloadStep } from '../../protocol/frame-messages';

export interface ClusterReloadComponents {
  readonly state: ClusterState;
  readonly clock: Clock;
  readonly log: Logger;
  readonly leader: TakeoverLeader;
  /** Sends to a node (ourselves included); false when it cannot be delivered. */
  readonly send: (to: Pnn, message: SessionMessageOf<'reload-request' | 'reload-reply'>) => boolean;
  /** Re-reads this node's public_addresses and applies it; throws with the reason when it cannot. */
  readonly reloadLocal: () => Promise<AddressListChange>;
  /** How long one step may take on one node (a hold waits for a run under way). */
  readonly stepTimeoutMs: number;
  /** This node's side of reloadnodes' check-nodes and apply-nodes steps (cluster-nodes.ts); without it they fail. */
  readonly nodeSet?: {
    check(nodes: readonly NodesFileLine[]): Promise<ReloadAnswer>;
    apply(nodes: readonly NodesFileLine[]): Promise<ReloadAnswer>;
  };
}

export type ReloadStatus = ReloadReplyMessage['status'];

export interface ReloadAnswer {
  readonly status: ReloadStatus;
  readonly message: string;
}

export interface NodeReloadOutcome extends ReloadAnswer {
  readonly pnn: Pnn;
}

export interface ClusterReloadOutcome {
  readonly nodes: readonly NodeReloadOutcome[];
  /** The one run after the reload, as the leader reported it. */
  readonly run: ReloadAnswer;
}

/** Words of a change, as reloadips and SIGHUP report it. */
export function describeAddressChange(change: AddressListChange): string {
  return `public addresses reloaded: ${change.added.length} added, ${change.removed.length} removed, ${change.changed.length} changed`;
}

export class ClusterReload {
  private nextReloadId = 1;
  private readonly pending: PendingReplies<ReloadAnswer>;
  /** Applies one at a time: two coordinators may ask this node at once. */
  private applying: Promise<unknown> = Promise.resolve();

  constructor(private readonly components: ClusterReloadComponents) {
    this.pending = new PendingReplies(components.clock);
  }

  /** A hold lasts the three steps and a run; a coordinator that vanishes holds no longer. */
  get holdMs(): number {
    return 4 * this.components.stepTimeoutMs;
  }

  /** The coordinator: reload `targets` (node numbers, checked by the caller) cluster-wide. */
  async reload(targets: readonly Pnn[]): Promise<ClusterReloadOutcome> {
    const { reloadId, reachable, holds, held } = await this.holdAll('reloadips');

    // 2. apply
    const ready = targets.filter((pnn) => held.includes(pnn));
    const applies = await this.askEach(ready, reloadId, () => ({ step: 'apply' }));
    const nodes = targets.map((pnn): NodeReloadOutcome => {
      if (!reachable.includes(pnn)) return { pnn, status: 'failed', message: `node ${pnn} is not connected: check \`floatip status\`, then reload it when it is back` };
      if (!held.includes(pnn)) return { pnn, status: 'failed', message: `did not hold its takeover runs, so it was not reloaded: ${holds.get(pnn)?.message ?? ''}` };
      return { pnn, ...(applies.get(pnn) ?? { status: 'failed', message: 'no answer' }) };
    });
    const applied = nodes.filter((n) => n.status === 'ok').map((n) => n.pnn).sort((a, b) => a - b);

    // 3. release, and the one run
    return { nodes, run: await this.releaseAndRun(reloadId, holds, held, applied) };
  }

  /** Step 1 of a cluster reload: every reachable node holds its takeover runs. */
  async holdAll(what: string): Promise<{ reloadId: number; reachable: Pnn[]; holds: Map<Pnn, ReloadAnswer>; held: Pnn[] }> {
    const { state, log } = this.components;
    const reloadId = this.nextReloadId++;
    const reachable = state.view.nodes.filter((n) => !n.deleted && (n.local || n.connected)).map((n) => n.pnn);
    const holds = await this.askEach(reachable, reloadId, () => ({ step: 'hold', holdMs: this.holdMs }));
    const held = reachable.filter((pnn) => holds.get(pnn)?.status === 'ok');
    for (const pnn of reachable.filter((p) => !held.includes(p))) {
      log.warn({ pnn, reloadId }, `${what}: node ${pnn} did not hold its takeover runs: ${holds.get(pnn)?.message ?? ''}`);
    }
    return { reloadId, reachable, holds, held };
  }

  /** The last step: every held node ends its hold, the leader with the one run (whose list of `applied` it syncs first). */
  async releaseAndRun(reloadId: number, holds: ReadonlyMap<Pnn, ReloadAnswer>, held: readonly Pnn[], applied: readonly Pnn[]): Promise<ReloadAnswer> {
    const leader = this.components.state.leader();
    const released = await this.askEach(held, reloadId, (pnn) => (pnn === leader ? { step: 'run', applied } : { step: 'release' }));
    if (leader === NO_NODE) return { status: 'refused', message: 'this node has no leader (no quorum): the addresses move once quorum is back' };
    if (!held.includes(leader)) return { status: 'failed', message: `the leader, node ${leader}, did not hold its runs: ${holds.get(leader)?.message ?? 'not connected'}` };
    return released.get(leader) ?? { status: 'failed', message: 'no answer' };
  }

  /** A step from a coordinator (or, for sync, from the leader). */
  onRequest(from: Pnn, message: ReloadRequestMessage): void {
    const reply = (answer: ReloadAnswer): void => {
      this.components.send(from, { kind: 'reload-reply', requestId: message.requestId, ...answer });
    };
    void this.answer(from, message.reloadId, message.step).then(reply, (error: unknown) => {
      reply({ status: 'failed', message: error instanceof Error ? error.message : String(error) });
    });
  }

  onReply(_from: Pnn, message: ReloadReplyMessage): void {
    this.pending.answer(message.requestId, { status: message.status, message: message.message });
  }

  /** Answers every waiting request: the runtime stops. */
  stop(): void {
    this.pending.close({ status: 'failed', message: 'floatipd is stopping' });
  }

  private async answer(from: Pnn, reloadId: number, step: ReloadStep): Promise<ReloadAnswer> {
    const { leader, state } = this.components;
    const hold = `node ${from} reload ${reloadId}`;
    switch (step.step) {
      case 'hold':
        leader.holdForReload(hold, step.holdMs);
        await leader.whenIdle();
        return { status: 'ok', message: 'takeover runs held' };
      case 'apply': {
        const applied = this.applying.then(() => this.components.reloadLocal());
        this.applying = applied.catch(() => undefined);
        return { status: 'ok', message: describeAddressChange(await applied) };
      }
      case 'release':
        leader.endReloadHold(hold);
        return { status: 'ok', message: 'takeover runs no longer held' };
      case 'sync':
        return { status: 'ok', message: 'in sync' };
      case 'check-nodes':
      case 'apply-nodes': {
        const nodeSet = this.components.nodeSet;
        if (nodeSet === undefined) return { status: 'failed', message: `node ${state.localPnn} cannot re-read its nodes file: restart it instead` };
        return step.step === 'check-nodes' ? nodeSet.check(step.nodes) : nodeSet.apply(step.nodes);
      }
      case 'run': {
        if (!leader.isLeader()) {
          leader.endReloadHold(hold);
          return { status: 'refused', message: `node ${state.localPnn} is no longer the leader: the new leader places the new lists` };
        }
        const peers = step.applied.filter((pnn) => pnn !== state.localPnn);
        const synced = await this.askEach(peers, reloadId, () => ({ step: 'sync' }));
        for (const [pnn, answer] of synced) {
          if (answer.status !== 'ok') this.components.log.warn({ pnn }, `reloadips: node ${pnn} did not confirm its new list: ${answer.message}; running anyway`);
        }
        // The waiter first, then the release: the run the release starts is the one waited for.
        const record = leader.runAndWait(`reloadips from node ${from}`);
        leader.endReloadHold(hold);
        const done = await record;
        return done.status === 'ok'
          ? { status: 'ok', message: `takeover run ${done.epoch} done in ${done.phases.total} ms, ${done.moves} address(es) moved` }
          : { status: 'failed', message: `takeover run ${done.epoch} ${done.status}: ${done.error}` };
      }
    }
  }

  /** Sends one step to each node and waits for every answer; a node that cannot be reached or is silent gets a failed one. */
  async askEach(nodes: readonly Pnn[], reloadId: number, step: (pnn: Pnn) => ReloadStep): Promise<Map<Pnn, ReloadAnswer>> {
    const answers = await Promise.all(nodes.map(async (pnn) => [pnn, await this.ask(pnn, reloadId, step(pnn))] as const));
    return new Map(answers);
  }

  private ask(to: Pnn, reloadId: number, step: ReloadStep): Promise<ReloadAnswer> {
    // A run waits for the holds of other reloads and for its own deadline.
    const timeoutMs = step.step === 'run' ? this.holdMs + this.components.stepTimeoutMs : this.components.stepTimeoutMs;
    return this.pending.request(
      (requestId) => this.components.send(to, { kind: 'reload-request', requestId, reloadId, step }),
      timeoutMs,
      () => ({ status: 'failed', message: `node ${to} is not connected: check \`floatip status\`` }),
      () => ({ status: 'failed', message: `node ${to} did not answer the ${step.step} step within ${timeoutMs} ms (a node running an older floatip drops this step: upgrade it, or run \`floatip reloadips\` on it)` }),
    );
  }
}
