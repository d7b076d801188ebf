// Administrator commands across the cluster: flag verbs, moveip and ipreallocate, relayed through the leader.
//
// A node decides its own flags (the membership view takes them only from its own
// heartbeats), so a flag verb ends on the target node. A verb for this node applies
// here at once, leader or not, as `ctdb disable` does; a verb for another node goes to
// the leader, which applies it if it is the target or forwards it to the target. A
// target applies a forwarded verb only when it comes from its current leader.
// moveip and ipreallocate (also with rebalance targets) are takeover runs, so only the leader can do them.

import { NO_NODE, Pnn } from '../../core/flags';
import { AdminAction } from '../../core/membership';
import { Clock, OneTimer } from '../../adapters/clock';
import { ClusterState } from './cluster-state';
import { TakeoverLeader } from './leader';
import { Logger } from './logger';
import { PendingReplies } from './pending-replies';
import { AdminReplyMessage, AdminRequest, AdminRequestMessage, SessionMessageOf } from './messages';
import { TakeoverRunRecord } from '../../protocol/control-results';
import { inBackground, reasonOf } from './background';

export type AdminStatus = AdminReplyMessage['status'];

export interface AdminOutcome {
  readonly status: AdminStatus;
  readonly message: string;
}

export interface AdminComponents {
  readonly state: ClusterState;
  readonly clock: Clock;
  readonly log: Logger;
  readonly leader: TakeoverLeader;
  readonly send: (to: Pnn, message: SessionMessageOf<'admin-request' | 'admin-reply'>) => boolean;
  /** Our heartbeat, at once: the leader learns our new flags now. */
  readonly announce: () => void;
  /**
   * How long a relayed request may take (it may include a takeover run), and the bound on a
   * flag verb's whole wait for its run: the command answers within it, below the CLI's 20 s.
   */
  readonly timeoutMs: number;
  /**
   * How long the leader waits for the run a request asked for (a run held for partition
   * agreement may wait for ever): shorter than timeoutMs, so the leader answers before a
   * relaying node gives up on it.
   */
  readonly runWaitMs: number;
  /** Pause before asking a new leader again for the run a flag verb causes (a heartbeat interval). */
  readonly retryDelayMs: number;
}

const FLAG_ACTIONS: ReadonlySet<string> = new Set(['disable', 'enable', 'stop', 'continue', 'ban', 'unban']);

const DONE_WORDS: Readonly<Record<AdminAction, string>> = {
  disable: 'disabled', enable: 'enabled', stop: 'stopped', continue: 'continued', ban: 'banned', unban: 'unbanned',
};

/** Tries at asking the leader for the run a flag verb causes (see flagAndWait). */
const RUN_ATTEMPTS = 5;

export class AdminRelay {
  private readonly pending: PendingReplies<AdminOutcome>;

  constructor(private readonly components: AdminComponents) {
    this.pending = new PendingReplies(components.clock);
  }

  /** A command from this node's control socket. */
  async request(request: AdminRequest): Promise<AdminOutcome> {
    const { state } = this.components;
    const problem = this.validate(request);
    if (problem) return { status: 'refused', message: problem };
    if (isFlagRequest(request)) return this.flagAndWait(request);
    const leader = state.leader();
    if (leader === NO_NODE) {
      return { status: 'refused', message: 'this node has no leader (no quorum): run the command on the node it is about, or restore quorum' };
    }
    if (leader === state.localPnn) return this.asLeader(request);
    return this.sendAndWait(leader, request);
  }

