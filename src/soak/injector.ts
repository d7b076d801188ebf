// Makes and undoes the schedule's faults on a running lab: lab faults, partitions, one-way cuts, reloads and admin commands.
//
// Work on one node runs in order on that node's queue (a heal never overtakes its own
// fault), work on the switch's bridges on the network queue; queues run side by side,
// so a daemon restart that takes a second does not hold back the next fault. Each
// action is stamped with the time it was made, which the report attributes unserved
// time to. A command the daemon refuses (moveip to a node that may not host) is not a
// failure of the soak: it is recorded as refused.

import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { UnixControlClient } from '../client/control-client';
import { ip } from '../core/ip';
import { labFail, labHeal, labPartition, LabTarget } from '../lab';
import { daemonState, readPid, signalDaemon } from '../lab/daemons';
import { LabNodePlan, LabPlan } from '../lab/plan';
import { NODE_FILE_NAMES } from '../lab/node-config';
import { clearOneWayCuts, cutOneWay } from '../lab/one-way';
import { Flood, startFlood } from '../lab/floods';
import { freezeGuardian, killDaemonCgroup, thawGuardian } from '../lab/guardian-faults';
import { addHandDuplicate, HandDuplicate, removeHandDuplicate } from '../lab/hand-duplicate';
import { installHungEvents, removeHungEvents, triggerHungEvent } from '../lab/hung-event';
import { IpStatus } from '../protocol/control-results';
import { ExitWatch } from './exit-watch';
import { OperationInjector, restartDaemon, stopAndWaitGone, waitQuorate } from './operation-injector';
import { isOperationDetail } from './operation-schedule';
import { FaultStep, HungEvent, isOperation, MEMBERSHIP_KINDS } from './schedule';

export type ActionPhase = 'inject' | 'heal';

export interface ActionRecord {
  readonly step: number;
  readonly kind: FaultStep['kind'];
  readonly phase: ActionPhase;
  /** When the fault was made (ms, performance.timeOrigin + now). */
  readonly t: number;
  readonly outcome: 'done' | 'refused' | 'failed';
  readonly note?: string;
  /** An inject that left more than a minority of nodes cut off (only with --max-faulty above a minority). */
  readonly outsideSafetyModel?: boolean;
}

const CONTROL_TIMEOUT_MS = 3000;
/**
 * moveip and the flag verbs (disable, enable, ban) answer when the takeover run they cause has
 * finished, and a run waits while the partition disagrees (a heal, a one-way cut). Longer than
 * the daemon's own bound for a relayed request (2 x takeover_deadline), so the daemon answers,
 * refusing if need be, before the soak gives up.
 */
const RUN_WAIT_TIMEOUT_MS = 20_000;
/** How long a thawed daemon gets to notice that its guardian fenced it and exit. */
const THAW_EXIT_WAIT_MS = 1500;
const RESTART_TIMEOUT_MS = 20_000;
/** How long a healed node gets to be part of a quorate cluster again before the soak goes on regardless. */
const REJOIN_TIMEOUT_MS = 20_000;
/** How long a fault waits for earlier ones to heal, when making it now would cut off too many nodes. */
const ROOM_TIMEOUT_MS = 30_000;
/** Connections a flood holds (the control server serves 32 at once; a node admits 4 handshakes per source). */
const FLOOD_CONNECTIONS = 200;
/** The peers' mesh port in the lab (floatip's default). */
const MESH_PORT = 4390;

/** What a running fault must hand to its heal. */
type LiveFault =
  | { readonly kind: 'guardian-freeze'; readonly guardianPid: number }
  | { readonly kind: 'flood'; readonly flood: Flood }
  | { readonly kind: 'duplicate'; readonly duplicate: HandDuplicate };

const now = (): number => performance.timeOrigin + performance.now();
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A command the daemon will not do now (moveip to a node that may not host, a node whose
 * daemon is down): a typed answer, not a soak failure. A timeout or an unreadable reply is.
 */
