// Runs one soak: a lab of real floatipds, the seeded fault schedule, the samplers, a final check, and the report.
//
// Steps: 1. plan the schedule (printed, so a failing seed can be read and rerun);
// 2. remove any lab left with this prefix and start a new one; 3. wait until every
// address is on exactly one node; 4. start the address sampler, the client's ARP
// prober and the exit watch; 5. make and undo the faults on time; 6. heal everything
// and wait until the layout is whole again; 7. stop the watchers, keep the logs, take
// the lab down, and judge.

import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { labDown, labHeal, labUp, LabTarget } from '../lab';
import { TimingProfileName } from '../config/option-kinds';
import { AddressSampler } from './address-sampler';
import { ArpWatch } from './arp-watch';
import { ExitWatch } from './exit-watch';
import { FaultInjector } from './injector';
import { buildReport, SoakReport } from './report';
import { describeStep, FaultKind, FaultStep, largestMinority, planSchedule } from './schedule';
import { gapsOf, overlapsOf } from './timeline';

export interface SoakOptions {
  readonly seed: number;
  readonly nodes: number;
  readonly minutes: number;
  readonly ipv4: number;
  readonly ipv6: number;
  readonly profile: TimingProfileName;
  readonly prefix: string;
  /** Directory for the lab's files (made fresh, removed at the end). */
  readonly dir: string;
  readonly maxFaulty?: number;
  readonly kinds?: readonly FaultKind[];
  /** Another floatipd (path), instead of the built one. */
  readonly floatipd?: string;
  /** Extra node options for the helper children (a loader when running from .ts sources). */
  readonly nodeArgs?: readonly string[];
  /** Where the daemons' logs are copied. @default $TMPDIR/floatip-soak-logs/PREFIX */
  readonly logsDir?: string;
  /** Leave the lab up at the end. */
  readonly keep?: boolean;
  readonly sampleMs?: number;
  readonly probeMs?: number;
  /** Progress lines (the schedule, failed actions); the report goes elsewhere. */
  readonly say: (line: string) => void;
}

const START_TIMEOUT_MS = 60_000;
const LAYOUT_TIMEOUT_MS = 30_000;
/** After the last fault: time for the cluster to be whole again, then a quiet stretch that must stay whole. */
const SETTLE_TIMEOUT_MS = 30_000;
const QUIET_AFTER_SETTLE_MS = 2000;

const now = (): number => performance.timeOrigin + performance.now();
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export function soakCommandLine(options: Pick<SoakOptions, 'nodes' | 'minutes' | 'seed' | 'maxFaulty' | 'kinds' | 'profile'>): string {
  const extra = [
    options.maxFaulty !== undefined ? ` --max-faulty ${options.maxFaulty}` : '',
    options.kinds !== undefined ? ` --kinds ${options.kinds.join(',')}` : '',
    options.profile !== 'default' ? ` --profile ${options.profile}` : '',
  ].join('');
  return `npm run soak -- --nodes ${options.nodes} --minutes ${options.minutes} --seed ${options.seed}${extra}`;
}

