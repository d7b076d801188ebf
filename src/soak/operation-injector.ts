// Makes and undoes the soak's cluster operations on a running lab, and records what every node said about quorum meanwhile.
//
// An operation starts only when every node is back in a quorate cluster (a random fault's
// heal may still be settling), so what it measures is the operation's own doing. While
// it runs, every node is asked for its status every POLL_MS: the judge
// (operation-judge.ts) reads from these rounds which half was quorate. A rolling restart
// does its whole roll in the inject, as an admin would: stop a node, start it, wait for
// `floatip wait-ok` (the real CLI), then the next; its heal only waits for the cluster.

import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { UnixControlClient } from '../client/control-client';
import { labFail, labHeal, labPartition, LabTarget } from '../lab';
import { daemonState, readPid } from '../lab/daemons';
import { clearOneWayCuts, cutOneWay } from '../lab/one-way';
import { LabPlan } from '../lab/plan';
import { StatusResult } from '../protocol/control-results';
import { loaderArgs, siblingScript } from '../sibling';
import { ExitWatch } from './exit-watch';
import { NodeQuorum, OperationRecord, QuorumRound, WaitOkResult } from './operation-judge';
import { OperationDetail } from './operation-schedule';

const CONTROL_TIMEOUT_MS = 3000;
/** How often every node is asked for its quorum during an operation. */
const POLL_MS = 200;
/** A poll answer slower than this is left out of its round (a loaded node answers later, not wrongly). */
const POLL_TIMEOUT_MS = 1000;
/** How long a SIGTERMed daemon gets to release its addresses and exit. */
export const STOP_WAIT_MS = 10_000;
const RESTART_TIMEOUT_MS = 20_000;
/** How long the nodes get to be in a quorate cluster, before an operation and after its heal. */
export const QUORATE_TIMEOUT_MS = 20_000;
/** `floatip wait-ok --timeout` in a rolling restart, s. */
const WAIT_OK_TIMEOUT_S = 60;

const now = (): number => performance.timeOrigin + performance.now();
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function statusOf(plan: LabPlan, pnn: number, timeoutMs: number): Promise<StatusResult | undefined> {
  return new UnixControlClient(plan.nodes[pnn].controlSocket).call('status', {}, timeoutMs)
    .then((s) => s as StatusResult, () => undefined);
}

/** Waits until each of `nodes` says it is in a quorate cluster with a leader; returns the nodes still not there at the timeout. */
export async function waitQuorate(plan: LabPlan, nodes: readonly number[], timeoutMs = QUORATE_TIMEOUT_MS): Promise<number[]> {
  const started = now();
  const pending = new Set(nodes);
  while (pending.size > 0 && now() - started < timeoutMs) {
    for (const pnn of [...pending]) {
      const status = await statusOf(plan, pnn, CONTROL_TIMEOUT_MS);
      if (status !== undefined && status.quorate && status.leader >= 0) pending.delete(pnn);
    }
    if (pending.size > 0) await sleep(100);
  }
  return [...pending];
}

/** SIGTERM (a planned stop) and wait until the daemon is gone; the exit watch is told first. */
export async function stopAndWaitGone(target: LabTarget, plan: LabPlan, watch: ExitWatch, pnn: number): Promise<string> {
  watch.expect(pnn, 'exit');
  const line = await labFail(target, pnn, 'stop');
  const pid = await readPid(plan.nodes[pnn]);
  const deadline = now() + STOP_WAIT_MS;
  while ((await daemonState(plan.nodes[pnn], pid)) !== 'gone') {
    if (now() > deadline) return `${line}; still running after ${STOP_WAIT_MS} ms`;
    await sleep(20);
  }
  return line;
}

/** Starts a node's daemon again (the lab's heal of that node) and tells the exit watch. */
export async function restartDaemon(target: LabTarget, watch: ExitWatch, pnn: number): Promise<string> {
  const healed = await labHeal(target, pnn, RESTART_TIMEOUT_MS);
  watch.started(pnn);
  const report = healed.daemons.find((r) => r.pnn === pnn);
  if (report !== undefined && !report.up) throw new Error(`node ${pnn}: floatipd did not come back: ${report.problem ?? ''}`);
  return report === undefined ? `node ${pnn}: daemon was running` : `node ${pnn}: floatipd started again`;
}

/** Runs the real `floatip wait-ok` against node `pnn`'s control socket. */
function waitOk(plan: LabPlan, pnn: number): Promise<WaitOkResult> {
  const cli = siblingScript(join(__dirname, '..', 'cli'), 'main');
  const args = [...loaderArgs(), cli, 'wait-ok', '--timeout', String(WAIT_OK_TIMEOUT_S), '--socket', plan.nodes[pnn].controlSocket];
  const started = now();
  return new Promise((resolve) => {
    execFile(process.execPath, args, { timeout: (WAIT_OK_TIMEOUT_S + 10) * 1000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
      resolve({ node: pnn, exitCode: code, ms: now() - started, output: `${stdout}${stderr}` });
    });
  });
}

