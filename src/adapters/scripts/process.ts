// Runs one script as its own process group with a deadline, a cancel signal and capped output.

import { ScriptEnd, scriptStarter, ScriptStarter, StartedScript } from './script-start';

export interface ScriptRunRequest {
  readonly path: string;
  readonly args: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  /** Time left for this script; at the end its whole process group is killed. */
  readonly timeoutMs: number;
  readonly outputLimitBytes: number;
  /** Aborting kills the process group (a monitor cancelled by another event). */
  readonly signal?: AbortSignal;
}

export type ScriptOutcome =
  | { readonly kind: 'exited'; readonly exitCode: number }
  | { readonly kind: 'timedout' }
  | { readonly kind: 'cancelled' }
  | { readonly kind: 'failed-to-start'; readonly reason: string; readonly code?: string };

export interface ScriptRun {
  readonly outcome: ScriptOutcome;
  readonly startedAtMs: number;
  readonly durationMs: number;
  readonly output: string;
  readonly outputTruncated: boolean;
}

/**
 * After the script exits, how long to wait for its output pipes to close. A
 * service it started in the background may hold them open forever; we must not.
 */
const PIPE_DRAIN_GRACE_MS = 100;

/**
 * A script being written while we start it (an admin's `cp`, a package upgrade, a lab fault
 * installing its script) cannot be executed: ETXTBSY, "text file busy". It is a moment, not a
 * fault of the script: start it again a few times, ETXTBSY_RETRY_MS apart, before giving up.
 * CI saw a whole ipreallocated event fail on it, and with it a takeover run.
 */
const ETXTBSY_ATTEMPTS = 5;
const ETXTBSY_RETRY_MS = 20;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs the script like runScriptOnce, starting it again while its file is busy being written
 * (ETXTBSY). `start` is how (script-start.ts): posix_spawn where the addon has it.
 */
export async function runScriptProcess(request: ScriptRunRequest, start: ScriptStarter = scriptStarter()): Promise<ScriptRun> {
  for (let attempt = 1; ; attempt++) {
    const run = await runScriptOnce(request, start);
    const busy = run.outcome.kind === 'failed-to-start' && run.outcome.code === 'ETXTBSY';
    if (!busy || attempt >= ETXTBSY_ATTEMPTS || request.signal?.aborted) return run;
    await sleep(ETXTBSY_RETRY_MS);
  }
}

/** A script that could not be started, with the errno code (ETXTBSY is tried again) and a hint where one helps. */
function failedToStart(path: string, err: NodeJS.ErrnoException): ScriptOutcome {
  const hint = err.code === 'ENOENT' || err.code === 'ENOEXEC' || err.code === 'EACCES' ? ': check its #! line names an installed interpreter' : '';
  return { kind: 'failed-to-start', reason: `cannot execute ${path}: ${err.message}${hint}`, ...(err.code ? { code: err.code } : {}) };
}

/** Output of both streams in arrival order, up to a byte limit. */
class CappedOutput {
  private readonly chunks: Buffer[] = [];
  private size = 0;
  truncated = false;

  constructor(private readonly limit: number) {}

  add(chunk: Buffer): void {
    const room = this.limit - this.size;
    if (chunk.length > room) this.truncated = true;
    if (room <= 0) return;
    const kept = chunk.length > room ? chunk.subarray(0, room) : chunk;
    this.chunks.push(kept);
    this.size += kept.length;
  }

  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}

/**
 * Runs `path args...` with stdin from /dev/null in a new session, so the
 * script and everything it forks share one process group that a timeout or a
 * cancel kills with SIGKILL (a child ignoring SIGTERM still dies).
 */
function runScriptOnce(request: ScriptRunRequest, start: ScriptStarter): Promise<ScriptRun> {
  const startedAtMs = Date.now();
  const started = performance.now();
  const output = new CappedOutput(request.outputLimitBytes);
  const finish = (outcome: ScriptOutcome): ScriptRun => ({
    outcome,
    startedAtMs,
    durationMs: Math.round((performance.now() - started) * 1000) / 1000,
    output: outcome.kind === 'failed-to-start' ? outcome.reason : output.text(),
    outputTruncated: output.truncated,
  });

  return new Promise((resolve) => {
    if (request.signal?.aborted) {
      resolve(finish({ kind: 'cancelled' }));
      return;
    }
    let stopReason: 'timedout' | 'cancelled' | undefined;
    let settled = false;
    let child: StartedScript | undefined;
    const stop = (why: 'timedout' | 'cancelled'): void => {
      if (stopReason) return;
      stopReason = why;
      child?.killGroup();
    };
    const timer = setTimeout(() => stop('timedout'), Math.max(0, request.timeoutMs));
    const onAbort = (): void => stop('cancelled');
    request.signal?.addEventListener('abort', onAbort, { once: true });
    const onEnd = (end: ScriptEnd): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      request.signal?.removeEventListener('abort', onAbort);
      if (end.kind === 'error') {
        resolve(finish(failedToStart(request.path, end.error)));
        return;
      }
      const outcome: ScriptOutcome = stopReason ? { kind: stopReason } : { kind: 'exited', exitCode: end.exitCode };
      if (child) child.drainOutput(PIPE_DRAIN_GRACE_MS, () => resolve(finish(outcome)));
      else resolve(finish(outcome)); // ended within start(): nothing was read
    };
    try {
      child = start(request.path, request.args, request.env, { output: (chunk) => output.add(chunk), end: onEnd });
    } catch (error) {
      // Some start failures are thrown rather than reported at the end (ETXTBSY among them): the same answer.
      onEnd({ kind: 'error', error: error as NodeJS.ErrnoException });
    }
  });
}