function isRefusal(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && code.startsWith('E_') && code !== 'E_CONTROL_TIMEOUT' && code !== 'E_CONTROL_BAD_REPLY';
}

/** How many nodes may be cut off at once, and how many are a minority (the safety model's domain). */
export interface CutOffLimits {
  readonly maxFaulty: number;
  readonly minority: number;
}

export class FaultInjector {
  readonly actions: ActionRecord[] = [];
  private readonly queues = new Map<string, Promise<void>>();
  private readonly originalAddresses: Map<number, string> = new Map();
  /**
   * Nodes cut off from the cluster now: from the moment a membership fault is made
   * until the node is back in a quorate cluster (a restarted daemon takes seconds to
   * rejoin, longer than the schedule's plan knows), and crashed nodes until restarted.
   */
  private readonly cutOff = new Set<number>();
  /** Step index -> what its heal needs (a frozen guardian's pid, a flood, a hand-added address). */
  private readonly live = new Map<number, LiveFault>();
  /** The cluster operations (stop of half, rolling restart, even splits), on a queue of their own. */
  readonly operations: OperationInjector;

  constructor(
    private readonly target: LabTarget,
    private readonly plan: LabPlan,
    private readonly watch: ExitWatch,
    private readonly limits: CutOffLimits,
    private readonly say: (line: string) => void,
  ) {
    this.operations = new OperationInjector(target, plan, watch, say);
  }

  /** Queues the fault (`inject`) or its undoing (`heal`) of `step`. */
  dispatch(step: FaultStep, phase: ActionPhase): void {
    const queue = isOperation(step.kind) ? 'operation'
      : step.kind === 'partition' || step.kind === 'one-way' ? 'network' : step.kind === 'moveip' ? 'admin' : `node${step.nodes[0]}`;
    const membership = MEMBERSHIP_KINDS.has(step.kind);
    this.enqueue(queue, async () => {
      const held = phase === 'inject' && !isOperationDetail(step.detail) ? await this.operations.quiet() : 0;
      const waited = (phase === 'inject' && membership ? await this.roomFor(step.nodes) : 0) + held;
      const t = now();
      let outside = phase === 'inject' && step.outsideSafetyModel;
      if (phase === 'inject' && membership) {
        for (const pnn of step.nodes) this.cutOff.add(pnn);
        outside ||= this.cutOff.size > this.limits.minority;
      }
      const extra = { ...(outside ? { outsideSafetyModel: true } : {}) };
      const waitNote = waited > 0 ? `waited ${Math.round(waited)} ms for room; ` : '';
      try {
        const note = phase === 'inject' ? await this.inject(step) : await this.heal(step);
        this.actions.push({ step: step.index, kind: step.kind, phase, t, outcome: 'done', ...(note || waitNote ? { note: waitNote + (note ?? '') } : {}), ...extra });
      } catch (error) {
        const outcome = isRefusal(error) ? 'refused' : 'failed';
        const note = waitNote + (error instanceof Error ? error.message : String(error));
        this.actions.push({ step: step.index, kind: step.kind, phase, t, outcome, note, ...extra });
        this.say(`step #${step.index} ${step.kind} ${phase}: ${outcome}: ${note}`);
      }
      if (phase === 'heal' && membership) {
        await this.rejoined(step.nodes);
        for (const pnn of step.nodes) this.cutOff.delete(pnn);
      }
    });
  }

  /** Restarts a node's crashed daemon, after whatever is queued for that node; it counts as cut off until back. */
  restartAfterCrash(node: number): void {
    this.cutOff.add(node);
    this.enqueue(`node${node}`, async () => {
      try {
        await this.restart(node);
      } catch (error) {
        this.say(`restart after a crash of node ${node} failed: ${(error as Error).message}`);
      }
      await this.rejoined([node]);
      this.cutOff.delete(node);
    });
  }

