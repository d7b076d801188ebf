// Builds the real adapters (netlink, sock_diag, AF_PACKET, raw sockets, scripts, TCP mesh, cluster lock) from a loaded configuration.
//
// Only construction happens here, plus start() of the kernel sockets that must be
// open before anything reads the kernel; nothing is taken or announced. close()
// undoes it in reverse, and tolerates parts that never started.

import { dirname, join } from 'node:path';
import { FloatipConfig } from '../../config';
import { Pnn } from '../../core/flags';
import { scriptOptionsPathOf } from '../../config/script-options-file';
import { RtnetlinkAdapter } from '../../adapters/netlink/rtnetlink';
import { SockDiagAdapter } from '../../adapters/sockdiag/sockdiag';
import { AddressProber, announceSettings, createAddressProber, createPacketAnnouncer } from '../../adapters/packet';
import { openReplyCapture } from '../../adapters/packet/reply-capture';
import { createSystemTickler, tickleSettings, Tickler } from '../../adapters/rawsock';
import { createTakeover, SOCKET_KILL_METHODS, SocketKillMethod, Takeover } from '../../adapters/takeover';
import { ScriptEventRunner } from '../../adapters/scripts/runner';
import { eventScriptOptions } from '../../adapters/scripts/options';
import { ctdbEnvironment, ctdbLayoutPaths, CtdbLayout, DEBIAN_CTDB, defaultCtdbRoot, prepareCtdbLayout } from '../../adapters/scripts/ctdb-env';
import { EventRunner } from '../../adapters/scripts/port';
import { createTcpMesh, loadClusterKey, PeerMesh, TcpMeshInit } from '../../adapters/peer';
import { reconnectBackoff } from './reconnect';
import { ClusterLock, createClusterLock } from '../../adapters/lock';
import { backgroundClock } from '../../adapters/clock';
import { Announcer } from '../../adapters/packet/announcer';
import { HealthOptions } from '../health';
import { Logger } from '../runtime/logger';
import { Metrics } from '../metrics';
import { observedEventRunner, countingTickler } from './observed';

/** The kernel-facing adapters, opened before the node knows who it is (it reads local addresses to find out). */
export interface KernelAdapters {
  readonly netlink: RtnetlinkAdapter;
  readonly sockdiag: SockDiagAdapter;
}

export async function openKernelAdapters(logger: Logger): Promise<KernelAdapters> {
  const log = logger.child({ component: 'netlink' });
  // A subscriber that throws is a bug of ours: logged, and the other subscribers still hear the event.
  const netlink = new RtnetlinkAdapter({ onListenerError: (failure) => log.error({ code: failure.code }, failure.message) });
  await netlink.start();
  const sockdiag = new SockDiagAdapter();
  try {
    await sockdiag.start();
  } catch (error) {
    await netlink.stop();
    throw error;
  }
  return { netlink, sockdiag };
}

export interface NodeAdapters extends KernelAdapters {
  readonly announcer: Announcer;
  /** Duplicate detection's probes. */
  readonly prober: AddressProber;
  readonly tickler: Tickler;
  readonly takeover: Takeover;
  readonly events: EventRunner;
  readonly mesh: PeerMesh;
  readonly lock: ClusterLock | undefined;
  /** Closes what these adapters opened (the mesh is the runtime's to stop). */
  close(): Promise<void>;
}

/** The `monitor` schedule as health.ts takes it: whole seconds, or cron text. */
export function healthOptions(config: FloatipConfig): HealthOptions {
  const schedule = config.events.monitor_schedule;
  return {
    monitorSchedule: schedule.kind === 'interval' ? schedule.every / 1000 : schedule.expression,
    fall: config.events.monitor_fall,
    rise: config.events.monitor_rise,
    timeoutsToFail: config.events.monitor_timeouts_before_failure,
    recheckAfterChangeMs: config.events.monitor_recheck_after_change,
  };
}

/** `takeover.socket_kill`; the loader allows only the methods, the check narrows the type. */
export function socketKillOf(config: FloatipConfig): SocketKillMethod {
  const value = config.takeover.socket_kill as string;
  const method = SOCKET_KILL_METHODS.find((m) => m === value);
  if (method === undefined) throw new Error(`takeover.socket_kill = ${JSON.stringify(value)}: use one of ${SOCKET_KILL_METHODS.join(', ')}`);
  return method;
}

/** The directory of floatip.toml: event scripts get it as FLOATIP_BASE, so they find nodes and public_addresses beside it. */
export function configDirOf(configPath: string): string {
  return dirname(configPath);
}

/**
 * Where floatipd writes the public addresses it applied (beside the control socket, a
 * runtime directory): event scripts read it through FLOATIP_PUBLIC_ADDRESSES, so an edited
 * file that was refused, or not reloaded yet, does not change what they check.
 */
export function appliedAddressesPathOf(config: FloatipConfig): string {
  return join(dirname(config.control.socket), 'public_addresses.applied');
}

