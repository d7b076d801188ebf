// Whether a live guardian stands behind this node, and what an unguarded node does: hand its addresses over, and hold none.
//
// A crash of floatipd leaves its addresses to its guardian: without a live one they
// would stay on a node the cluster counts as dead while a survivor adds them after
// crash_grace. So from the moment the guardian is lost (it stopped answering, or
// ended) until a successor is ready, the node holds no address:
//   1. it reports itself UNHEALTHY (node.ts folds `guarded` into its health), so the
//      leader moves its addresses away in order, release then take, as for any
//      unhealthy node, and the allocator places nothing on it;
//   2. it refuses TAKE orders meanwhile (orders.ts asks `refusal()`), for a run the
//      leader planned before it heard of the loss;
//   3. if it still holds addresses `handoverMs` after the loss (no leader, a slow
//      run), it deletes them itself, as the fence does (hosting.evacuate, not queued),
//      and holds none until a guardian is ready again.
// Once guarded again it reports healthy (if its monitor passes) and the leader gives
// its share back.

import { CancelTimer, Clock } from '../../adapters/clock';
import { LocalAddresses } from './hosting';
import { Logger } from './logger';

export interface GuardComponents {
  readonly clock: Clock;
  readonly hosting: LocalAddresses;
  readonly log: Logger;
  /** How long the leader gets to move the addresses away before the node deletes them itself. */
  readonly handoverMs: number;
  /** Called after every change between guarded and unguarded. */
  readonly changed: () => void;
}

export interface GuardStats {
  /** Times this node lost its guardian. */
  losses: number;
  /** Times it deleted its addresses itself because the leader had not moved them in time. */
  selfReleases: number;
}

export class GuardState {
  readonly stats: GuardStats = { losses: 0, selfReleases: 0 };
  /** Why the node is unguarded; undefined while a guardian stands behind it. */
  private why: string | undefined;
  private since = 0;
  private cancelHandover: CancelTimer | undefined;
  private releasing: Promise<unknown> | undefined;

  constructor(private readonly components: GuardComponents) {}

  get guarded(): boolean {
    return this.why === undefined;
  }

  /** `floatip status`: why the node is unguarded, and for how long (ms); undefined while guarded. */
  get unguarded(): { readonly reason: string; readonly sinceMs: number } | undefined {
    return this.why === undefined ? undefined : { reason: this.why, sinceMs: this.components.clock.now() - this.since };
  }

  /** Why a TAKE must be refused now, or undefined. */
  refusal(): string | undefined {
    return this.why === undefined ? undefined : `no live guardian (${this.why}): an address taken now could outlive a crash of floatipd`;
  }

  /**
   * floatipd starts its first guardian while the runtime joins (wiring/guarded-start.ts): until it
   * is ready the node is unguarded as after a loss (UNHEALTHY, takes refused), but holds nothing,
   * so there is nothing to hand over and no loss to count.
   */
  starting(why: string): void {
    if (this.why !== undefined) return;
    this.why = why;
    this.since = this.components.clock.now();
    this.components.log.info({ reason: why }, `unguarded until the guardian is ready (${why}): this node reports itself UNHEALTHY and takes nothing`);
    this.components.changed();
  }

  /** The guardian was lost (`why`), or a new one is ready (`undefined`). */
  set(why: string | undefined): void {
    const { clock, log, hosting } = this.components;
    if (why === undefined) {
      if (this.why === undefined) return;
      log.info({ unguardedMs: Math.round(clock.now() - this.since) }, 'a guardian is ready again: this node may host addresses again');
      this.why = undefined;
      hosting.lift('unguarded');
      this.cancelHandover?.();
      this.cancelHandover = undefined;
      this.components.changed();
      return;
    }
    if (this.why !== undefined) {
      this.why = why;
      return;
    }
    this.why = why;
    this.since = clock.now();
    this.stats.losses++;
    log.warn({ reason: why, holding: hosting.size, handoverMs: this.components.handoverMs },
      `unguarded (${why}): this node reports itself UNHEALTHY so the leader moves its ${hosting.size} address(es) away, `
      + `and deletes any still here after ${this.components.handoverMs} ms`);
    this.cancelHandover = clock.schedule(this.components.handoverMs, () => this.handoverOverdue());
    this.components.changed();
  }

  stop(): void {
    this.cancelHandover?.();
    this.cancelHandover = undefined;
  }

  private handoverOverdue(): void {
    this.cancelHandover = undefined;
    const { hosting, log } = this.components;
    if (this.why === undefined || hosting.size === 0 || this.releasing) return;
    this.stats.selfReleases++;
    log.error({ holding: hosting.size, reason: this.why }, `still unguarded and holding ${hosting.size} address(es) `
      + `${this.components.handoverMs} ms after the loss, and no leader moved them: deleting them here`);
    hosting.bar('unguarded');
    this.releasing = hosting.evacuate().then((outcome) => {
      for (const failure of outcome.failed) log.error({ address: failure.address.text }, `could not delete ${failure.address.text}: ${failure.reason}`);
    }, (error: unknown) => {
      log.error({}, `could not delete the addresses: ${error instanceof Error ? error.message : String(error)}`);
    }).finally(() => { this.releasing = undefined; });
  }
}