  /** Waits until cutting off `nodes` too keeps within maxFaulty; returns the time waited. */
  private async roomFor(nodes: readonly number[]): Promise<number> {
    const started = now();
    const fits = (): boolean => new Set([...this.cutOff, ...nodes]).size <= this.limits.maxFaulty;
    while (!fits() && now() - started < ROOM_TIMEOUT_MS) await sleep(50);
    if (!fits()) this.say(`no room after ${ROOM_TIMEOUT_MS} ms (cut off: ${[...this.cutOff].join(',')}): making the fault anyway`);
    return now() - started;
  }

  /** Waits until each node says it is in a quorate cluster with a leader again. */
  private async rejoined(nodes: readonly number[]): Promise<void> {
    const pending = await waitQuorate(this.plan, nodes, REJOIN_TIMEOUT_MS);
    if (pending.length > 0) this.say(`node(s) ${pending.join(',')} not back in a quorate cluster ${REJOIN_TIMEOUT_MS} ms after the heal`);
  }

  /** Resolves when every queued action has run. */
  async idle(): Promise<void> {
    for (;;) {
      const pending = [...this.queues.values()];
      await Promise.all(pending);
      if ([...this.queues.values()].every((q, k) => q === pending[k]) && this.queues.size === pending.length) return;
    }
  }

  private enqueue(name: string, job: () => Promise<void>): void {
    const previous = this.queues.get(name) ?? Promise.resolve();
    this.queues.set(name, previous.then(job, job));
  }

  private node(pnn: number): LabNodePlan {
    return this.plan.nodes[pnn];
  }

  private control(pnn: number, command: 'disable' | 'enable' | 'ban' | 'moveip', args: object): Promise<unknown> {
    // The argument shapes are checked by the control codec before anything is sent.
    return new UnixControlClient(this.node(pnn).controlSocket).call(command as 'ban', args as { seconds: number }, RUN_WAIT_TIMEOUT_MS);
  }

  private async inject(step: FaultStep): Promise<string | undefined> {
    if (isOperationDetail(step.detail)) return this.operations.inject(step, step.detail);
    const d = step.detail;
    const pnn = step.nodes[0];
    switch (d.kind) {
      case 'kill':
        this.watch.expect(pnn, 'exit');
        return labFail(this.target, pnn, 'kill');
      case 'restart':
        return stopAndWaitGone(this.target, this.plan, this.watch, pnn);
      case 'freeze':
        this.watch.expect(pnn, 'fence');
        return labFail(this.target, pnn, 'freeze');
      case 'link':
        return labFail(this.target, pnn, 'link', d.links);
      case 'monitor':
        return labFail(this.target, pnn, 'monitor');
      case 'partition':
        return labPartition(this.target, d.groups);
      case 'one-way':
        await cutOneWay(this.plan, d.from, d.to);
        return `node ${d.from} -> node ${d.to} dropped`;
      case 'reload':
        return this.reloadWithout(pnn, d.address);
      case 'disable':
        await this.control(pnn, 'disable', {});
        return `node ${pnn} disabled`;
      case 'ban':
        await this.control(pnn, 'ban', { seconds: d.seconds });
        return `node ${pnn} banned for ${d.seconds} s`;
      case 'moveip': {
        const address = this.plan.publicAddresses[d.address].address;
        await this.control(d.to, 'moveip', { ip: ip(address.text), pnn: d.to });
        return `${address.text} moved to node ${d.to}`;
      }
      case 'guardian-freeze': {
        const frozen = await freezeGuardian(this.target, pnn);
        this.live.set(step.index, { kind: 'guardian-freeze', guardianPid: frozen.guardianPid });
        return frozen.line;
      }
      case 'guardian-kill':
        this.watch.expect(pnn, 'exit');
        return killDaemonCgroup(this.target, pnn, d.guardian);
      case 'hung-script':
        return `${await installHungEvents(this.target, pnn, [d.event])}; ${await this.triggerHung(pnn, d.event)}`;
      case 'control-flood': {
        const flood = await startFlood({ kind: 'control-socket', socketPath: this.node(pnn).controlSocket, connections: FLOOD_CONNECTIONS });
        this.live.set(step.index, { kind: 'flood', flood });
        return `${FLOOD_CONNECTIONS} connections held on node ${pnn}'s control socket`;
      }
      case 'slowloris': {
        const from = this.node(d.from);
        const flood = await startFlood({
          kind: 'peer-slowloris', sourceNamespace: from.namespace, sourceAddress: from.privateAddress.text,
          targetAddress: this.node(pnn).privateAddress.text, port: MESH_PORT, connections: FLOOD_CONNECTIONS, style: d.style,
        });
        this.live.set(step.index, { kind: 'flood', flood });
        return `${FLOOD_CONNECTIONS} ${d.style} connections as nobody from node ${d.from} to node ${pnn}'s mesh port`;
      }
      case 'duplicate': {
        // An address some other node holds now: on its own holder a second `ip addr add` would only fail.
        const elsewhere = (await this.addressesSeenBy(pnn)).filter((a) => a.pnn >= 0 && a.pnn !== pnn);
        if (elsewhere.length === 0) return `no address held elsewhere to add on node ${pnn}`;
        const address = elsewhere[d.address % elsewhere.length].address;
        const duplicate = await addHandDuplicate(this.plan, pnn, address);
        this.live.set(step.index, { kind: 'duplicate', duplicate });
        return `${address} added by hand on node ${pnn}`;
      }
    }
  }