async function waitUntil(what: string, test: () => boolean, timeoutMs: number): Promise<number> {
  const started = now();
  while (!test()) {
    if (now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(20);
  }
  return now() - started;
}

/** The soak's steps, in the order of the file comment. */
export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const sampleMs = options.sampleMs ?? 10;
  const probeMs = options.probeMs ?? 100;
  const addressCount = options.ipv4 + options.ipv6;
  // 1. The schedule.
  const schedule = planSchedule({
    seed: options.seed, nodes: options.nodes, addresses: addressCount, durationMs: Math.round(options.minutes * 60_000),
    maxFaulty: options.maxFaulty, kinds: options.kinds,
  });
  const command = soakCommandLine(options);
  options.say(`soak: ${command}: ${schedule.length} steps`);
  for (const step of schedule) options.say(`  ${describeStep(step)}`);

  // 2. The lab.
  const target: LabTarget = { prefix: options.prefix, dir: options.dir };
  await labDown(target);
  rmSync(options.dir, { recursive: true, force: true });
  const up = await labUp(target, {
    nodes: options.nodes, ipv4Addresses: options.ipv4, ipv6Addresses: options.ipv6, profile: options.profile,
    daemons: true, floatipd: options.floatipd, startTimeoutMs: START_TIMEOUT_MS,
  });
  const { plan } = up;
  const addresses = plan.publicAddresses.map((a) => a.address.text);
  const logs = options.logsDir ?? join(tmpdir(), 'floatip-soak-logs', options.prefix);
  let sampler: AddressSampler | undefined;
  let arp: ArpWatch | undefined;
  let watch: ExitWatch | undefined;
  try {
    const failed = up.daemons.filter((d) => !d.up);
    if (failed.length > 0) throw new Error(`floatipd did not come up:\n${failed.map((d) => d.problem).join('\n')}`);

    // 3 and 4. Watchers, then a whole layout before the first fault.
    sampler = await AddressSampler.start(plan.nodes.map((n) => n.namespace), sampleMs, options.nodeArgs);
    await waitUntil('every public address on exactly one node', () => (sampler as AddressSampler).whole(addresses), LAYOUT_TIMEOUT_MS);
    const clientV6 = plan.clientAddresses.find((c) => c.address.family === 6)?.address.text;
    arp = await ArpWatch.start({
      namespace: plan.names.clientNamespace, iface: plan.names.publicInterface, clientIpv4: plan.clientAddresses[0].address.text,
      clientIpv6: clientV6, roundMs: probeMs, addresses, nodeArgs: options.nodeArgs,
    });
    const injector: { current?: FaultInjector } = {};
    watch = new ExitWatch(plan.nodes, (exit) => {
      options.say(`CRASH: node ${exit.node} floatipd (pid ${exit.pid}) exited uninjected; the end of its log:\n${exit.logTail ?? ''}`);
      injector.current?.restartAfterCrash(exit.node);
    });
    const minority = largestMinority(options.nodes);
    const faults = new FaultInjector(target, plan, watch, { maxFaulty: options.maxFaulty ?? minority, minority }, options.say);
    injector.current = faults;
    watch.start();
    const start = now();

    // 5. Faults on time: undoings before new faults at the same instant, so a node is free again first.
    const timeline = schedule.flatMap((step) => [
      { at: step.at, step, phase: 'inject' as const },
      ...(step.kind === 'moveip' ? [] : [{ at: step.at + step.durationMs, step, phase: 'heal' as const }]),
    ]).sort((a, b) => a.at - b.at || (a.phase === b.phase ? 0 : a.phase === 'heal' ? -1 : 1));
    for (const item of timeline) {
      const wait = start + item.at - now();
      if (wait > 0) await sleep(wait);
      faults.dispatch(item.step, item.phase);
    }
    await faults.idle();

    // 6. Heal everything (a crashed daemon, a leftover partition), then the layout must be whole and stay so.
    await labHeal(target, undefined, START_TIMEOUT_MS);
    plan.nodes.forEach((n) => watch?.started(n.pnn));
    let settledMs: number | null = null;
    try {
      settledMs = await waitUntil('the layout to be whole after the last fault', () => (sampler as AddressSampler).whole(addresses), SETTLE_TIMEOUT_MS);
    } catch (error) {
      options.say((error as Error).message);
    }
    await sleep(QUIET_AFTER_SETTLE_MS);
    const end = now();

    // 7. Judge.
    watch.stop();
    await arp.stop();
    await sampler.stop();
    const presences = sampler.presences();
    return buildReport({
      seed: options.seed, nodes: options.nodes, minutes: options.minutes, profile: options.profile, addresses,
      sampleMs, probeMs, maxFaulty: options.maxFaulty ?? largestMinority(options.nodes), command, schedule,
      describe: (step: FaultStep) => describeStep(step), start, end,
      actions: faults.actions, overlaps: overlapsOf(presences), gaps: gapsOf(presences, addresses, start, end),
      exits: watch.exits, duplicateAnswers: arp.duplicates, probeTotals: arp.totals, settledMs,
      problems: [...sampler.problems, ...arp.problems], logs, operations: faults.operations.records,
    });
  } finally {
    watch?.stop();
    await arp?.stop().catch(() => undefined);
    await sampler?.stop().catch(() => undefined);
    rmSync(logs, { recursive: true, force: true });
    mkdirSync(logs, { recursive: true });
    for (const node of plan.nodes) {
      try {
        copyFileSync(node.logPath, join(logs, `node${node.pnn}.log`));
      } catch {
        // A node whose daemon never started has no log: nothing to keep.
      }
    }
    if (!options.keep) {
      await labDown(target);
      rmSync(options.dir, { recursive: true, force: true });
    }
  }
}
