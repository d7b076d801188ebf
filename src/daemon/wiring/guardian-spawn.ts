// Keeps floatipd's guardian running: spawns it (same node and loader), respawns it if it is killed, and reports a fence.
//
// The guardian must be up before the node takes any address. If it ends while the
// daemon lives:
//   - it fenced (its pipe closed or the ticks stopped: the daemon was frozen for
//     fence_after): the node's addresses are gone and the cluster counts this node
//     as dead, so the daemon must not carry on with its old records: `onFenced`;
//   - it was killed or failed: the addresses are unguarded, so a new guardian is
//     started at once; after too many quick failures `onFenced` too.
// The guardian's exit may reach this process after other I/O of a resumed loop (the
// netlink events of its deletions, which reconcile would answer by putting the
// addresses back). So the keeper also watches its own loop: a gap long enough for
// the guardian to have fenced calls `onFenced`, from the first timer after the stall or,
// earlier, from the stall gate (stall-gate.ts) that every frame and address take passes.

import { join } from 'node:path';
import { FloatipConfig } from '../../config';
import { GuardianEnd, GuardianLink, GuardianLinkOptions } from '../guardian-client';
import { NoticeSettings } from '../guardian-notice';
import { Logger } from '../runtime/logger';
import { nodeCommand, siblingScript } from './sibling';

export interface GuardianKeeperInit {
  /** `timing.fence_after`. */
  readonly fenceAfterMs: number;
  /** Respawns allowed within `respawnWindowMs` before giving up. @default 3 */
  readonly maxRespawns?: number;
  /** @default 60000 */
  readonly respawnWindowMs?: number;
  /** Whom the guardian tells after a fence. @default nobody */
  readonly notice?: NoticeSettings;
  /** How to start one guardian. @default GuardianLink.start with the sibling guardian-main */
  readonly spawn?: (options: GuardianLinkOptions, onEnd: (end: GuardianEnd) => void) => Promise<Pick<GuardianLink, 'bye' | 'pid'>>;
}

/** The daemon's mesh settings for the guardian's FENCED notice; undefined before the node is known. */
export function noticeSettingsOf(config: FloatipConfig): NoticeSettings | undefined {
  const pnn = config.node.pnn;
  const bind = config.node.bind_address ?? config.nodes.find((n) => n.pnn === pnn)?.address;
  if (pnn === undefined || !bind) return undefined;
  const peers = config.nodes.flatMap((n) => (n.pnn === pnn || n.deleted || n.address === null ? [] : [{ pnn: n.pnn, address: n.address.text }]));
  return { pnn, keyFile: config.cluster.key_file, bindAddress: bind.text, port: config.node.port, peers };
}

/** guardian-main beside guardian-client, run like this process (dist .js, or .ts under the same loader). */
export function guardianLinkOptions(fenceAfterMs: number, notice?: NoticeSettings): GuardianLinkOptions {
  return { fenceAfterMs, command: nodeCommand(siblingScript(join(__dirname, '..'), 'guardian-main')), ...(notice ? { notice } : {}) };
}

export class GuardianKeeper {
  private link: Pick<GuardianLink, 'bye' | 'pid'> | undefined;
  private readonly respawns: number[] = [];
  private closing = false;
  private stallWatch: NodeJS.Timeout | undefined;
  /** When the stall watch last ran (performance.now()); undefined before the keeper started. */
  private lastWatch: number | undefined;
  private stalled = false;

  private constructor(
    private readonly init: GuardianKeeperInit,
    private readonly log: Logger,
    private readonly onFenced: (why: string) => void,
  ) {}

  /** Resolves once a guardian can fence. `onFenced` hears that this process must stop (see the header). */
  static async start(init: GuardianKeeperInit, log: Logger, onFenced: (why: string) => void): Promise<GuardianKeeper> {
    const keeper = new GuardianKeeper(init, log.child({ component: 'guardian' }), onFenced);
    await keeper.spawnOne();
    keeper.watchStalls();
    keeper.log.info({ guardianPid: keeper.link?.pid, fenceAfterMs: init.fenceAfterMs }, 'guardian started');
    return keeper;
  }

