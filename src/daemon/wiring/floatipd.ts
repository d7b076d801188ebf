// floatipd's life: load and check the configuration, build and start every part in order, stop or reload on signals.
//
// Start, in this order (DESIGN.md, issue "Takeover runs"):
//   1. configuration (every problem printed, exit 2, nothing touched), then the instance
//      lock: one floatipd per network namespace (instance-lock.ts), or exit 1, nothing touched
//   2. netlink + sock_diag, and which node this host is
//   3. logger, metrics listener, adapters (the cluster key is read here)
//   4. control socket (`floatip ping` answers from here on)
//   5. guardian and runtime.start() side by side (guarded-start.ts): leftovers removed, init,
//      setup, join, startup, monitor, while the guardian comes up; the node takes no address
//      and reports itself UNHEALTHY until the guardian is ready
// Stop (SIGTERM/SIGINT): runtime.stop() (STOPPED, release, LEAVING, shutdown), any
// tagged address still there removed, guardian 'bye', then everything closed; exit 0.
// A fatal error or a guardian fence ends the process at once with status 1: the
// guardian (or, if it fenced, nobody is needed) leaves no address answering.

import { join } from 'node:path';
import { FloatipConfig, formatIssue, loadConfig, ReadTextFile, readPublicAddressesFile } from '../../config';
import { ControlServer } from '../control/server';
import { createLogger, RootLogger } from '../logging';
import { limitRepeats } from '../repeat-limit';
import { MetricsSetup, startMetrics } from '../metrics-listener';
import { healthMonitorSource } from '../runtime/health-source';
import { Logger } from '../runtime/logger';
import { boundedList } from '../runtime/change-log';
import { createNodeRuntime, NodeRuntime } from '../runtime/node';
import { runtimeInitFromConfig, runtimeNodesOf } from '../runtime/settings';
import { systemClock } from '../../adapters/clock';
import { workerAllocator } from '../runtime/worker-allocator';
import { appliedAddressesPathOf, createNodeAdapters, healthOptions, KernelAdapters, NodeAdapters, openKernelAdapters } from './adapters';
import { writeAppliedAddresses } from './applied-addresses';
import { GuardianKeeper, hostPlacement, noticeSettingsOf } from './guardian-spawn';
import { startGuardedRuntime } from './guarded-start';
import { FastPath } from '../fastpath/fast-path';
import { takeInstanceLock } from './instance-lock';
import { checkClusterKeyFile } from '../../adapters/peer/cluster-key';
import { promoteSecondaries } from './promote-secondaries';
import { countTakes, fastPathRefusal, gateMesh, gateTakeover } from './stall-gate';
import { LocalNodeError, withLocalNode } from './local-node';
import { existingInterfaces, logMissingInterfaces } from './missing-interfaces';
import { MetricsFeed, startMetricsFeed } from './metrics-feed';
import { logLevelOf, reloadConfig } from './reload';
import { configWithNodes, guardianPeersOf, readNodesForReload } from './nodes-reload';
import { installSignalHandlers, SignalSource } from './signals';
import { siblingScript } from '../../sibling';
import { EventRunner } from '../../adapters/scripts/port';
import { checkTcpPort } from '../../adapters/scripts/tcp-port';

/** Exit statuses of floatipd. */
export const EXIT = { ok: 0, failed: 1, config: 2 } as const;

export interface DaemonIo {
  readonly readFile: ReadTextFile;
  /** For messages before the logger exists (bad configuration). */
  readonly stderr: (text: string) => void;
  /** Where signals and unhandled errors come from: `process`. */
  readonly signals: SignalSource;
  /** Ends the process at once (fatal error, guardian fence): `process.exit`. */
  readonly exitNow: (code: number) => void;
}

