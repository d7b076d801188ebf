// `floatip lab demo`: up, the balanced assignment, one fault with each address's way back to the client, heal, failback, down.
//
// Steps: 1 refuse if a lab with this prefix exists (the demo only removes what
// it made) -> 2 up -> 3 start the witnesses (kernel watchers, responders, the
// client) and wait for every address to be on one node and answer from it ->
// 4 fail the busiest node (or --node) and wait until every address answers
// from a survivor -> 5 heal and wait for failback to settle -> 6 down, always:
// also after an error, a failed step or Ctrl-C. The result is judged from the
// witnesses: an address not reached again, or on two nodes at once, fails it.

import { performance } from 'node:perf_hooks';
import { loadConfig } from '../config';
import { DemoRequest, FaultMode, LabTarget } from './args';
import { DemoTimings, faultStory, formatAssignment, formatMoves, formatOverlap, summarizeReach } from './demo-format';
import { busiestNode, holdersAt, Move, movesIn, overlaps, Presence, presences, ReachEvent, settled } from './demo-timeline';
import { DemoWitnesses, probeIntervalMs } from './demo-witnesses';
import { daemonStatus } from './control-query';
import { StatusResult } from '../protocol/control-results';
import { LabError } from './errors';
import { labDown, labFail, labHeal, labStatus, labUp } from './lab';
import { labNamespaces } from './leftovers';
import { labCommandLine } from './names';
import { LabPlan } from './plan';
import { readState } from './state';

/** Start-up: daemons join, run monitor once, and the first takeover run places every address. */
const BALANCE_TIMEOUT_MS = 30_000;
/** The slowest fault (link, default profile) moves addresses in about dead_after; the rest is slack for a busy machine. */
const FAULT_TIMEOUT_MS = 15_000;
const HEAL_TIMEOUT_MS = 30_000;
/** Kernel changes that trail the settled moment (a late duplicate would show here) are still collected this long. */
const TRAILING_MS = 300;
/** Failback is over when the kernels have not changed for this long. */
const QUIET_MS = 1500;
const POLL_MS = 25;
const STATUS_TIMEOUT_MS = 1000;
/** Waits that ask the daemons for their status poll less often, to leave the small machine to the daemons. */
const STATUS_POLL_MS = 100;

export interface DemoOutcome {
  readonly ok: boolean;
  readonly interrupted: boolean;
}

class Interrupted extends Error {}

const now = (): number => performance.timeOrigin + performance.now();

async function timingsOf(plan: LabPlan): Promise<DemoTimings> {
  const { promises: fs } = await import('node:fs');
  const loaded = await loadConfig({ tomlPath: plan.nodes[0].configPath }, (path) => fs.readFile(path, 'utf8'));
  if (!loaded.ok) throw new LabError('E_LAB_CONFIG', `cannot read back ${plan.nodes[0].configPath}; run \`floatip lab down\` and try again`);
  const { timing } = loaded.config;
  return { fenceAfterMs: timing.fence_after, deadAfterMs: timing.dead_after, crashGraceMs: timing.crash_grace };
}