  /**
   * A flag verb from the control socket (disable, stop, ban...): set the flag on its node,
   * then wait for the takeover run it causes, as CTDB's tool does, so that when the command
   * returns the addresses have moved. The flag stands even if no run can follow (no leader).
   */
  private async flagAndWait(request: AdminRequest & { pnn: Pnn }): Promise<AdminOutcome> {
    const { state } = this.components;
    let flagged: AdminOutcome;
    if (request.pnn === state.localPnn) {
      flagged = this.apply(request);
    } else {
      const leader = state.leader();
      if (leader === NO_NODE) {
        return { status: 'refused', message: 'this node has no leader (no quorum): run the command on the node it is about, or restore quorum' };
      }
      flagged = leader === state.localPnn ? await this.asLeader(request) : await this.sendAndWait(leader, request);
    }
    if (flagged.status !== 'ok') return flagged;
    // The flag may change who leads (a banned or stopped leader steps down): a node asked
    // before it has heard of the change refuses, and a run cut short by the change fails
    // (the new leader runs again by itself). Ask again once the news has spread.
    // One deadline for all attempts: five runs that each fail at their deadline, or a run
    // held for partition agreement, kept a soak's `ban` unanswered past the CLI's 20 s.
    const { clock, timeoutMs } = this.components;
    const deadline = clock.now() + timeoutMs;
    let run: AdminOutcome = { status: 'refused', message: 'no leader' };
    for (let attempt = 0; attempt < RUN_ATTEMPTS; attempt++) {
      if (attempt > 0) await this.pause(Math.min(this.components.retryDelayMs, Math.max(0, deadline - clock.now())));
      const left = deadline - clock.now();
      if (left <= 0) {
        if (run.status === 'failed') break;
        run = { status: 'refused', message: `the run had not finished ${timeoutMs} ms after the flag was set (${run.message})` };
        break;
      }
      const leader = state.leader();
      if (leader === NO_NODE) continue;
      // Our own deadline passing is no failure of the run: the leader is still at it.
      run = leader === state.localPnn
        ? await this.asLeader({ action: 'ipreallocate' }, left)
        : await this.sendAndWait(leader, { action: 'ipreallocate' }, left,
          { status: 'refused', message: `node ${leader} had not finished the run within ${timeoutMs} ms of the flag` });
      if (run.status === 'ok') break;
    }
    if (run.status === 'refused') {
      return { status: 'ok', message: `${flagged.message} (no leader took the run yet: ${run.message}; addresses move with the next one)` };
    }
    return run.status === 'ok'
      ? { status: 'ok', message: `${flagged.message}; ${run.message}` }
      : { status: 'failed', message: `${flagged.message}, but the takeover run that moves its addresses did not finish: ${run.message}` };
  }

  /** The leader bans a node that collected too many credits. */
  ban(pnn: Pnn, seconds: number): void {
    const request: AdminRequest = { action: 'ban', pnn, seconds };
    if (pnn === this.components.state.localPnn) {
      this.apply(request);
      return;
    }
    inBackground(this.sendAndWait(pnn, request).then((outcome) => {
      if (outcome.status !== 'ok') this.components.log.warn({ pnn, status: outcome.status }, `banning node ${pnn} failed: ${outcome.message}`);
    }), this.components.log, 'E_ADMIN_BAN', `banning node ${pnn}`);
  }

  onRequest(from: Pnn, message: AdminRequestMessage): void {
    const { state } = this.components;
    const reply = (outcome: AdminOutcome): void => {
      this.components.send(from, { kind: 'admin-reply', requestId: message.requestId, status: outcome.status, message: outcome.message });
    };
    const request = message.request;
    const problem = this.validate(request);
    if (problem) {
      reply({ status: 'refused', message: problem });
      return;
    }
    const leader = state.leader();
    if (leader === state.localPnn) {
      // The asking node waits for an answer: a failure is one too.
      this.asLeader(request).then(reply, (error: unknown) => {
        this.components.log.error({ code: 'E_ADMIN_FAILED', from, action: request.action, err: reasonOf(error) }, `admin request ${request.action} from node ${from} failed: ${reasonOf(error)}`);
        reply({ status: 'failed', message: `node ${state.localPnn} could not carry out ${request.action}: ${reasonOf(error)}` });
      });
      return;
    }
    if (isFlagRequest(request) && request.pnn === state.localPnn && from === leader) {
      reply(this.apply(request));
      return;
    }
    this.components.log.warn({ from, action: request.action, leader }, `refused admin request from node ${from}: this node does not lead it`);
    reply({ status: 'refused', message: `node ${state.localPnn} is not the leader (leader: ${leader === NO_NODE ? 'none' : leader}): send it to the leader` });
  }

  onReply(_from: Pnn, message: AdminReplyMessage): void {
    this.pending.answer(message.requestId, { status: message.status, message: message.message });
  }

  /** Answers every waiting request: the runtime stops. */
  stop(): void {
    this.pending.close({ status: 'failed', message: 'floatipd is stopping' });
  }

  /** Waits for the next run the leader does for `reason`, at most `ms`; undefined when it did not end by then (held, or slow). */
  private async runWithin(reason: string, ms: number): Promise<TakeoverRunRecord | undefined> {
    const { leader, clock } = this.components;
    const timer = new OneTimer(clock);
    const late = new Promise<undefined>((resolve) => timer.set(ms, () => resolve(undefined)));
    try {
      return await Promise.race([leader.runAndWait(reason), late]);
    } finally {
      timer.clear();
    }
  }

