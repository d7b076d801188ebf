// One takeover run on the leader, as ctdb_takeover_helper does it: one function per phase, ONE deadline.
//
//   1. epoch     a new epoch (the leader picks it above every epoch any node reported); we
//                adopt it first and tell the peers before the orders.
//   1b. confirm  the first run after this node gained quorum (the gate's `confirm` row) has
//                every connected peer confirm it with an empty RELEASE, acked after a fresh
//                heartbeat (orders.ts); the view is read again once every ack is in.
//   2. allocate  the target assignment from the run's snapshot of the view (flags, links,
//                every node's list), through the Allocator port (a worker thread for big
//                clusters); moveip pins go on top. Its inputs are built a chunk of addresses
//                per turn of the event loop (run-inputs.ts).
//   3. plan      core/plan: current + target -> release / take / ipreallocated actions.
//   4. release   RELEASE to every node that must give an address up, in parallel; wait
//                for every ack. A node that goes DISCONNECTED (silent for dead_after, or
//                its stream closed) counts as released. Addresses whose release failed
//                are not taken anywhere in this run.
//   5. take      TAKE to every new owner, in parallel; wait for every ack.
//   6. ipreallocated  to every member of the partition, each told first on the same stream whether
//                the allocation counted it as able to host (RUN-COUNTED, for wait-ok); wait for every ack.
//
// The plan reads a SNAPSHOT of the view taken when the run starts (again after the confirm
// round trip, which exists to make it current); only delivery asks the live membership
// whether a node is still there, since one that left mid-run counts as released. A newer
// request supersedes the run at the next boundary before the takes (releases are always safe
// to have done); once takes went out their acks are awaited, so the next run starts from what
// the nodes really hold. Every failed action is a ban credit for its node (bans.ts), and a
// failed take also keeps the address off that node in the next runs (failed-takes.ts).

import { PublicAddress } from '../../core/address';
import { canHostWithFlags, NO_NODE, Pnn } from '../../core/flags';
import { IpAddress, parseIp } from '../../core/ip';
import { nodeMayHost } from '../../core/ipalloc';
import { canHostAddress, MembershipView, nodeFlags } from '../../core/membership';
import { planTakeover, ReleaseAction, TakeAction } from '../../core/plan';
import { TakeoverRunRecord } from '../../protocol/control-results';
import { AckOutcome, AckWait, PhaseAck, RunDeadline } from './acks';
import { Allocator } from './allocator';
import { Clock } from '../../adapters/clock';
import { FailedTakes } from './failed-takes';
import { Logger } from './logger';
import { LoopDelayProbe } from './loop-delay';
import { IpReallocatedAck, ReleaseAck, SessionMessageOf, TakeAck } from './messages';
import { ListIndexCache, RUN_INPUT_CHUNK, RunInputs, runInputSteps } from './run-inputs';
import { RuntimeInit } from './settings';
import { RunCulprits } from './run-culprits';

type Status = TakeoverRunRecord['status'];
type Order = SessionMessageOf<'release' | 'take' | 'ipreallocated' | 'run-counted'>;

/** What a run plans from: the view, every node's list and the partition's members, as they were when read. */
export interface RunSnapshot {
  readonly view: MembershipView;
  readonly lists: ReadonlyMap<Pnn, readonly PublicAddress[]>;
  readonly members: readonly Pnn[];
}

export interface RunPorts {
  readonly init: Pick<RuntimeInit, 'localPnn' | 'takeoverDeadlineMs' | 'algorithm' | 'tunables'>;
  readonly clock: Clock;
  readonly log: Logger;
  readonly allocator: Allocator;
  readonly loopDelay: LoopDelayProbe;
  readonly failedTakes: FailedTakes;
  /** The view as it is now: read at the start of the run, and again after the confirm round trip. */
  readonly snapshot: () => RunSnapshot;
  /** Live: is the node connected now? One that is not gets no order and counts as gone. */
  readonly connected: (pnn: Pnn) => boolean;
  /** Sends an order to a node (ourselves included); false when it cannot be delivered. */
  readonly send: (to: Pnn, message: Order) => boolean;
  /** Adopts the run's epoch and heartbeats at once: peers learn it before the orders. */
  readonly adoptEpoch: (epoch: number) => void;
  /**
   * A ban credit for `pnn` (bans.ts). Returns `message`. A phase calls it for every failed action;
   * a whole run (TakeoverRun) counts those and, when it fails, passes on one credit, to the node
   * with the most (CTDB's takeover helper).
   */
  readonly charge: (pnn: Pnn, message: string) => string;
  /** Whether this node still leads: `stopped` (the runtime stopped), `replaced` (another node leads) or `leading`. */
  readonly standing: () => 'leading' | 'stopped' | 'replaced';
  /** A request for a run that came while this one went on: it supersedes this one before its takes. */
  readonly newerRequest: () => string | undefined;
  /** Every peer confirmed the run's epoch: their lists are current since `quorateSince`. */
  readonly confirmed: (quorateSince: number) => void;
  /** moveip pins for this run (address text -> node), handed over once: the run consumes them. */
  readonly takePins: () => ReadonlyMap<string, Pnn>;
  /** ipreallocate --rebalance: nodes LCP2 may move addresses onto. */
  readonly rebalanceTargets: () => readonly Pnn[];
  /** The nodes' lists indexed, kept from run to run until a list changes (run-inputs.ts). */
  readonly listIndex: ListIndexCache;
}