export function createEventRunner(config: FloatipConfig, configPath: string, pnn: number): EventRunner {
  const configDir = configDirOf(configPath);
  return new ScriptEventRunner(eventScriptOptions({
    dir: config.events.dir,
    configDir,
    pnn,
    timeoutMs: config.events.default_timeout,
    eventTimeoutsMs: config.events.timeouts,
    scriptOptionsFile: scriptOptionsPathOf(configPath),
    environment: {
      ...ctdbEnvironment(ctdbLayoutPaths(defaultCtdbRoot(config.control.socket)), config.control.socket, process.env.PATH),
      FLOATIP_PUBLIC_ADDRESSES: appliedAddressesPathOf(config),
    },
  }));
}

/** CTDB_BASE and the `ctdb` stand-in for CTDB's own event scripts (adapters/scripts/ctdb-env.ts), built at every start. */
export function prepareCtdbScriptLayout(config: FloatipConfig, configPath: string, pnn: Pnn): Promise<CtdbLayout> {
  const address = config.nodes.find((n) => n.pnn === pnn)?.address?.text;
  return prepareCtdbLayout({
    root: defaultCtdbRoot(config.control.socket),
    eventsDir: config.events.dir,
    nodesFile: config.cluster.nodes_file,
    // What the daemon applied, not the file as edited (a refused reload changed nothing): as FLOATIP_PUBLIC_ADDRESSES.
    publicAddressesFile: appliedAddressesPathOf(config),
    scriptOptionsFile: scriptOptionsPathOf(configPath),
    controlSocket: config.control.socket,
    node: { pnn, address },
    installation: { ...DEBIAN_CTDB, etcDir: config.events.ctdb_dir },
  });
}

export function createLock(config: FloatipConfig): ClusterLock | undefined {
  const { cluster } = config;
  // The lock decides quorum only with quorum = "lock"; a lock configured for majority quorum is not contended for.
  if (cluster.quorum !== 'lock' || cluster.cluster_lock === undefined) return undefined;
  return createClusterLock(cluster.cluster_lock, {
    fcntl: { recheckIntervalMs: cluster.lock_recheck_interval },
    helper: { answerTimeoutMs: cluster.lock_helper_timeout },
    etcd: { ttlSeconds: Math.ceil(cluster.lock_lease_ttl / 1000) },
  });
}

/**
 * Everything else the runtime needs, on top of the opened kernel adapters. `openMesh` makes
 * the mesh from its settings (floatipd runs it in the fast-path worker).
 * `config.node.pnn` must be known (withLocalNode). The cluster key is read here,
 * so a bad key file stops the start before any address is touched.
 */
export async function createNodeAdapters(config: FloatipConfig, configPath: string, kernel: KernelAdapters,
  logger: Logger, metrics: Metrics, openMesh: (init: TcpMeshInit) => PeerMesh = createTcpMesh): Promise<NodeAdapters> {
  const pnn = config.node.pnn;
  if (pnn === undefined) throw new Error('createNodeAdapters needs config.node.pnn (call withLocalNode first)');
  const log = logger.child({ component: 'adapters' });
  const clusterKey = await loadClusterKey(config.cluster.key_file);
  const mesh = openMesh({
    localPnn: pnn,
    nodes: config.nodes,
    port: config.node.port,
    ...(config.node.bind_address ? { bindAddress: config.node.bind_address } : {}),
    clusterKey,
    backoff: reconnectBackoff(config.timing.dead_after),
  });
  const { garp, tickle } = config;
  const announcer = createPacketAnnouncer(announceSettings({
    count: garp.count,
    spacingMs: garp.spacing,
    secondBurstDelayMs: garp.second_burst_delay,
    refreshIntervalMs: garp.refresh_interval,
    maxFramesPerSecond: garp.rate_limit,
    burstFrames: garp.burst_frames,
  }), (error) => log.warn({ code: error.code }, `announcement failed: ${error.message}`));
  const tickler = countingTickler(createSystemTickler(tickleSettings({ count: tickle.count, spacingMs: tickle.spacing }),
    (error) => log.warn({ code: error.code }, `tickle failed: ${error.message}`)), metrics);
  const takeover = createTakeover({ socketKill: socketKillOf(config) }, {
    addresses: kernel.netlink,
    announcer,
    tickler,
    connections: kernel.sockdiag,
    openReplyCapture: (iface) => openReplyCapture(iface),
    clock: backgroundClock,
  });
  const ctdb = await prepareCtdbScriptLayout(config, configPath, pnn).catch((error: unknown) => {
    log.warn({}, `CTDB's event scripts will not find CTDB_BASE: preparing it failed (${(error as Error).message})`);
    return undefined;
  });
  if (ctdb && !ctdb.ctdbFunctions) log.info({}, "CTDB's functions file is not installed: CTDB's own event scripts get floatip's compatible one");
  const events = observedEventRunner(createEventRunner(config, configPath, pnn), metrics);
  const lock = createLock(config);
  const prober = createAddressProber({ answerWindowMs: config.duplicates.answer_window });
  return {
    ...kernel,
    announcer,
    prober,
    tickler,
    takeover,
    events,
    mesh,
    lock,
    async close() {
      announcer.close();
      prober.close();
      tickler.close();
      await lock?.close();
    },
  };
}