  /**
   * Makes the hung script run: a takeip hangs on `pnn` when an address moves to it, a releaseip
   * when one of its addresses moves away. The move's answer is part of the note, never a failure.
   */
  private async triggerHung(pnn: number, event: HungEvent): Promise<string> {
    const listing = await this.addressesSeenBy(pnn);
    const candidate = event === 'takeip'
      ? listing.find((a) => a.pnn !== pnn)
      : listing.find((a) => a.pnn === pnn);
    if (candidate === undefined) return `no address to move ${event === 'takeip' ? 'to' : 'from'} node ${pnn}`;
    const to = event === 'takeip' ? pnn : this.plan.nodes.map((n) => n.pnn).find((p) => p !== pnn) as number;
    return triggerHungEvent(this.target, to, candidate.address);
  }

  /** Every public address and its holder, as node `pnn` sees them (`floatip ip all`). */
  private async addressesSeenBy(pnn: number): Promise<IpStatus[]> {
    return await new UnixControlClient(this.node(pnn).controlSocket).call('ip', { all: true }, CONTROL_TIMEOUT_MS) as IpStatus[];
  }

  /** The live state of `step`, which its inject left (absent when the inject failed). */
  private takeLive<K extends LiveFault['kind']>(step: FaultStep, kind: K): Extract<LiveFault, { kind: K }> | undefined {
    const live = this.live.get(step.index);
    this.live.delete(step.index);
    return live?.kind === kind ? live as Extract<LiveFault, { kind: K }> : undefined;
  }

