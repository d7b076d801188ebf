// Keeps floatipd's guardian running: spawns it (same node and loader, placed), replaces it if it ends or stops answering, reports a fence.
//
// The guardian must be up before the node takes any address. If it ends while the
// daemon lives:
//   - it fenced (its pipe closed or the ticks stopped: the daemon was frozen for
//     fence_after): the node's addresses are gone and the cluster counts this node
//     as dead, so the daemon must not carry on with its old records: `onFenced`;
//   - it was killed or failed: the addresses are unguarded, so a new guardian is
//     started at once; after too many quick failures `onFenced` too.
// If it lives but stops answering ticks (frozen, hung: guardian-client.ts), it would
// not fence a crash of this daemon: it is killed and replaced like a dead one.
// From the moment a guardian is lost until its successor is ready, `onGuard` says the
// node is unguarded (the runtime then hands its addresses over: runtime/guard.ts).
// The guardian's exit may reach this process after other I/O of a resumed loop (the
// netlink events of its deletions, which reconcile would answer by putting the
// addresses back). So the keeper also watches its own loop: a gap long enough for
// the guardian to have fenced calls `onFenced`, from the first timer after the stall or,
// earlier, from the stall gate (stall-gate.ts) that every frame and address take passes.
// A node that holds no address (and takes none) has nothing to fence: the stall is logged
// and counted and the daemon lives on. If the guardian may have fenced meanwhile (no tick
// written for 9/10 of fence_after), it is no longer trusted: the node is unguarded (takes
// refused, UNHEALTHY) and the guardian replaced. A shorter stall keeps it: replacing it on
// every stall made a 16-node lab on 2 cores start hundreds of guardians. 32 lab daemons on 2 cores all exited on 0.53-0.57 s stalls while joining,
// holding nothing, and no address was ever placed. The fence applies again the moment the
// node holds (or is taking) anything.

import { existsSync } from 'node:fs';
import { FloatipConfig } from '../../config';
import { guardianCommand, GuardianEnd, GuardianError, GuardianLink, GuardianLinkEvents, GuardianLinkOptions } from '../guardian-client';
import { NoticePeer, NoticeSettings } from '../guardian-notice';
import { choosePlacement, GuardianPlacement, placedCommand, SYSTEMD_RUN } from '../guardian-placement';
import { Logger } from '../runtime/logger';
import { frozenWhy, StallReport } from '../fastpath/fast-path';
import { monotonicNow } from '../fastpath/messages';

export interface GuardianKeeperInit {
  /** `timing.fence_after`. */
  readonly fenceAfterMs: number;
  /** Respawns allowed within `respawnWindowMs` before giving up. @default 3 */
  readonly maxRespawns?: number;
  /** @default 60000 */
  readonly respawnWindowMs?: number;
  /** Whom the guardian tells after a fence. @default nobody */
  readonly notice?: NoticeSettings;
  /** Where each guardian runs. @default a systemd scope under a systemd service, else beside (guardian-placement.ts) */
  readonly placement?: GuardianPlacement;
  /** How to start one guardian. @default GuardianLink.start with the built guardian program */
  readonly spawn?: (options: GuardianLinkOptions, events: GuardianLinkEvents) => Promise<KeptGuardian>;
  /** Hears every change between guarded and unguarded, and why. @default nobody */
  readonly onGuard?: (change: GuardChange) => void;
  /**
   * Whether the node holds an address or is taking one now: a stall then ends the daemon;
   * otherwise it only replaces the guardian (see the header).
   * @default always true: a keeper that cannot tell fences every stall
   */
  readonly holdsAddresses?: () => boolean;
  /**
   * A stall judged by whoever ticks the guardian (the fast-path worker: daemon/fastpath): one
   * that ends this process, or one of a node that held nothing (`idle`, with how long the
   * guardian went without a tick: the idle path below), or undefined. @default this loop's own
   * gap since the stall watch ran, against 3/4 fence_after (the guardian is ticked from this loop)
   */
  readonly stall?: () => StallReport | undefined;
}

/** The parts of a GuardianLink the keeper uses. */
export type KeptGuardian = Pick<GuardianLink, 'bye' | 'pid' | 'kill' | 'setPeers' | 'tickSilenceMs'>;