export async function labDemo(target: LabTarget, request: DemoRequest, print: (text: string) => void): Promise<DemoOutcome> {
  const abort = new AbortController();
  const onSignal = (): void => {
    if (abort.signal.aborted) return;
    print('\nInterrupted: taking the lab down ...\n');
    abort.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let made = false;
  let witnesses: DemoWitnesses | undefined;
  try {
    await refuseExistingLab(target);
    made = true;
    const run = new DemoRun(target, request, print, abort.signal);
    const ok = await run.go((w) => { witnesses = w; });
    return { ok, interrupted: false };
  } catch (err) {
    if (err instanceof Interrupted) return { ok: false, interrupted: true };
    throw err;
  } finally {
    witnesses?.stop();
    if (made) {
      print(`5. Taking the lab down (${labCommandLine('down', target.prefix)}) ...\n`);
      const report = await labDown(target);
      print(`Removed ${report.namespaces.length} namespaces and ${report.processes.length} processes; nothing of the lab is left.\n`);
    }
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

async function refuseExistingLab(target: LabTarget): Promise<void> {
  const existing = await labNamespaces(target.prefix);
  const state = await readState(target.dir).catch(() => undefined);
  if (existing.length > 0 || state !== undefined) {
    throw new LabError('E_LAB_ALREADY_UP', `a lab with prefix '${target.prefix}' is already up; the demo builds its own and removes it afterwards: `
      + `remove that one with \`${labCommandLine('down', target.prefix)}\`, or give the demo another --prefix`);
  }
}

/** One run of the demo; `go` returns whether every address came back and none was ever on two nodes. */
class DemoRun {
  private plan: LabPlan | undefined;
  private witnesses: DemoWitnesses | undefined;
  private snapshot = new Map<string, number[]>();
  private since = 0;
  /** When the snapshot's last node had answered. */
  private snapshotDone = 0;
  private addresses: string[] = [];

  constructor(
    private readonly target: LabTarget,
    private readonly request: DemoRequest,
    private readonly print: (text: string) => void,
    private readonly signal: AbortSignal,
  ) {}

  private say(...lines: string[]): void {
    this.print(lines.map((l) => `${l}\n`).join(''));
  }

  private checkpoint(): void {
    if (this.signal.aborted) throw new Interrupted();
  }

  private async sleep(ms: number): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, ms));
    this.checkpoint();
  }

  private timeline(): Presence[] {
    return presences(this.snapshot, this.since, this.witnesses?.addressEvents ?? [], this.snapshotDone);
  }

  /** Polls `done` until it holds (its time is returned) or `timeoutMs` passes (undefined). */
  private async until(timeoutMs: number, done: (t: number) => boolean | Promise<boolean>, everyMs = POLL_MS): Promise<number | undefined> {
    const deadline = now() + timeoutMs;
    for (;;) {
      const t = now();
      if (await done(t)) return t;
      if (t > deadline) return undefined;
      await this.sleep(everyMs);
    }
  }

  /** Every daemon answers and counts every node OK: nobody is still joining, waiting for monitor, or fenced. */
  private async everyNodeOk(): Promise<boolean> {
    const answers = await Promise.all((this.plan?.nodes ?? []).map((n) => daemonStatus(n.controlSocket, STATUS_TIMEOUT_MS)));
    return answers.every((a) => a.ok && (a.result as StatusResult).nodes.every((n) => n.flags === 'OK'));
  }

  /**
   * A test for "the cluster is at rest": every node OK, every address on one
   * node and answering from it (moved ones from their new holder since
   * `since`), and no kernel change for QUIET_MS since both, so the takeover
   * run that follows a node turning OK is over too.
   */
  private atRest(since: number): (t: number) => Promise<boolean> {
    let okSince: number | undefined;
    return async (t) => {
      okSince = (await this.everyNodeOk()) ? okSince ?? t : undefined;
      if (okSince === undefined || !settled(this.addresses, this.timeline(), this.reach, t, since)) return false;
      const last = Math.max(since, okSince, ...(this.witnesses?.addressEvents ?? []).map((e) => e.t));
      return t - last >= QUIET_MS;
    };
  }

  async go(started: (w: DemoWitnesses) => void): Promise<boolean> {
    const { up } = this.request;
    this.say(`floatip lab demo: a ${up.nodes}-node cluster in network namespaces on this machine.`,
      'Each node runs floatipd; a client namespace keeps connecting to the public addresses.', '');
    this.say(`1. Starting the lab (prefix ${this.target.prefix}, timing profile ${up.profile}) ...`);
    const result = await labUp(this.target, up);
    this.checkpoint();
    const plan = result.plan;
    this.plan = plan;
    const failed = result.daemons.filter((d) => !d.up);
    if (failed.length > 0) {
      for (const d of failed) this.say(`   node ${d.pnn}: floatipd did not come up: ${d.problem ?? ''}`);
      return false;
    }
    this.addresses = plan.publicAddresses.map((a) => a.address.text);
    this.say(`   ${plan.nodes.length} nodes (${plan.nodes.map((n) => n.namespace).join(', ')}), each with floatipd;`,
      `   client ${plan.names.clientNamespace} at ${plan.clientAddresses.map((a) => a.address.text).join(', ')}; `
        + `${this.addresses.length} public addresses.`, '');
    this.witnesses = await DemoWitnesses.start(plan);
    started(this.witnesses);
    await this.takeSnapshot();
    if (!(await this.showBalanced())) return false;
    const victim = this.request.victim ?? busiestNode(this.timeline(), this.addresses, plan.nodes.length, now());
    if (!(await this.showFault(victim, this.request.mode, await timingsOf(plan)))) return false;
    return this.showHeal(victim);
  }

  private async takeSnapshot(): Promise<void> {
    this.since = now();
    const status = await labStatus(this.target);
    this.snapshotDone = now();
    this.snapshot = new Map(status.addresses.map((a) => [a.address, [...a.holders]]));
  }

  private get nodes(): number {
    return this.plan?.nodes.length ?? 0;
  }

  /** Every address on one node and answering from it. */
  private async showBalanced(): Promise<boolean> {
    this.say('2. Waiting for the daemons to agree and place every address ...');
    const at = await this.until(BALANCE_TIMEOUT_MS, this.atRest(this.since), STATUS_POLL_MS);
    if (at === undefined) {
      this.say(`   Not every address was on exactly one node and reachable within ${BALANCE_TIMEOUT_MS / 1000} s:`);
      this.sayWhereNow();
      return false;
    }
    this.say('   LCP2 spread the addresses evenly over the healthy nodes:');
    this.say(...formatAssignment(holdersAt(this.timeline(), this.addresses, at), this.nodes).map((l) => `     ${l}`));
    this.say(`   The client reached each address, answered by the node that holds it`,
      `   (it tries every address every ${probeIntervalMs(this.addresses.length)} ms).`, '');
    return true;
  }

  private get reach(): readonly ReachEvent[] {
    return this.witnesses?.reachEvents ?? [];
  }

  private async showFault(victim: number, mode: FaultMode, timings: DemoTimings): Promise<boolean> {
    const held = holdersAt(this.timeline(), this.addresses, now());
    const count = [...held.values()].filter((on) => on.includes(victim)).length;
    this.say(`3. Failing node ${victim}${this.request.victim === undefined ? ` (it holds the most addresses: ${count})` : ''}.`);
    this.say(...faultStory(mode, victim, timings).map((l) => `   ${l}`));
    const start = now();
    await labFail(this.target, victim, mode);
    const at = await this.until(FAULT_TIMEOUT_MS, (t) => settled(this.addresses, this.timeline(), this.reach, t, start, victim));
    await this.sleep(TRAILING_MS);
    const moves = movesIn({ addresses: this.addresses, start, end: at ?? now(), presences: this.timeline(), reach: this.reach });
    this.say('', '   Times from the fault:', ...formatMoves(moves).map((l) => `   ${l}`));
    if (at === undefined) {
      this.say(`   Not every address was reachable from a healthy node within ${FAULT_TIMEOUT_MS / 1000} s.`);
      this.sayWhereNow();
      return false;
    }
    this.say(`   Every address is back: ${summarizeReach(moves)}.`);
    if (!this.checkDuplicates()) return false;
    this.say('   No address was on two nodes at any moment (ip monitor in every node).', '');
    return true;
  }

  private async showHeal(victim: number): Promise<boolean> {
    this.say(`4. Healing node ${victim} (${labCommandLine(`heal ${victim}`, this.target.prefix)}) ...`);
    const start = now();
    const result = await labHeal(this.target, victim);
    this.say(...result.actions.map((a) => `   ${a}`));
    if (result.daemons.some((d) => !d.up)) {
      this.say(...result.daemons.filter((d) => !d.up).map((d) => `   node ${d.pnn}: floatipd did not come up: ${d.problem ?? ''}`));
      return false;
    }
    const at = await this.until(HEAL_TIMEOUT_MS, this.atRest(start), STATUS_POLL_MS);
    if (at === undefined) {
      this.say(`   The cluster did not settle within ${HEAL_TIMEOUT_MS / 1000} s of the heal:`);
      this.sayWhereNow();
      return false;
    }
    const moves: Move[] = movesIn({ addresses: this.addresses, start, end: at, presences: this.timeline(), reach: this.reach });
    if (moves.length === 0) {
      this.say('   No address moved back: the balance needed no move.');
    } else {
      this.say('   Failback: LCP2 moves addresses back to even out the load.', '   Times from the heal:',
        ...formatMoves(moves).map((l) => `   ${l}`));
    }
    this.say('   Now:', ...formatAssignment(holdersAt(this.timeline(), this.addresses, at), this.nodes).map((l) => `     ${l}`), '');
    return this.checkDuplicates();
  }

  /** The kernels' word on duplicates since the witnesses started. */
  private checkDuplicates(): boolean {
    const found = overlaps(this.timeline());
    if (found.length === 0) return true;
    this.say('   DUPLICATE: an address was on two nodes at once:', ...found.map((o) => `     ${formatOverlap(o)}`), '');
    return false;
  }

  private sayWhereNow(): void {
    const t = now();
    const held = holdersAt(this.timeline(), this.addresses, t);
    const answering = new Map(this.reach.filter((e) => e.t <= t).map((e) => [e.address, e.node]));
    for (const address of this.addresses) {
      const on = held.get(address) ?? [];
      const answer = answering.get(address);
      this.say(`     ${address}: on ${on.length === 0 ? 'no node' : `node ${on.join(', node ')}`}; `
        + `the client ${answer === undefined ? 'never reached it' : answer === null ? 'cannot reach it' : `reaches node ${answer}`}`);
    }
  }
}