  private async heal(step: FaultStep): Promise<string | undefined> {
    if (isOperationDetail(step.detail)) return this.operations.heal(step, step.detail);
    const d = step.detail;
    const pnn = step.nodes[0];
    switch (d.kind) {
      case 'kill':
      case 'restart':
        return this.restart(pnn);
      case 'freeze': {
        // A daemon frozen past fence_after exits when continued (it was fenced); the lab's heal starts it again.
        const frozenPid = await readPid(this.node(pnn));
        const healed = await labHeal(this.target, pnn, RESTART_TIMEOUT_MS);
        if (frozenPid !== undefined && (await readPid(this.node(pnn))) !== frozenPid) await this.watch.exitedDuringHeal(pnn, frozenPid);
        const report = healed.daemons.find((r) => r.pnn === pnn);
        if (report === undefined) {
          await sleep(THAW_EXIT_WAIT_MS);
          const pid = await readPid(this.node(pnn));
          if ((await daemonState(this.node(pnn), pid)) === 'gone') return `thawed, exited, ${await this.restart(pnn)}`;
        }
        this.watch.started(pnn);
        if (report !== undefined && !report.up) throw new Error(`node ${pnn}: floatipd did not come back after the thaw: ${report.problem ?? ''}`);
        return report === undefined ? 'thawed and still running' : 'thawed, fenced itself and exited, started again';
      }
      case 'link':
      case 'monitor':
        await labHeal(this.target, pnn);
        return undefined;
      case 'partition':
        return labPartition(this.target, [this.plan.nodes.map((n) => n.pnn)]);
      case 'one-way':
        await clearOneWayCuts(this.plan);
        return 'one-way cut removed';
      case 'reload':
        return this.restoreAddresses(pnn);
      case 'disable':
        await this.control(pnn, 'enable', {});
        return `node ${pnn} enabled`;
      case 'ban':
      case 'moveip':
        // A ban ends by itself (that expiry is part of what is tested); a move has nothing to undo.
        return undefined;
      case 'guardian-freeze': {
        // Frozen past detection, the daemon has killed it and started another: nothing is left to thaw.
        const frozen = this.takeLive(step, 'guardian-freeze');
        return frozen === undefined ? 'nothing to thaw' : thawGuardian(frozen.guardianPid);
      }
      case 'guardian-kill':
        return this.restart(pnn);
      case 'hung-script':
        return removeHungEvents(this.target, pnn);
      case 'control-flood':
      case 'slowloris': {
        const live = this.takeLive(step, 'flood');
        if (live === undefined) return 'no flood to stop';
        const counts = live.flood.counts();
        await live.flood.stop();
        return `flood stopped: ${counts.opened} opened, ${counts.closed} closed by the node`;
      }
      case 'duplicate': {
        const live = this.takeLive(step, 'duplicate');
        if (live === undefined) return 'no hand-added address to remove';
        await removeHandDuplicate(live.duplicate);
        return `${live.duplicate.prefix} removed from node ${pnn}`;
      }
    }
  }

  private restart(pnn: number): Promise<string> {
    return restartDaemon(this.target, this.watch, pnn);
  }

  private addressesPath(pnn: number): string {
    return join(this.node(pnn).dir, NODE_FILE_NAMES.publicAddresses);
  }

  /** Writes the node's public_addresses without one address and sends SIGHUP. */
  private async reloadWithout(pnn: number, index: number): Promise<string> {
    const path = this.addressesPath(pnn);
    const original = this.originalAddresses.get(pnn) ?? await fs.readFile(path, 'utf8');
    this.originalAddresses.set(pnn, original);
    const address = this.plan.publicAddresses[index].address.text;
    const edited = original.split('\n').filter((line) => !line.startsWith(`${address}/`)).join('\n');
    await fs.writeFile(path, edited);
    await this.hangUp(pnn);
    return `node ${pnn} reloaded without ${address}`;
  }

  private async restoreAddresses(pnn: number): Promise<string> {
    const original = this.originalAddresses.get(pnn);
    if (original === undefined) return 'nothing to restore';
    await fs.writeFile(this.addressesPath(pnn), original);
    await this.hangUp(pnn);
    return `node ${pnn} reloaded with every address`;
  }

  private async hangUp(pnn: number): Promise<void> {
    const pid = await readPid(this.node(pnn));
    if (pid === undefined || (await daemonState(this.node(pnn), pid)) !== 'running' || !signalDaemon(pid, 'SIGHUP')) {
      throw new Error(`node ${pnn}: no running floatipd to send SIGHUP to`);
    }
  }
}