/**
 * Why the node lost its guardian: `silent` (it stopped answering ticks, so it was killed), `ended` (killed, failed)
 * or `stalled` (this daemon's loop stood still while it held nothing: the guardian may have fenced, so it is replaced).
 */
export type UnguardedCause = 'silent' | 'ended' | 'stalled';

export type GuardChange =
  | { readonly guarded: true }
  | { readonly guarded: false; readonly cause: UnguardedCause; readonly detail: string };

/** The daemon's mesh settings for the guardian's FENCED notice; undefined before the node is known. */
export function noticeSettingsOf(config: FloatipConfig): NoticeSettings | undefined {
  const pnn = config.node.pnn;
  const bind = config.node.bind_address ?? config.nodes.find((n) => n.pnn === pnn)?.address;
  if (pnn === undefined || !bind) return undefined;
  return { pnn, keyFile: config.cluster.key_file, bindAddress: bind.text, port: config.node.port, peers: noticePeersOf(pnn, config.nodes) };
}

/** The peers a fence notice goes to: every live line of `nodes` but this node's. */
export function noticePeersOf(pnn: number, nodes: FloatipConfig['nodes']): NoticePeer[] {
  return nodes.flatMap((n) => (n.pnn === pnn || n.deleted || n.address === null ? [] : [{ pnn: n.pnn, address: n.address.text }]));
}

/** The built guardian program (native/guardian/), placed. */
export function guardianLinkOptions(fenceAfterMs: number, notice?: NoticeSettings, placement: GuardianPlacement = { kind: 'beside' }, serial = 1): GuardianLinkOptions {
  const command = placedCommand(guardianCommand(), placement, process.pid, serial);
  return { fenceAfterMs, command, ...(notice ? { notice } : {}) };
}

/** This host's placement (guardian-placement.ts), with the reason for the log. */
export function hostPlacement(): ReturnType<typeof choosePlacement> {
  return choosePlacement({
    invocationId: process.env.INVOCATION_ID,
    systemdBooted: existsSync('/run/systemd/system'),
    systemdRunExists: existsSync(SYSTEMD_RUN),
  });
}

export class GuardianKeeper {
  private link: KeptGuardian | undefined;
  /** When the current guardian became ready (monotonicNow(), the clock of the worker's stall reports). */
  private linkSince = Number.NEGATIVE_INFINITY;
  private readonly respawns: number[] = [];
  private placement: GuardianPlacement;
  private serial = 0;
  /** Set from a guardian's loss until its successor is ready. */
  private unguarded = false;
  private closing = false;
  private stallWatch: NodeJS.Timeout | undefined;
  /** When the stall watch last ran (performance.now()); undefined before the keeper started. */
  private lastWatch: number | undefined;
  private stalled = false;
  /** Stalls that cost nothing but the guardian, because the node held no address (see the header). */
  idleStalls = 0;
  /** The guardian killed after an idle stall: its end (killed, or the fence it did first) starts a successor, never counted as a failure. */
  private replacedAfterStall: KeptGuardian | undefined;
  /** Whom a guardian tells after a fence: from init, then from every setPeers (a respawned guardian starts with it). */
  private notice: NoticeSettings | undefined;

  private constructor(
    private readonly init: GuardianKeeperInit,
    private readonly log: Logger,
    private readonly onFenced: (why: string) => void,
  ) {
    this.placement = init.placement ?? { kind: 'beside' };
    this.notice = init.notice;
  }

  /** A new node set (reloadnodes): the running guardian hears the new peer list, a respawned one starts with it. */
  setPeers(peers: readonly NoticePeer[]): void {
    if (this.notice === undefined) return;
    this.notice = { ...this.notice, peers };
    this.link?.setPeers(peers);
  }

  /** Resolves once a guardian can fence. `onFenced` hears that this process must stop (see the header). */
  static async start(init: GuardianKeeperInit, log: Logger, onFenced: (why: string) => void): Promise<GuardianKeeper> {
    const keeper = new GuardianKeeper(init, log.child({ component: 'guardian' }), onFenced);
    await keeper.spawnOne();
    keeper.watchStalls();
    keeper.log.info({ guardianPid: keeper.link?.pid, fenceAfterMs: init.fenceAfterMs, placement: keeper.placement.kind }, 'guardian started');
    return keeper;
  }

