// The guardian process: watches the daemon's pipe and ticks, removes floatip's addresses if the daemon dies or freezes.
//
// Started by floatipd (guardian-client.ts) with the pipe on stdin, stdout for the
// one "ready" line and then one ack byte per tick, stderr shared with the daemon for its log line. It ignores
// SIGTERM, SIGINT and SIGHUP: a stopping daemon says goodbye when it has released
// its addresses, and one that dies closes the pipe; either way the guardian decides
// from the pipe, not from a signal aimed at the daemon's whole group.

import { setPriority } from 'node:os';
import { FenceCause } from '../protocol/frame-messages';
import { GuardianExitCode, GuardianVerdict, GuardianWatch, GUARDIAN_ACK, GUARDIAN_READY, parseGuardianArgs } from './guardian';
import { TaggedAddressFence } from './guardian-fence';
import { sendNotices } from './guardian-notice';
import { PeersLineReader } from './guardian-peers';
import { loadClusterKey } from '../adapters/peer/cluster-key';
import { systemClock } from '../adapters/clock';
import type * as Logging from './logging';
import { DeferredLogger } from './deferred-logger';

const GUARDIAN_NICE = -10;
/** The notices to the peers end by then (a peer cut off would otherwise hold the guardian's exit). */
const NOTICE_DEADLINE_MS = 1000;

// The daemon's log schema (logging.ts), on stderr: stdout carries the ready line and the acks.
// Made at the guardian's first line, which a normal run never writes: pino is a third of its
// module loading (the node it guards hosts nothing until the ready line, deferred-logger.ts)
// and 2.2 MiB of its RSS on every node (45.5 against 47.7 MiB). A fence writes its first line after the
// deletes and the peers' notices, so only the line and the exit wait for pino (30-160 ms
// measured on a loaded machine), never the fence.
let log = new DeferredLogger(() => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded when first needed, not at start (above)
  const { createLogger } = require('./logging') as typeof Logging;
  return createLogger({ fd: 2, base: { component: 'guardian' } });
});

/**
 * Starts the watch once the guardian can fence, not before: the daemon ticks only after it read
 * the ready line, and a start slower than fence_after (45 ms in the ultra profile, under load)
 * fenced itself before it was ready, so floatipd could not start. Until ready the node is
 * unguarded and holds nothing (runtime/guard.ts): nothing to watch yet.
 */
export async function whenReady(watch: { start(): void }, preparing: Promise<unknown>): Promise<void> {
  await preparing;
  watch.start();
}