/** Every problem of a configuration, one per line, as the loader words them. */
export function configProblemsText(configPath: string, problems: readonly string[]): string {
  return `floatipd: ${configPath}: ${problems.length} problem(s), nothing was started:\n${problems.map((p) => `  ${p}\n`).join('')}`;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Runs floatipd until it stops; resolves with the exit status. */
export async function runFloatipd(configPath: string, io: DaemonIo): Promise<number> {
  const loaded = await loadConfig({ tomlPath: configPath }, io.readFile);
  if (!loaded.ok) {
    io.stderr(configProblemsText(configPath, loaded.issues.map(formatIssue)));
    return EXIT.config;
  }
  const logger = createLogger({ level: logLevelOf(loaded.config) });
  for (const warning of loaded.warnings) logger.warn({ code: warning.code }, formatIssue(warning));
  // Before anything touches the kernel: a second floatipd here would remove the running one's addresses as leftovers.
  try {
    await takeInstanceLock({ pid: process.pid, controlSocket: loaded.config.control.socket });
  } catch (error) {
    logger.error({ code: (error as { code?: unknown }).code }, `floatipd could not start: ${messageOf(error)}`);
    logger.flush();
    return EXIT.failed;
  }
  let kernel: KernelAdapters;
  try {
    kernel = await openKernelAdapters(logger);
  } catch (error) {
    logger.error({ code: (error as { code?: unknown }).code }, `cannot open netlink: ${messageOf(error)}; floatipd needs root (CAP_NET_ADMIN)`);
    logger.flush();
    return EXIT.failed;
  }
  let config: FloatipConfig;
  try {
    const local = await kernel.netlink.listAddresses();
    config = withLocalNode(loaded.config, local.map((a) => a.address), loaded.config.cluster.nodes_file);
  } catch (error) {
    await closeKernel(kernel);
    if (!(error instanceof LocalNodeError)) throw error;
    io.stderr(`floatipd: ${error.message}\n`);
    logger.flush();
    return EXIT.config;
  }
  await logMissingInterfaces(() => existingInterfaces(kernel.netlink), config.cluster.public_addresses_file, config.public_addresses, loaded.publicAddressLines, logger);
  const daemon = new Floatipd(config, configPath, kernel, logger, io);
  return daemon.run();
}

async function closeKernel(kernel: KernelAdapters): Promise<void> {
  await kernel.sockdiag.stop().catch(() => undefined);
  await kernel.netlink.stop().catch(() => undefined);
}

class Floatipd {
  private readonly log: Logger;
  private metrics: MetricsSetup | undefined;
  private adapters: NodeAdapters | undefined;
  private runtime: NodeRuntime | undefined;
  private control: ControlServer | undefined;
  private feed: MetricsFeed | undefined;
  private guardian: GuardianKeeper | undefined;
  /** The worker thread of the mesh and the guardian's ticks (daemon/fastpath). */
  private fastPath: FastPath | undefined;
  private uninstallSignals: (() => void) | undefined;
  private finish: (code: number) => void = () => undefined;
  private readonly finished: Promise<number>;
  private stopping: Promise<void> | undefined;
  /** Set just before runtime.start(): from then on this process may have added addresses. */
  private mayHoldAddresses = false;
  private starting: Promise<void> | undefined;
  /** The `nodes` lines reloadnodes read last (configWithNodes). */
  private nodesRead: FloatipConfig['nodes'] | undefined;

  constructor(private config: FloatipConfig, private readonly configPath: string, private readonly kernel: KernelAdapters,
    private readonly logger: RootLogger, private readonly io: DaemonIo) {
    this.log = logger.child({ pnn: config.node.pnn, component: 'daemon' });
    this.finished = new Promise((resolve) => { this.finish = resolve; });
  }

  async run(): Promise<number> {
    this.uninstallSignals = installSignalHandlers(this.io.signals, {
      // Every step of the stop catches its own failure; a throw past them would leave SIGTERM unfinished: exit instead.
      stop: () => { this.stop(EXIT.ok).catch((error: unknown) => this.fatal(`E_STOP_FAILED: stopping failed: ${messageOf(error)}`)); },
      reload: () => this.reload(),
      fatal: (error, origin) => this.fatal(`${origin}: ${error instanceof Error ? error.stack ?? error.message : String(error)}`),
    }, this.log);
    try {
      this.starting = this.start();
      await this.starting;
    } catch (error) {
      this.log.error({ code: (error as { code?: unknown }).code }, `floatipd could not start: ${messageOf(error)}`);
      await this.stop(EXIT.failed);
    }
    return this.finished;
  }

  /** Files of the events directory that never run, and CTDB scripts that run for some events only: said once at start. */
  private async reportScripts(events: EventRunner): Promise<void> {
    const scripts = await events.listScripts().catch(() => []);
    for (const script of scripts) {
      if (script.neverRuns) this.log.warn({ script: script.name }, `events directory: ${script.name}: ${script.neverRuns}`);
      if (script.note) this.log.info({ script: script.name }, `events directory: ${script.name} runs for ${[...script.events].join(' ')} only: ${script.note}`);
    }
  }

  private async start(): Promise<void> {
    const { config, logger } = this;
    this.log.info({ config: this.configPath, nodes: config.nodes.length, addresses: config.public_addresses.length }, 'floatipd starting');
    this.metrics = await startMetrics(config.metrics, logger);
    const metrics = this.metrics.metrics;
    const adapters = await createNodeAdapters(config, this.configPath, this.kernel, logger, metrics, (mesh) => {
      this.fastPath = FastPath.start({
        mesh, heartbeatIntervalMs: config.timing.heartbeat_interval, fenceAfterMs: config.timing.fence_after, deadAfterMs: config.timing.dead_after,
        script: siblingScript(join(__dirname, '..', 'fastpath'), 'worker-main'),
        onPriority: (of, outcome) => (outcome.kind === 'realtime'
          ? this.log.info({ thread: of, priority: outcome.priority }, `${of} runs in SCHED_RR (priority ${outcome.priority}), ahead of ordinary threads`)
          : this.log.warn({ thread: of, why: outcome.why }, `${of} runs ${outcome.kind === 'nice' ? `at nice ${outcome.nice}` : 'at ordinary priority'}, `
            + `so under load it may wait for a core longer than fence_after: ${outcome.why}`)),
        onStallConfirmed: (gapMs, waitedMs) => this.log.warn({ stalledMs: Math.round(gapMs), waitedMs: Math.round(waitedMs * 10) / 10 },
          `floatipd stood still for ${Math.round(gapMs)} ms while holding addresses; its guardian answered a tick after it, so it had not `
          + 'fenced: going on (no address was added until it answered)'),
      }, (why) => this.fatal(why));
      return this.fastPath;
    });
    this.adapters = adapters;
    // The guardian keeper starts below, beside runtime.start(): until it runs, no address can have been taken.
    const stalled = (): boolean => this.guardian?.checkStall() ?? false;
    const fastPath = this.fastPath;
    const adds = countTakes(adapters.takeover, () => fastPath?.adding());
    // node-cron warns once a second while a monitor hangs: one line per interval says it goes on.
    const healthLog = limitRepeats(this.log.child({ component: 'health' }), { now: () => performance.now() });
    const runtime = createNodeRuntime(runtimeInitFromConfig(config), {
      mesh: gateMesh(adapters.mesh, stalled),
      takeover: gateTakeover(adds.takeover, stalled, () => (fastPath ? fastPathRefusal(fastPath) : undefined)),
      netlink: this.kernel.netlink,
      connections: this.kernel.sockdiag,
      events: adapters.events,
      prober: adapters.prober,
      health: healthMonitorSource(healthOptions(config), adapters.events, (message) => healthLog.info({}, message)),
      ...(adapters.lock ? { lock: adapters.lock } : {}),
      clock: systemClock(),
      logger,
      allocator: workerAllocator({ script: siblingScript(join(__dirname, '..', 'runtime'), 'alloc-worker') }),
      loadPublicAddresses: () => this.readPublicAddresses(),
      loadNodes: async () => {
        this.nodesRead = await readNodesForReload(this.config.cluster.nodes_file, this.io.readFile);
        return runtimeNodesOf(this.nodesRead);
      },
      nodesApplied: (nodes) => {
        this.config = configWithNodes(this.config, nodes, this.nodesRead);
        this.guardian?.setPeers(guardianPeersOf(this.config));
      },
      publishAddresses: (list) => writeAppliedAddresses(appliedAddressesPathOf(config), list),
      ctdbKernel: { tickle: (c) => adapters.tickler.tickle(c), destroyConnections: (a) => this.kernel.sockdiag.destroyConnections(a), checkTcpPort },
    });
    // Addresses this node holds or is adding: a stall ends the process only while there are any.
    const holding = (): number => runtime.hosting.size + adds.underway();
    if (fastPath) {
      // The worker's fence judges by our quorum rule and vote memory (leaves, last man standing, lock holder).
      const feedQuorum = (): void => fastPath.setQuorum(runtime.state.rule(), runtime.state.ballot());
      feedQuorum();
      runtime.state.onChange(feedQuorum);
      // The worker fences a stall only while this node holds (or is adding) an address, as the keeper does (guardian-spawn.ts).
      fastPath.trackHolding(holding);
      const fenceLog = this.log.child({ component: 'fence' });
      fastPath.onFence((news) => {
        if (news.kind === 'ordered') runtime.fenceOrdered(news.detail);
        else fenceLog.info({ ms: Math.round(news.ms * 10) / 10 }, `the guardian removed every public address ${Math.round(news.ms)} ms after the fast path's order`);
      });
    }
    await this.reportScripts(adapters.events);
    this.runtime = runtime;
    this.control = new ControlServer({ socketPath: config.control.socket }, { api: runtime.api, logger });
    await this.control.start();
    this.feed = startMetricsFeed(runtime.api, adapters.mesh, metrics, (callback) => {
      const timer = setInterval(callback, 1000);
      timer.unref();
      return () => clearInterval(timer);
    }, runtime);
    for (const outcome of await promoteSecondaries(config.public_addresses.flatMap((a) => a.interfaces))) {
      if (outcome.error !== undefined) {
        this.log.warn({ iface: outcome.iface }, `cannot set net.ipv4.conf.${outcome.iface}.promote_secondaries=1 (${outcome.error}): `
          + 'releasing the first public address of a subnet there would drop the others of that subnet until reconcile restores them');
      }
    }
    const notice = noticeSettingsOf(config);
    const { placement, why: placedBecause } = hostPlacement();
    this.log.info({ placement: placement.kind }, `guardian placement: ${placement.kind} (${placedBecause})`);
    this.mayHoldAddresses = true;
    this.guardian = await startGuardedRuntime(runtime, () => GuardianKeeper.start({
      fenceAfterMs: config.timing.fence_after, placement, ...(notice ? { notice } : {}),
      holdsAddresses: () => holding() > 0,
      ...(fastPath ? { spawn: (options, events) => fastPath.spawnGuardian(options, events), stall: () => fastPath.stalled() } : {}),
      onGuard: (change) => {
        metrics.setGuarded(change.guarded, change.guarded ? undefined : change.cause);
        runtime.setUnguarded(change.guarded ? undefined : change.detail);
      },
    }, logger, (why) => this.fatal(why)));
    this.log.info({ guardianPid: this.guardian.pid, socket: config.control.socket }, 'floatipd running');
  }

  /** reloadips (control socket): this node's public_addresses file only, as CTDB's reloadips reads it. */
  private async readPublicAddresses(): Promise<FloatipConfig['public_addresses']> {
    const file = this.config.cluster.public_addresses_file;
    const reading = readPublicAddressesFile(await this.io.readFile(file), file, this.config.nodes);
    if (reading.issues.length > 0) {
      throw new Error(`${reading.issues.length} problem(s), nothing changed: ${reading.issues.map(formatIssue).join('; ')}`);
    }
    await logMissingInterfaces(() => existingInterfaces(this.kernel.netlink), file, reading.addresses, reading.lines, this.log);
    return reading.addresses;
  }

  private async reload(): Promise<void> {
    const runtime = this.runtime;
    if (!runtime || this.stopping) return;
    const outcome = await reloadConfig(this.config, this.configPath, this.io.readFile, {
      reloadAddresses: (list) => runtime.reload(list),
      setLogLevel: (level) => this.logger.setLevel(level),
      existingInterfaces: () => existingInterfaces(this.kernel.netlink),
      checkClusterKey: checkClusterKeyFile,
    }, this.log);
    if (outcome.kind === 'applied') this.config = outcome.config;
  }

  private stop(code: number): Promise<void> {
    this.stopping ??= this.stopInOrder(code);
    return this.stopping;
  }

  private async stopInOrder(code: number): Promise<void> {
    // A stop signal during the start waits for it: stopping half-way could let the start take addresses after the guardian left.
    await this.starting?.catch(() => undefined);
    const started = performance.now();
    const step = async (what: string, body: () => Promise<unknown> | unknown): Promise<void> => {
      try {
        await body();
      } catch (error) {
        code = code === EXIT.ok ? EXIT.failed : code;
        this.log.error({}, `stopping: ${what} failed: ${messageOf(error)}`);
      }
    };
    await step('releasing the addresses', () => this.runtime?.stop());
    // Only a daemon that got as far as taking may clean up: one refused at start (another floatipd owns the
    // control socket) must leave that daemon's addresses alone.
    if (this.mayHoldAddresses) await step('removing leftover addresses', async () => {
      const left = await this.kernel.netlink.removeOwnedAddresses();
      if (left.length > 0) this.log.warn({ count: left.length, addresses: boundedList(left.map((a) => a.address.text)) }, `removed ${left.length} address(es) the stop left behind`);
    });
    await step('dismissing the guardian', () => this.guardian?.bye());
    await step('ending the fast path', () => this.fastPath?.close());
    this.feed?.stop();
    await step('closing the control socket', () => this.control?.stop());
    await step('closing the metrics listener', () => this.metrics?.stop());
    await step('closing the adapters', () => this.adapters?.close());
    await closeKernel(this.kernel);
    this.uninstallSignals?.();
    this.log.info({ code, stopMs: Math.round(performance.now() - started) }, 'floatipd stopped');
    this.logger.flush();
    this.finish(code);
  }

  /** Nothing can be trusted any more: exit now. Peers see the stream close; the guardian removes what is left. */
  private fatal(why: string): void {
    this.log.error({ fatal: true }, `floatipd exits at once: ${why}`);
    this.logger.flush();
    this.io.exitNow(EXIT.failed);
  }
}