  /** True while no guardian is confirmed (between a loss and the successor's ready line). */
  get guarded(): boolean {
    return !this.unguarded && this.link !== undefined;
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
    if (this.init.stall) return;
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
    if (this.init.stall) {
      const report = this.init.stall();
      if (report === undefined) return false;
      // A stall that began before this guardian was ready never held its ticks back: its predecessor's end
      // (a fence, a kill) told of it already, and replacing the fresh one would only leave the node unguarded.
      if (report.kind === 'idle' && report.from < this.linkSince && !this.holdsAddresses()) {
        this.log.info({ stalledMs: Math.round(report.stalledMs), guardianPid: this.link?.pid },
          'a stall from before this guardian started was reported late: the guardian is kept');
        return false;
      }
      // The worker judged by the holding slot; the records are asked again, and holding wins.
      if (report.kind === 'idle' && !this.holdsAddresses()) {
        this.idleStall(report.stalledMs, report.stalledMs);
        return false;
      }
      const why = report.kind === 'fatal' ? report.why : frozenWhy(report.stalledMs);
      this.stalled = true;
      this.log.error({}, `${why}: the guardian has removed, or is removing, this node's addresses and the cluster counts this node as dead, `
        + 'so floatipd exits and must be started again');
      this.onFenced(why);
      return true;
    }
    const gap = performance.now() - this.lastWatch;
    if (gap < (this.init.fenceAfterMs * 3) / 4) return false;
    if (!this.holdsAddresses()) {
      this.idleStall(gap);
      return false;
    }
    this.stalled = true;
    clearInterval(this.stallWatch);
    this.log.error({ stalledMs: Math.round(gap), fenceAfterMs: this.init.fenceAfterMs },
      `floatipd's event loop stood still for ${Math.round(gap)} ms (frozen or blocked): the guardian has removed, or is removing, `
      + 'this node\'s addresses and the cluster counts this node as dead, so floatipd exits and must be started again');
    this.onFenced(`event loop stalled for ${Math.round(gap)} ms`);
    return true;
  }

  private holdsAddresses(): boolean {
    return this.init.holdsAddresses?.() ?? true;
  }

  /**
   * The loop stood still (this one, or the fast-path worker's: `tickSilenceMs` then says how
   * long the guardian went without a tick), but the node holds nothing: no exit. If the guardian went long
   * enough without a tick to have fenced (it then ends), it is no longer trusted: unguarded
   * at once (a TAKE of the backlog is refused), killed, and replaced by `ended`.
   */
  private idleStall(gapMs: number, tickSilenceMs?: number): void {
    this.idleStalls++;
    this.lastWatch = performance.now();
    const link = this.link;
    const silenceMs = tickSilenceMs ?? link?.tickSilenceMs() ?? Infinity;
    const mayHaveFenced = silenceMs >= (this.init.fenceAfterMs * 9) / 10;
    const detail = `floatipd's event loop stood still for ${Math.round(gapMs)} ms while this node held no address`;
    this.log.warn({ stalledMs: Math.round(gapMs), fenceAfterMs: this.init.fenceAfterMs, idleStalls: this.idleStalls, guardianPid: link?.pid,
      ...(Number.isFinite(silenceMs) ? { tickSilenceMs: Math.round(silenceMs) } : {}) },
      `${detail}: nothing to fence, floatipd carries on; `
      + (mayHaveFenced ? 'its guardian may have fenced meanwhile, so it is replaced and this node takes nothing until the new one is ready'
        : 'its guardian got a tick within 9/10 of fence_after, so it keeps it'));
    if (!mayHaveFenced) return;
    this.loseGuardian('stalled', detail);
    if (link === undefined || this.replacedAfterStall === link) return;
    this.replacedAfterStall = link;
    link.kill();
  }