export interface RunRequest {
  readonly reason: string;
  readonly epoch: number;
  /** Set when the gate's `confirm` row asks for the round trip: the quorateSince it confirms. */
  readonly confirmSince: number | undefined;
}

export interface RunOutcome {
  readonly record: TakeoverRunRecord;
  /** Where the run wanted every address it could place (failed takes included), once it reached the takes. */
  readonly placed: ReadonlyMap<string, Pnn> | undefined;
  /** Where the run put every address (failed takes left out), once its takes were answered. */
  readonly target: ReadonlyMap<string, Pnn> | undefined;
  /** The rebalance targets the run allocated with. */
  readonly rebalanced: readonly Pnn[];
  /** Unrounded length of the run in ms, and when it ended (wall clock). */
  readonly totalMs: number;
  readonly endedAt: number;
}

export class RunAborted extends Error {
  constructor(readonly status: Status, message: string) {
    super(message);
  }
}

/** What every phase works with. */
export interface PhaseContext {
  readonly ports: RunPorts;
  readonly epoch: number;
  readonly deadline: RunDeadline;
}

/** Sends one order per node (after `preface`'s message, on the same stream) and waits for every answer, the node's going, or the deadline. */
async function orderAll<M extends PhaseAck>(
  ctx: PhaseContext, kind: M['kind'], nodes: readonly Pnn[], order: (pnn: Pnn) => Order, preface?: (pnn: Pnn) => Order,
): Promise<Map<Pnn, AckOutcome<M>>> {
  const wait = new AckWait<M>(ctx.epoch, kind, nodes);
  ctx.deadline.watch(wait);
  for (const pnn of nodes) {
    if (!ctx.ports.connected(pnn) || (preface && !ctx.ports.send(pnn, preface(pnn))) || !ctx.ports.send(pnn, order(pnn))) wait.gone(pnn);
  }
  const outcomes = await wait.done;
  // Missing acks of a run whose leader was replaced meanwhile are nobody's fault: no ban credits, no retry.
  if (ctx.ports.standing() === 'replaced') throw new RunAborted('superseded', 'this node is no longer the leader');
  return outcomes;
}

/**
 * 1b. Every connected peer acks an empty RELEASE of this epoch, having sent a fresh heartbeat
 * first. A peer that does not by the deadline fails the run, named: planning on a list it
 * never confirmed is what this phase is there to prevent, and "passed its deadline" alone did
 * not say whom the run waited for. Nobody is charged: a slow peer is not a failed take.
 */
export async function confirmPhase(ctx: PhaseContext, peers: readonly Pnn[]): Promise<void> {
  const leader = ctx.ports.init.localPnn;
  const outcomes = await orderAll<ReleaseAck>(ctx, 'release-ack', peers, () => ({ kind: 'release', epoch: ctx.epoch, leader, addresses: [] }));
  if (ctx.ports.standing() !== 'leading') throw new RunAborted('superseded', 'this node is no longer the leader');
  const silent = [...outcomes].filter(([, outcome]) => outcome.kind === 'timeout').map(([pnn]) => pnn).sort((a, b) => a - b);
  if (silent.length > 0) {
    throw new RunAborted('failed', `node(s) ${silent.join(',')} did not confirm their address lists (an empty RELEASE) within the run's deadline of ${ctx.deadline.ms} ms`);
  }
}

/**
 * The allocator's and the plan's inputs from a snapshot (also what the leader allocates ahead
 * with), RUN_INPUT_CHUNK addresses per turn of the event loop; `then` gets them, in the same
 * turn when they took one chunk (a small cluster's run goes on as before, without a turn).
 */
