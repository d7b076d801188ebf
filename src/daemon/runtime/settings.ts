// The runtime's options (`init`): the parts of floatip.toml, `nodes` and `public_addresses` it acts on.

import { PublicAddress } from '../../core/address';
import { Pnn } from '../../core/flags';
import { ALGORITHMS, AlgorithmName, Tunables } from '../../core/ipalloc';
import { FloatipConfig } from '../../config';
import { VoteSettings } from '../../core/votes';
import { FlapDampingSettings } from './flap-damping';

export interface RuntimeNode {
  readonly pnn: Pnn;
  /** The private address from `nodes`; null for a deleted (commented-out) line. */
  readonly address: string | null;
  readonly deleted: boolean;
}

export interface BanSettings {
  /** Ban nodes that keep failing takeover actions (CTDB's EnableBans). */
  readonly enabled: boolean;
  /** Credits at which a node is banned. */
  readonly creditsThreshold: number;
  readonly periodMs: number;
  /** Credits are forgotten after this long without a new failure. */
  readonly gracePeriodMs: number;
}

export interface RuntimeInit {
  readonly localPnn: Pnn;
  /** Every line of `nodes`, indexed by node number. */
  readonly nodes: readonly RuntimeNode[];
  /** This node's `public_addresses`. */
  readonly publicAddresses: readonly PublicAddress[];
  readonly heartbeatIntervalMs: number;
  readonly deadAfterMs: number;
  /** Shorter than deadAfterMs: a node without quorum has released everything by then. */
  readonly fenceAfterMs: number;
  /** One overall deadline per takeover run. */
  readonly takeoverDeadlineMs: number;
  readonly reconcileIntervalMs: number;
  /**
   * After a peer's stream breaks without LEAVING, no takeover run starts before this much
   * later, so its guardian deletes the addresses before anyone else adds them.
   * @default 0
   */
  readonly crashGraceMs?: number;
  readonly tickleScanIntervalMs: number;
  readonly algorithm: AlgorithmName;
  readonly tunables: Tunables;
  readonly quorum: 'majority' | 'lock';
  /**
   * Expected votes under `majority` (core/votes.ts): last man standing, wait for all, tie-breaker.
   * @default DEFAULT_VOTE_SETTINGS
   */
  readonly votes?: VoteSettings;
  readonly ban: BanSettings;
  /**
   * A burst of view changes within this window makes one takeover run.
   * @default 10
   */
  readonly runDebounceMs?: number;
  /**
   * Takeover runs kept for `floatip history`.
   * @default 100
   */
  readonly historyLimit?: number;
  /**
   * Each held address is probed for duplicates about this often (and once when taken);
   * 0 = never. Needs RuntimeComponents.prober.
   * @default 0
   */
  readonly duplicateProbeIntervalMs?: number;
  /**
   * Holds a node whose monitor flaps out of hosting (flap-damping.ts).
   * @default DEFAULT_FLAP_DAMPING
   */
  readonly flapDamping?: FlapDampingSettings;
}

/** The configuration names no node for this host: the daemon cannot tell which line of `nodes` it is. */
export class RuntimeSetupError extends Error {
  constructor(readonly code: 'E_RUNTIME_NO_SELF' | 'E_RUNTIME_TIMING' | 'E_RUNTIME_SETTING', message: string) {
    super(message);
    this.name = 'RuntimeSetupError';
  }
}

/** The runtime's options from a loaded configuration. */
export function runtimeInitFromConfig(config: FloatipConfig): RuntimeInit {
  const localPnn = config.node.pnn;
  if (localPnn === undefined) {
    throw new RuntimeSetupError('E_RUNTIME_NO_SELF',
      'this host is none of the nodes in `nodes`: set node.pnn or node.address in floatip.toml');
  }
  return checkedInit({
    localPnn,
    nodes: runtimeNodesOf(config.nodes),
    publicAddresses: config.public_addresses,
    heartbeatIntervalMs: config.timing.heartbeat_interval,
    deadAfterMs: config.timing.dead_after,
    fenceAfterMs: config.timing.fence_after,
    takeoverDeadlineMs: config.timing.takeover_deadline,
    reconcileIntervalMs: config.timing.reconcile_interval,
    crashGraceMs: config.timing.crash_grace,
    tickleScanIntervalMs: config.tickle.scan_interval,
    duplicateProbeIntervalMs: config.duplicates.probe_interval,
    algorithm: oneOf('ipalloc.algorithm', config.ipalloc.algorithm, ALGORITHMS),
    tunables: { noIpFailback: config.ipalloc.no_ip_failback, noIpTakeover: config.ipalloc.no_ip_takeover },
    quorum: oneOf('cluster.quorum', config.cluster.quorum, ['majority', 'lock'] as const),
    votes: {
      lastManStandingWindowMs: config.cluster.last_man_standing_window,
      waitForAll: config.cluster.wait_for_all,
      tieBreaker: config.cluster.tie_breaker,
    },
    ban: {
      enabled: config.ban.enabled,
      creditsThreshold: config.ban.credits_threshold,
      periodMs: config.ban.period,
      gracePeriodMs: config.ban.grace_period,
    },
    flapDamping: {
      flips: config.events.monitor_flap_flips,
      windowMs: config.events.monitor_flap_window,
      holdDownMs: config.events.monitor_flap_hold_down,
    },
  });
}

/** The runtime's lines of `nodes`: the private address as text. */
export function runtimeNodesOf(nodes: FloatipConfig['nodes']): RuntimeNode[] {
  return nodes.map((n) => ({ pnn: n.pnn, address: n.address?.text ?? null, deleted: n.deleted }));
}

function oneOf<V extends string>(key: string, value: string, allowed: readonly V[]): V {
  if ((allowed as readonly string[]).includes(value)) return value as V;
  throw new RuntimeSetupError('E_RUNTIME_SETTING', `${key} = ${JSON.stringify(value)}: use one of ${allowed.join(', ')}`);
}

/** The timing rules the safety model rests on (the config loader checks them too; tests build init by hand). */
export function checkedInit(init: RuntimeInit): RuntimeInit {
  if (!(init.heartbeatIntervalMs < init.fenceAfterMs && init.fenceAfterMs < init.deadAfterMs)) {
    throw new RuntimeSetupError('E_RUNTIME_TIMING',
      `heartbeat_interval (${init.heartbeatIntervalMs} ms) < fence_after (${init.fenceAfterMs} ms) < dead_after `
      + `(${init.deadAfterMs} ms) must hold, or a minority could still hold addresses the majority takes: fix [timing]`);
  }
  return init;
}