  get pid(): number | undefined {
    return this.link?.pid;
  }

  /** Every address is released: the guardian leaves without touching anything. */
  async bye(): Promise<GuardianEnd | undefined> {
    this.closing = true;
    clearInterval(this.stallWatch);
    const link = this.link;
    this.link = undefined;
    return link?.bye();
  }

  /**
   * The guardian hears a tick every fence_after/4 and fences after fence_after of silence,
   * so a loop stall of 3/4 fence_after may already have cost the addresses.
   */
  private watchStalls(): void {
    this.lastWatch = performance.now();
    this.stallWatch = setInterval(() => {
      if (!this.checkStall()) this.lastWatch = performance.now();
    }, this.init.fenceAfterMs / 4);
    this.stallWatch.unref();
  }

  /**
   * True, after calling `onFenced`, when the stall watch has not run for 3/4 fence_after:
   * the loop stood still. Called by the watch itself and, synchronously, by the stall gate
   * (stall-gate.ts) before any frame or address take, since a resumed loop runs waiting
   * I/O before its timers.
   */
  checkStall(): boolean {
    if (this.closing || this.lastWatch === undefined) return false;
    if (this.stalled) return true;
    const gap = performance.now() - this.lastWatch;
    if (gap < (this.init.fenceAfterMs * 3) / 4) return false;
    this.stalled = true;
    clearInterval(this.stallWatch);
    this.log.error({ stalledMs: Math.round(gap), fenceAfterMs: this.init.fenceAfterMs },
      `floatipd's event loop stood still for ${Math.round(gap)} ms (frozen or blocked): the guardian has removed, or is removing, `
      + 'this node\'s addresses and the cluster counts this node as dead, so floatipd exits and must be started again');
    this.onFenced(`event loop stalled for ${Math.round(gap)} ms`);
    return true;
  }

  private async spawnOne(): Promise<void> {
    const spawn = this.init.spawn ?? ((options, onEnd) => GuardianLink.start(options, onEnd));
    const options = guardianLinkOptions(this.init.fenceAfterMs, this.init.notice);
    // onEnd fires only after the guardian said ready, so `link` is set by then.
    const link: Pick<GuardianLink, 'bye' | 'pid'> = await spawn(options, (end) => { if (link === this.link) this.ended(end); });
    this.link = link;
  }

  private ended(end: GuardianEnd): void {
    this.link = undefined;
    if (this.closing) return;
    if (end === 'fenced-pipe-closed' || end === 'fenced-no-ticks') {
      this.log.error({ end }, 'the guardian removed this node\'s public addresses (this daemon was frozen or its pipe broke): '
        + 'the cluster counts this node as dead, so floatipd exits and must be started again');
      this.onFenced(`guardian fenced (${end})`);
      return;
    }
    const now = Date.now();
    const window = this.init.respawnWindowMs ?? 60_000;
    while (this.respawns.length > 0 && now - this.respawns[0] > window) this.respawns.shift();
    if (this.respawns.length >= (this.init.maxRespawns ?? 3)) {
      this.log.error({ end, respawns: this.respawns.length }, 'the guardian keeps ending: floatipd stops rather than hold addresses unguarded');
      this.onFenced(`guardian ended ${this.respawns.length + 1} times within ${window} ms`);
      return;
    }
    this.respawns.push(now);
    this.log.warn({ end }, `the guardian ended (${end}) while floatipd runs: starting a new one`);
    this.spawnOne().then(
      () => this.log.info({ guardianPid: this.link?.pid }, 'guardian started again'),
      (error: unknown) => {
        this.log.error({}, `the guardian could not be started again: ${error instanceof Error ? error.message : String(error)}`);
        this.onFenced('guardian could not be restarted');
      },
    );
  }
}