  private async spawnOne(): Promise<void> {
    const spawn = this.init.spawn ?? ((options, events) => GuardianLink.start(options, events));
    const start = async (placement: GuardianPlacement): Promise<KeptGuardian> => {
      const options = guardianLinkOptions(this.init.fenceAfterMs, this.notice, placement, ++this.serial);
      // The events fire only after the guardian said ready, so `started` is set by then.
      const started: KeptGuardian = await spawn(options, {
        ended: (end) => { if (started === this.link) this.ended(end); },
        silent: (ms) => { if (started === this.link) this.silent(started, ms); },
      });
      return started;
    };
    let link: KeptGuardian;
    try {
      link = await start(this.placement);
    } catch (error) {
      if (!(error instanceof GuardianError) || this.placement.kind === 'beside') throw error;
      // A guardian beside the daemon still fences a crash; only a kill of the whole unit would take it along.
      this.log.error({ placement: this.placement.kind }, `the guardian could not be started in a systemd scope (${error.message}): `
        + 'it runs in floatipd\'s own cgroup from now on, so a kill of the whole unit (systemctl kill, an OOM kill of the group) '
        + 'leaves the addresses to ExecStopPost\'s cleanup; check that systemd-run works for root');
      this.placement = { kind: 'beside' };
      link = await start(this.placement);
    }
    this.link = link;
    this.linkSince = monotonicNow();
    if (this.unguarded) {
      this.unguarded = false;
      this.init.onGuard?.({ guarded: true });
    }
  }

  /** A guardian that stopped answering would not fence a crash: it is unguarded now; kill it, and `ended` replaces it. */
  private silent(link: KeptGuardian, unansweredMs: number): void {
    if (this.closing) return;
    const detail = `the guardian (pid ${link.pid}) answered no tick for ${Math.round(unansweredMs)} ms (frozen or hung)`;
    this.log.error({ guardianPid: link.pid, unansweredMs: Math.round(unansweredMs) },
      `${detail}: it would not remove this node's addresses if floatipd died now, so floatipd hands them over, kills it and starts another`);
    this.loseGuardian('silent', detail);
    link.kill();
  }

  /** The guardian ended after a stall of a node that held nothing: a successor at once, not counted against maxRespawns. */
  private replaceAfterIdleStall(end: GuardianEnd): void {
    this.replacedAfterStall = undefined;
    this.loseGuardian('stalled', `the guardian ended (${end}) after floatipd's event loop stood still while this node held no address`);
    this.log.info({ end }, `the guardian ended (${end}) after a stall of a node that held nothing: starting a new one`);
    this.respawn();
  }

  private respawn(): void {
    this.spawnOne().then(
      () => this.log.info({ guardianPid: this.link?.pid }, 'guardian started again'),
      (error: unknown) => {
        this.log.error({}, `the guardian could not be started again: ${error instanceof Error ? error.message : String(error)}`);
        this.onFenced('guardian could not be restarted');
      },
    );
  }

  private loseGuardian(cause: UnguardedCause, detail: string): void {
    if (this.unguarded) return;
    this.unguarded = true;
    this.init.onGuard?.({ guarded: false, cause, detail });
  }

  private ended(end: GuardianEnd): void {
    const link = this.link;
    this.link = undefined;
    if (this.closing) return;
    const idle = !this.holdsAddresses();
    const replaced = link !== undefined && link === this.replacedAfterStall;
    if (replaced || (end === 'fenced-no-ticks' && idle)) {
      if (!replaced) {
        // Its fence reached this process before any check of the loop: the same stall, told by the guardian.
        this.idleStalls++;
        this.lastWatch = performance.now();
      }
      if (!idle && end !== 'killed') {
        // Not expected (an unguarded node takes nothing), but its guardian fenced: the addresses are gone.
        this.log.error({ end }, 'the guardian fenced after a stall while this node held addresses: floatipd exits and must be started again');
        this.onFenced(`guardian fenced (${end})`);
        return;
      }
      this.replaceAfterIdleStall(end);
      return;
    }
    if (end === 'fenced-pipe-closed' || end === 'fenced-no-ticks') {
      this.log.error({ end }, 'the guardian removed this node\'s public addresses (this daemon was frozen or its pipe broke): '
        + 'the cluster counts this node as dead, so floatipd exits and must be started again');
      this.onFenced(`guardian fenced (${end})`);
      return;
    }
    this.loseGuardian('ended', `the guardian ended (${end})`);
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
    this.respawn();
  }
}