export function runInputsOf(ports: RunPorts, snapshot: RunSnapshot, rebalance: readonly Pnn[], then: (inputs: RunInputs) => void): void {
  const { init, clock, failedTakes } = ports;
  const steps = runInputSteps(snapshot.view, snapshot.lists, {
    algorithm: init.algorithm, tunables: init.tunables, members: snapshot.members,
    avoid: failedTakes.avoidAt(clock.now()),
    forceRebalance: rebalance,
  }, ports.listIndex.indexOf(snapshot.lists), RUN_INPUT_CHUNK);
  const step = (): void => {
    const next = steps.next();
    if (next.done) then(next.value);
    else clock.nextTurn(step);
  };
  step();
}

/**
 * 2, ahead: while the gate holds a run for a crashed or silent peer's guardian, allocate for the
 * view as it is. The dead node is already DISCONNECTED in it, and the run that follows reads the
 * same view and finds the answer ready (the allocator remembers it). A failure is the run's to report.
 */
export function allocateAhead(ports: RunPorts): void {
  runInputsOf(ports, ports.snapshot(), ports.rebalanceTargets(), (inputs) => {
    ports.allocator.allocate(inputs.alloc).catch(() => undefined);
  });
}

/** 2. The target assignment, moveip pins applied where their node can host the address now. */
export async function allocatePhase(ctx: PhaseContext, snapshot: RunSnapshot): Promise<{ inputs: RunInputs; target: Map<string, Pnn> }> {
  const { ports } = ctx;
  const inputs = await new Promise<RunInputs>((resolve) => runInputsOf(ports, snapshot, ports.rebalanceTargets(), resolve));
  const result = await ports.allocator.allocate(inputs.alloc);
  const target = new Map(result.assignment);
  for (const [address, pnn] of ports.takePins()) {
    const line = snapshot.lists.get(pnn)?.find((l) => l.address.text === address);
    const node = snapshot.view.nodes[pnn];
    if (line && inputs.lines.has(address) && node && canHostWithFlags(nodeFlags(node)) && canHostAddress(node, line)) target.set(address, pnn);
    else ports.log.warn({ address, pnn }, `moveip ${address} ${pnn}: node ${pnn} cannot host it now; left where the allocator put it`);
  }
  return { inputs, target };
}

/** 4. RELEASE everywhere at once. Returns the addresses still held (not to be taken in this run) and the failures. */
export async function releasePhase(
  ctx: PhaseContext, releases: readonly ReleaseAction[], listed: RunInputs['lines'] = new Map(),
): Promise<{ notReleased: Set<string>; failures: string[] }> {
  const notReleased = new Set<string>();
  const failures: string[] = [];
  if (releases.length === 0) return { notReleased, failures };
  const { ports, epoch } = ctx;
  const byNode = groupByNode(releases);
  const outcomes = await orderAll<ReleaseAck>(ctx, 'release-ack', [...byNode.keys()], (pnn) => ({
    kind: 'release', epoch, leader: ports.init.localPnn, addresses: byNode.get(pnn)!.map((a) => addressOf(a.address, listed)),
  }));
  for (const [pnn, outcome] of outcomes) {
    const asked = byNode.get(pnn)!.map((a) => a.address);
    if (outcome.kind === 'gone') continue;
    if (outcome.kind === 'timeout') {
      asked.forEach((a) => notReleased.add(a));
      failures.push(ports.charge(pnn, `node ${pnn} did not acknowledge RELEASE of ${asked.length} address(es) in time`));
      continue;
    }
    for (const failed of outcome.message.failed) {
      notReleased.add(failed.address.text);
      failures.push(ports.charge(pnn, `node ${pnn} could not release ${failed.address.text}: ${failed.reason}`));
    }
  }
  return { notReleased, failures };
}

/**
 * 5. TAKE on every new owner at once. Returns the addresses that did not land (their node
 * failed, timed out or went away) and the failures; a failed or unanswered take is remembered
 * so that the next runs place the address elsewhere.
 */
