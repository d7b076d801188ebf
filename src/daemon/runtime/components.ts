// The ports and options a node runtime is built from: floatipd hands it the real adapters, tests memory fakes.

import { PublicAddress } from '../../core/address';
import { AddressPort, LinkPort, NetlinkWatchPort } from '../../adapters/netlink/port';
import { ClusterLock } from '../../adapters/lock/port';
import { AddressProber } from '../../adapters/packet/prober';
import { PeerMesh } from '../../adapters/peer/port';
import { EventRunner } from '../../adapters/scripts/port';
import { ConnectionPort } from '../../adapters/sockdiag/port';
import { Takeover } from '../../adapters/takeover/port';
import type { CtdbToolKernel } from '../control/ctdb-tool';
import { Allocator } from './allocator';
import { Clock } from '../../adapters/clock';
import { HealthSource } from './health-source';
import { Logger } from './logger';
import { LoopDelayProbe } from './loop-delay';
import type { RuntimeNode } from './settings';

export interface RuntimeComponents {
  readonly mesh: PeerMesh;
  readonly takeover: Takeover;
  /** Kernel addresses (reconcile, leftovers), links and their events. */
  readonly netlink: AddressPort & LinkPort & NetlinkWatchPort;
  /** The tickle scan's sock_diag dump. */
  readonly connections: Pick<ConnectionPort, 'listEstablished'>;
  readonly events: EventRunner;
  readonly health: HealthSource;
  /** Needed for cluster.quorum = "lock". */
  readonly lock?: ClusterLock;
  readonly clock: Clock;
  readonly logger: Logger;
  /** @default inlineAllocator() (the daemon passes workerAllocator()) */
  readonly allocator?: Allocator;
  /** @default perfHooksLoopDelayProbe() */
  readonly loopDelay?: LoopDelayProbe;
  /** Re-reads public_addresses for reloadips / SIGHUP. */
  readonly loadPublicAddresses?: () => Promise<readonly PublicAddress[]>;
  /** Re-reads `nodes` for reloadnodes; throws, naming the file and line, when it cannot. Without it reloadnodes is refused. */
  readonly loadNodes?: () => Promise<readonly RuntimeNode[]>;
  /** Hears every node set this node runs with after a reloadnodes (the guardian's peer list, the daemon's config). */
  readonly nodesApplied?: (nodes: readonly RuntimeNode[]) => void;
  /** Duplicate detection's probes; without it (or with init.duplicateProbeIntervalMs 0) nothing is probed. */
  readonly prober?: AddressProber;
  /**
   * Publishes the list this node applies, for event scripts (FLOATIP_PUBLIC_ADDRESSES): at
   * start and after every change, before any script runs for it. Scripts must see what the
   * daemon applied, not the file as edited (a refused reload changed nothing).
   */
  readonly publishAddresses?: (list: readonly PublicAddress[]) => Promise<void>;
  /** What the `ctdb` stand-in of event scripts needs from the kernel (tickle, killtcp, checktcpport); without it those verbs fail. */
  readonly ctdbKernel?: CtdbToolKernel;
}