  /** Why the run did not end within `ms`: the takeover gate's hold, if there is one. */
  private notFinished(ms: number): string {
    const held = this.components.leader.nextRun();
    return `the takeover run did not finish within ${ms} ms${held ? ` (next run held ${held.reason})` : ''}`;
  }

  private async asLeader(request: AdminRequest, boundMs = this.components.runWaitMs): Promise<AdminOutcome> {
    const { state, leader } = this.components;
    const waitMs = Math.min(boundMs, this.components.runWaitMs);
    switch (request.action) {
      case 'moveip': {
        const lists = state.addressList(request.pnn);
        if (!lists?.some((l) => l.address.text === request.address.text)) {
          return { status: 'refused', message: `node ${request.pnn} does not list ${request.address.text} in its public_addresses: pick a node that does` };
        }
        leader.pin(request.address.text, request.pnn);
        const record = await this.runWithin(`moveip ${request.address.text} ${request.pnn}`, waitMs);
        if (!record) return { status: 'failed', message: `${request.address.text} not moved yet: ${this.notFinished(waitMs)}; it moves with that run` };
        const where = state.view.nodes[request.pnn].hosted.includes(request.address.text);
        return record.status === 'ok' && where
          ? { status: 'ok', message: `${request.address.text} moved to node ${request.pnn} (epoch ${record.epoch})` }
          : { status: 'failed', message: `${request.address.text} is not on node ${request.pnn} after run ${record.epoch}: ${record.error || 'the node cannot host it now'}` };
      }
      case 'ipreallocate':
      case 'rebalance': {
        const reason = request.action === 'rebalance' ? `ipreallocate --rebalance ${request.nodes.join(',')}` : 'ipreallocate';
        if (request.action === 'rebalance') leader.rebalanceOnto(request.nodes);
        const record = await this.runWithin(reason, waitMs);
        if (!record) return { status: 'refused', message: this.notFinished(waitMs) };
        return record.status === 'ok'
          ? { status: 'ok', message: `takeover run ${record.epoch} done in ${record.phases.total} ms` }
          : { status: 'failed', message: `takeover run ${record.epoch} failed: ${record.error}` };
      }
      default:
        return request.pnn === state.localPnn ? this.apply(request) : this.sendAndWait(request.pnn, request);
    }
  }

  private apply(request: AdminRequest): AdminOutcome {
    const { state, clock } = this.components;
    if (!isFlagRequest(request)) return { status: 'refused', message: `${request.action} is not a node flag command` };
    const until = request.action === 'ban' ? clock.now() + request.seconds * 1000 : undefined;
    state.observe({ kind: 'admin', pnn: state.localPnn, action: request.action, ...(until !== undefined ? { until } : {}) });
    this.components.announce();
    this.components.log.info({ action: request.action, pnn: state.localPnn }, `node ${state.localPnn} ${DONE_WORDS[request.action]}`);
    return { status: 'ok', message: `node ${state.localPnn} ${DONE_WORDS[request.action]}` };
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => new OneTimer(this.components.clock).set(ms, resolve));
  }

  /** Asks node `to`; `late` is the answer when it has not replied within `timeoutMs` (by default: failed). */
  private sendAndWait(to: Pnn, request: AdminRequest, timeoutMs = this.components.timeoutMs, late?: AdminOutcome): Promise<AdminOutcome> {
    return this.pending.request(
      (requestId) => this.components.send(to, { kind: 'admin-request', requestId, request }),
      timeoutMs,
      () => ({ status: 'failed', message: `node ${to} is not connected: check \`floatip status\`` }),
      () => late ?? { status: 'failed', message: `node ${to} did not answer within ${timeoutMs} ms` },
    );
  }

  private validate(request: AdminRequest): string | undefined {
    if (request.action === 'ipreallocate') return undefined;
    const nodes = this.components.state.view.nodes;
    if (request.action === 'rebalance') return request.nodes.map((pnn) => nodeProblem(nodes, pnn)).find((p) => p !== undefined);
    const problem = nodeProblem(nodes, request.pnn);
    if (problem) return problem;
    if (request.action === 'ban' && !(request.seconds > 0)) return 'a ban lasts at least one second';
    return undefined;
  }
}

function nodeProblem(nodes: ClusterState['view']['nodes'], pnn: Pnn): string | undefined {
  const node = nodes[pnn];
  if (!node) return `node ${pnn} is not in the nodes file (nodes 0..${nodes.length - 1})`;
  return node.deleted ? `node ${pnn} is deleted in the nodes file` : undefined;
}

function isFlagRequest(request: AdminRequest): request is Extract<AdminRequest, { action: AdminAction }> {
  return FLAG_ACTIONS.has(request.action);
}