export function runGuardian(args: readonly string[]): void {
  let fence: TaggedAddressFence;
  let options;
  try {
    options = parseGuardianArgs(args);
    if (options.notice !== undefined) log = log.child({ pnn: options.notice.pnn });
    fence = new TaggedAddressFence(options.addressProtocol);
  } catch (error) {
    log.error({}, `guardian cannot start: ${(error as Error).message}`);
    process.exit(GuardianExitCode.failed);
  }
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(signal, () => undefined);
  // When the daemon dies the guardian must get a CPU at once, even on a busy node; without CAP_SYS_NICE it keeps the default.
  try {
    setPriority(GUARDIAN_NICE);
  } catch {
    log.info({ nice: GUARDIAN_NICE }, 'guardian runs at normal priority (no CAP_SYS_NICE): fencing may wait for a CPU on a busy node');
  }

  // Read now, not when fencing: a notice must leave right after the deletes.
  let clusterKey: Uint8Array | undefined;
  const keyRead = options.notice === undefined ? Promise.resolve() : loadClusterKey(options.notice.keyFile).then(
    (key) => { clusterKey = key; },
    (error: Error) => log.warn({}, `guardian cannot read the cluster key, so it will not tell the peers when it fenced: ${error.message}`),
  );

  // Replaced by every peer list the daemon sends after a reloadnodes (guardian-peers.ts).
  let notice = options.notice;
  const peerLines = new PeersLineReader();
  const notify = async (cause: FenceCause, removed: number): Promise<void> => {
    if (notice === undefined || clusterKey === undefined || notice.peers.length === 0) return;
    const outcomes = await sendNotices(notice, clusterKey, { kind: 'fenced', pnn: notice.pnn, cause, removed }, NOTICE_DEADLINE_MS);
    const failed = outcomes.filter((o) => !o.ok);
    if (failed.length === 0) log.info({ notices: outcomes }, `told ${outcomes.length} peer(s) the addresses are gone`);
    else log.warn({ notices: outcomes }, `could not tell ${failed.length} of ${outcomes.length} peer(s) the addresses are gone: they wait out crash_grace`);
  };

  const act = async (verdict: GuardianVerdict): Promise<void> => {
    if (verdict.kind === 'bye') process.exit(GuardianExitCode.bye);
    const started = performance.now();
    try {
      const report = await fence.removeTagged();
      const fenceMs = +(performance.now() - started).toFixed(2);
      // Only a complete fence may shorten the peers' wait.
      if (report.failed.length === 0) await notify(verdict.cause, report.removed.length).catch(() => undefined);
      // A count on the fence's own line (a node may hold thousands); the list at debug.
      const fields = { cause: verdict.cause, silentMs: Math.round(verdict.silentMs), fenceMs, removed: report.removed.length, failed: report.failed };
      const message = verdict.cause === 'pipe-closed'
        ? 'floatipd died: removed its public addresses'
        : `floatipd sent no tick for ${Math.round(verdict.silentMs)} ms: removed its public addresses`;
      if (report.failed.length === 0) log.warn(fields, message);
      else log.error(fields, message);
      log.debug({ removed: report.removed.map((a) => `${a.address}/${a.bits}`) }, 'addresses removed by the guardian');
      process.exit(report.failed.length === 0
        ? (verdict.cause === 'pipe-closed' ? GuardianExitCode.fencedPipeClosed : GuardianExitCode.fencedNoTicks)
        : GuardianExitCode.failed);
    } catch (error) {
      log.error({ cause: verdict.cause }, `guardian could not remove the public addresses: ${(error as Error).message}; run \`floatip\`'s cleanup (ExecStopPost) or delete them by hand`);
      process.exit(GuardianExitCode.failed);
    }
  };

  let ready = false;
  // act() catches the fence's failures itself; anything past that must still end the guardian with `failed`, never hang it.
  const watch = new GuardianWatch(options.fenceAfterMs, systemClock(), (verdict) => {
    act(verdict).catch((error: unknown) => {
      log.error({ code: 'E_GUARDIAN_ACT', verdict: verdict.kind }, `guardian failed while fencing: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(GuardianExitCode.failed);
    });
  });
  // A dead daemon's end of stdout is closed: EPIPE must not end the guardian before it fenced.
  process.stdout.on('error', () => undefined);
  process.stdin.on('data', (chunk: Buffer) => {
    const { rest, lists } = peerLines.input(chunk);
    for (const peers of lists) {
      if (notice !== undefined) notice = { ...notice, peers };
      log.info({ peers: peers.map((p) => p.pnn) }, `the daemon's node set changed: a fence is told to ${peers.length} peer(s)`);
    }
    const ticks = watch.input(rest);
    // Acks only once ready: the daemon reads the ready line first, then counts single bytes.
    if (ticks > 0 && ready && watch.decided === undefined) process.stdout.write(Buffer.alloc(ticks, GUARDIAN_ACK));
  });
  process.stdin.on('end', () => watch.closed());
  process.stdin.on('error', () => watch.closed());
  process.stdin.on('close', () => watch.closed());
  whenReady(watch, Promise.all([fence.warmUp(), keyRead])).then(
    () => {
      ready = true;
      process.stdout.write(GUARDIAN_READY);
    },
    (error: Error) => {
      log.error({}, `guardian cannot read the addresses: ${error.message}`);
      process.exit(GuardianExitCode.failed);
    },
  );
}

if (require.main === module) runGuardian(process.argv.slice(2));