export async function takePhase(
  ctx: PhaseContext, takes: readonly TakeAction[], listed: RunInputs['lines'] = new Map(),
): Promise<{ unplaced: Set<string>; failures: string[] }> {
  const unplaced = new Set<string>();
  const failures: string[] = [];
  if (takes.length === 0) return { unplaced, failures };
  const { ports, epoch } = ctx;
  const { clock, failedTakes } = ports;
  const byNode = groupByNode(takes);
  const outcomes = await orderAll<TakeAck>(ctx, 'take-ack', [...byNode.keys()], (pnn) => ({
    kind: 'take', epoch, leader: ports.init.localPnn,
    takes: byNode.get(pnn)!.map((t) => ({ address: addressOf(t.address, listed), bits: t.bits, iface: t.iface })),
  }));
  for (const [pnn, outcome] of outcomes) {
    const asked = byNode.get(pnn)!;
    if (outcome.kind !== 'ack') {
      asked.forEach((t) => unplaced.add(t.address));
      if (outcome.kind === 'timeout') {
        asked.forEach((t) => failedTakes.record(pnn, t.address, clock.now()));
        failures.push(ports.charge(pnn, `node ${pnn} did not acknowledge TAKE of ${asked.length} address(es) in time`));
      }
      continue;
    }
    for (const taken of outcome.message.results.filter((r) => r.status === 'failed')) {
      unplaced.add(taken.address.text);
      failedTakes.record(pnn, taken.address.text, clock.now());
      failures.push(ports.charge(pnn, `node ${pnn} could not take ${taken.address.text}: ${taken.error}`));
    }
  }
  return { unplaced, failures };
}

/** 6. `ipreallocated` on every member, after whether the run `counted` it; a node gone meanwhile is skipped. Returns the failures. */
export async function ipreallocatedPhase(ctx: PhaseContext, nodes: readonly Pnn[], counted: (pnn: Pnn) => boolean): Promise<string[]> {
  const { ports, epoch } = ctx;
  const leader = ports.init.localPnn;
  const outcomes = await orderAll<IpReallocatedAck>(ctx, 'ipreallocated-ack', nodes, () => ({ kind: 'ipreallocated', epoch, leader }),
    (pnn) => ({ kind: 'run-counted', epoch, leader, counted: counted(pnn) }));
  const failures: string[] = [];
  for (const [pnn, outcome] of outcomes) {
    if (outcome.kind === 'timeout') failures.push(`node ${pnn} did not acknowledge IPREALLOCATED in time`);
    else if (outcome.kind === 'ack' && outcome.message.status === 'failed') failures.push(`node ${pnn}: ipreallocated failed: ${outcome.message.error}`);
  }
  return failures;
}

/** One run from start to record; the leader forwards acks and departures to `deadline` while it goes on. */
export class TakeoverRun implements PhaseContext {
  readonly deadline: RunDeadline;
  readonly epoch: number;
  private placed: Map<string, Pnn> | undefined;
  private target: Map<string, Pnn> | undefined;
  private rebalanced: readonly Pnn[] = [];
  /** The phases' failed actions, passed on as one ban credit when the run fails (run-culprits.ts). */
  private readonly culprits = new RunCulprits();
  readonly ports: RunPorts;

  constructor(private readonly leaderPorts: RunPorts, private readonly request: RunRequest) {
    this.epoch = request.epoch;
    this.deadline = new RunDeadline(leaderPorts.clock, leaderPorts.init.takeoverDeadlineMs);
    this.ports = { ...leaderPorts, charge: (pnn, message) => this.culprits.failed(pnn, message) };
  }