/** Asks every node for its quorum every POLL_MS until stopped. */
class QuorumPoller {
  readonly rounds: QuorumRound[] = [];
  private running = true;
  private readonly done: Promise<void>;

  constructor(private readonly plan: LabPlan) {
    this.done = this.loop();
  }

  private async loop(): Promise<void> {
    while (this.running) {
      const t = now();
      const answers = await Promise.all(this.plan.nodes.map((n) => statusOf(this.plan, n.pnn, POLL_TIMEOUT_MS)));
      const nodes: NodeQuorum[] = [];
      answers.forEach((s, pnn) => { if (s !== undefined) nodes.push({ pnn, quorate: s.quorate, partition: s.partition }); });
      this.rounds.push({ t, nodes });
      await sleep(Math.max(0, POLL_MS - (now() - t)));
    }
  }

  async stop(): Promise<QuorumRound[]> {
    this.running = false;
    await this.done;
    return this.rounds;
  }
}

interface LiveOperation {
  readonly from: number;
  readonly poller: QuorumPoller;
  readonly waitOk: WaitOkResult[];
}

export class OperationInjector {
  readonly records: OperationRecord[] = [];
  private readonly live = new Map<number, LiveOperation>();
  /** Resolves when the operation under way (from its inject to the end of its heal) is over; undefined when none is. */
  private underWay: { readonly done: Promise<void>; readonly end: () => void } | undefined;

  constructor(
    private readonly target: LabTarget,
    private readonly plan: LabPlan,
    private readonly watch: ExitWatch,
    private readonly say: (line: string) => void,
  ) {}

  private get all(): number[] {
    return this.plan.nodes.map((n) => n.pnn);
  }

  /**
   * Waits until no operation is under way; returns the time waited. The schedule keeps random
   * faults out of an operation's window, but a heal on a loaded machine can outlast it: a
   * random fault made meanwhile would be judged as the operation's doing.
   */
  async quiet(): Promise<number> {
    const started = now();
    while (this.underWay !== undefined) await this.underWay.done;
    return now() - started;
  }

  async inject(step: { readonly index: number }, d: OperationDetail): Promise<string> {
    let end = (): void => undefined;
    const done = new Promise<void>((resolve) => { end = resolve; });
    this.underWay = { done, end };
    const late = await waitQuorate(this.plan, this.all);
    const before = late.length > 0 ? `node(s) ${late.join(',')} not quorate after ${QUORATE_TIMEOUT_MS} ms, started anyway; ` : '';
    const live: LiveOperation = { from: now(), poller: new QuorumPoller(this.plan), waitOk: [] };
    this.live.set(step.index, live);
    switch (d.kind) {
      case 'stop-half':
        return before + (await Promise.all(d.stopped.map((pnn) => stopAndWaitGone(this.target, this.plan, this.watch, pnn)))).join('; ');
      case 'rolling-restart': {
        const lines: string[] = [];
        for (const pnn of d.order) {
          await stopAndWaitGone(this.target, this.plan, this.watch, pnn);
          await restartDaemon(this.target, this.watch, pnn);
          const result = await waitOk(this.plan, pnn);
          live.waitOk.push(result);
          lines.push(`node ${pnn}: wait-ok exit ${result.exitCode} after ${Math.round(result.ms)} ms`);
          if (result.exitCode !== 0) this.say(`rolling restart: floatip wait-ok on node ${pnn} exited ${result.exitCode}: ${result.output.trim()}`);
        }
        return before + lines.join('; ');
      }
      case 'even-split':
        return before + await labPartition(this.target, d.sides);
      case 'one-way-tie': {
        const [from, to] = d.from === 0 ? d.sides : [d.sides[1], d.sides[0]];
        for (const a of from) for (const b of to) await cutOneWay(this.plan, a, b);
        return `${before}private frames ${from.join(',')} -> ${to.join(',')} dropped`;
      }
    }
  }

  async heal(step: { readonly index: number }, d: OperationDetail): Promise<string> {
    const live = this.live.get(step.index) ?? { from: now(), poller: new QuorumPoller(this.plan), waitOk: [] };
    this.live.delete(step.index);
    let note: string;
    try {
      switch (d.kind) {
        case 'stop-half': {
          const lines: string[] = [];
          for (const pnn of d.stopped) lines.push(await restartDaemon(this.target, this.watch, pnn));
          note = lines.join('; ');
          break;
        }
        case 'rolling-restart':
          note = 'roll done';
          break;
        case 'even-split':
          note = await labPartition(this.target, [this.all]);
          break;
        case 'one-way-tie':
          await clearOneWayCuts(this.plan);
          note = 'one-way cuts removed';
          break;
      }
    } finally {
      const late = await waitQuorate(this.plan, this.all);
      if (late.length > 0) this.say(`step #${step.index} ${d.kind}: node(s) ${late.join(',')} not back in a quorate cluster ${QUORATE_TIMEOUT_MS} ms after the heal`);
      const rounds = await live.poller.stop();
      this.records.push({ step: step.index, kind: d.kind, detail: d, from: live.from, to: now(), rounds, waitOk: live.waitOk });
      this.underWay?.end();
      this.underWay = undefined;
    }
    return note;
  }
}