  async execute(): Promise<RunOutcome> {
    const { ports, request, epoch } = this;
    const { clock } = ports;
    const measurement = ports.loopDelay.start();
    const startedAt = clock.wallNow();
    const t0 = clock.now();
    const phases = { allocate: 0, release: 0, take: 0, ipreallocated: 0, total: 0 };
    const failures: string[] = [];
    let moves = 0;
    let status: Status = 'ok';
    let error = '';

    ports.adoptEpoch(epoch);
    this.deadline.start();
    try {
      let snapshot = ports.snapshot();
      if (request.confirmSince !== undefined) {
        await confirmPhase(this, snapshot.view.nodes.filter((n) => !n.local && !n.deleted && n.connected).map((n) => n.pnn));
        ports.confirmed(request.confirmSince);
        // What changed while we waited is in the view this run reads now.
        snapshot = ports.snapshot();
      }

      let lap = clock.now();
      const { inputs, target } = await allocatePhase(this, snapshot);
      this.rebalanced = inputs.alloc.forceRebalance ?? [];
      phases.allocate = clock.now() - lap;
      this.boundary(true);

      const plan = planTakeover({ current: inputs.current, target, nodes: inputs.planNodes, listed: inputs.lines });
      for (const problem of plan.problems) ports.log.warn({ code: problem.code, pnn: problem.pnn, address: problem.address }, problem.message);
      const releases: ReleaseAction[] = [
        ...plan.release,
        ...inputs.duplicates.map((d): ReleaseAction => ({ kind: 'release', pnn: d.pnn, address: d.address, bits: inputs.lines.get(d.address)?.bits ?? 32, iface: undefined })),
      ];

      lap = clock.now();
      const released = await releasePhase(this, releases, inputs.lines);
      failures.push(...released.failures);
      phases.release = clock.now() - lap;
      this.boundary(true);

      lap = clock.now();
      const takes = plan.take.filter((t): t is TakeAction => t.kind === 'take' && !released.notReleased.has(t.address));
      moves = takes.length;
      this.placed = new Map([...target].filter(([address]) => !released.notReleased.has(address)));
      const taken = await takePhase(this, takes, inputs.lines);
      failures.push(...taken.failures);
      this.target = new Map([...target].filter(([address, pnn]) => pnn !== NO_NODE && !taken.unplaced.has(address)));
      phases.take = clock.now() - lap;
      this.boundary(false);

      lap = clock.now();
      const counted = (pnn: Pnn): boolean => inputs.alloc.nodes[pnn] !== undefined && nodeMayHost(inputs.alloc.nodes[pnn]);
      failures.push(...await ipreallocatedPhase(this, inputs.planNodes.map((n) => n.pnn), counted));
      phases.ipreallocated = clock.now() - lap;
      if (this.deadline.passed) failures.push(`the run passed its deadline of ${this.deadline.ms} ms`);
      if (failures.length > 0) {
        status = 'failed';
        error = failures.join('; ');
      }
    } catch (caught) {
      if (caught instanceof RunAborted) {
        status = caught.status;
        error = [caught.message, ...failures].join('; ');
      } else {
        status = 'failed';
        error = caught instanceof Error ? caught.message : String(caught);
      }
    } finally {
      this.deadline.clear();
    }
    const culprit = status === 'failed' ? this.culprits.culprit() : undefined;
    if (culprit) this.leaderPorts.charge(culprit.pnn, `node ${culprit.pnn}: ${culprit.actions} failed action(s) in takeover run ${epoch}`);
    phases.total = clock.now() - t0;
    const record: TakeoverRunRecord = {
      epoch, leader: ports.init.localPnn, startedAt, reason: request.reason, status, error, moves,
      phases: roundPhases(phases), loopDelayP99Ms: measurement.stop(),
    };
    return { record, placed: this.placed, target: this.target, rebalanced: this.rebalanced, totalMs: phases.total, endedAt: clock.wallNow() };
  }

  /** Between phases: stop when the runtime stopped, another node leads, a newer request came (before the takes) or the deadline passed. */
  private boundary(beforeTakes: boolean): void {
    const standing = this.ports.standing();
    if (standing === 'stopped') throw new RunAborted('superseded', 'the runtime stopped');
    if (standing === 'replaced') throw new RunAborted('superseded', 'this node is no longer the leader');
    const newer = beforeTakes ? this.ports.newerRequest() : undefined;
    if (newer !== undefined) throw new RunAborted('superseded', `superseded: ${newer}`);
    if (this.deadline.passed) throw new RunAborted('failed', `the run passed its deadline of ${this.deadline.ms} ms`);
  }
}

function groupByNode<A extends { pnn: Pnn }>(actions: readonly A[]): Map<Pnn, A[]> {
  const out = new Map<Pnn, A[]>();
  for (const action of actions) {
    const own = out.get(action.pnn);
    if (own) own.push(action);
    else out.set(action.pnn, [action]);
  }
  return out;
}

/** A planned address as a value: the run's listed lines hold it parsed already; another (a duplicate nobody lists) is parsed here. */
function addressOf(text: string, listed: RunInputs['lines']): IpAddress {
  const line = listed.get(text);
  if (line) return line.address;
  const parsed = parseIp(text);
  if (!parsed.ok) throw new Error(`internal: plan address ${text}: ${parsed.error}`);
  return parsed.value;
}

function roundPhases(phases: TakeoverRunRecord['phases']): TakeoverRunRecord['phases'] {
  const r = (ms: number): number => Math.round(ms * 1000) / 1000;
  return { allocate: r(phases.allocate), release: r(phases.release), take: r(phases.take), ipreallocated: r(phases.ipreallocated), total: r(phases.total) };
}
