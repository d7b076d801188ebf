// Starts one event script in its own session with its output on pipes: by the addon's posix_spawn, or by Node's spawn where the addon lacks it.
//
// Why posix_spawn: Node 20's spawn (libuv 1.46) forks, which copies the page tables of the whole
// ~80 MB daemon and then blocks the main loop until the child has exec'd. The monitor event
// alone starts every enabled script every 5 s; that was most of floatipd's CPU at rest, and
// under load one of the main loop's longest turns (50-150 ms). posix_spawn shares our memory
// until the exec (clone with CLONE_VM | CLONE_VFORK): ~0.04 ms instead of ~1.4 ms at 78 MB
// (docs/benchmarks.md "Script spawns without fork").

import { spawn } from 'node:child_process';
import { Socket } from 'node:net';
import { constants as osConstants } from 'node:os';
import { Readable } from 'node:stream';
import { nativeAddon } from '../packet/native';
import { aheadOfOrdinaryThreads } from '../sched/priority';

/** How a started script ended: its exit code as a shell reports it, or why it could not start. */
export type ScriptEnd =
  | { readonly kind: 'exited'; readonly exitCode: number }
  | { readonly kind: 'error'; readonly error: NodeJS.ErrnoException };

/** What a starter reports of its script, on the loop. */
export interface ScriptEvents {
  /** A piece of what it wrote to stdout or stderr. */
  output(chunk: Buffer): void;
  /** Called once: when the script has exited and was reaped, or could not start. */
  end(end: ScriptEnd): void;
}

/** A script being started or running: stdin /dev/null, in a new session (its own process group). */
export interface StartedScript {
  /** Kills its whole process group with SIGKILL: now, or as soon as it has started; nothing once it was reaped. */
  killGroup(): void;
  /**
   * After its end: calls `done` once its output pipes are closed, or after `graceMs` (a service
   * it started in the background may hold them open for ever), and closes them for good.
   */
  drainOutput(graceMs: number, done: () => void): void;
}

/** Starts `path args...` with exactly `env`. May throw an errno error (ENOENT, EACCES, ETXTBSY, ...) instead of reporting it. */
export type ScriptStarter = (path: string, args: readonly string[], env: NodeJS.ProcessEnv, events: ScriptEvents) => StartedScript;

/** The addon's call (native/spawn.h). */
export interface SpawnCalls {
  spawnScript(
    path: string,
    args: string[],
    env: string[],
    onStarted: (error: Error | null, pid?: number, output?: number) => void,
    onExit: (code: number | null, signal: number | null) => void,
  ): void;
}

/** Exit code as a shell would report it: 128 + signal number for a script killed by a signal. */
export function exitCodeOf(code: number | null, signal: number | null): number {
  return code ?? 128 + (signal ?? 0);
}

function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // ESRCH: the group is already gone.
  }
}

/** Calls `done` once every stream closed, or after `graceMs`, then destroys them. */
function drainStreams(streams: readonly Readable[], graceMs: number, done: () => void): void {
  let open = streams.length;
  let drained = false;
  const finish = (): void => {
    if (drained) return;
    drained = true;
    clearTimeout(grace);
    for (const stream of streams) stream.destroy();
    done();
  };
  const grace = setTimeout(finish, graceMs);
  const closed = (): void => {
    open -= 1;
    if (open === 0) finish();
  };
  for (const stream of streams) {
    if (stream.closed) closed(); else stream.once('close', closed);
  }
  if (streams.length === 0) finish();
}

/** `NAME=value` lines, as execve takes them; a name whose value is undefined is left out, as Node's spawn does. */
function environmentLines(env: NodeJS.ProcessEnv): string[] {
  const lines: string[] = [];
  for (const [name, value] of Object.entries(env)) if (value !== undefined) lines.push(`${name}=${value}`);
  return lines;
}

/**
 * The addon's error, worded as Node's spawn words its own (`spawn ETXTBSY`): the same answer
 * whichever way the script was started, with errno, code and syscall kept.
 */
function spawnError(error: Error): NodeJS.ErrnoException {
  const native = error as NodeJS.ErrnoException;
  if (typeof native.code !== 'string') return native;
  return Object.assign(new Error(`spawn ${native.code}`), { errno: native.errno, code: native.code, syscall: 'spawn', cause: native });
}

/**
 * Starts scripts with posix_spawn, on a thread of libuv's pool (native/spawn.cc says why).
 * stdout and stderr share one pipe, as CTDB's run_proc gives its event scripts: the output
 * keeps the order it was written in.
 */
export function startWithPosixSpawn(calls: SpawnCalls): ScriptStarter {
  return (path, args, env, events) => {
    let pid: number | undefined;
    let killWanted = false;
    let reaped = false;
    let output: Socket | undefined;
    const onStarted = (error: Error | null, startedPid?: number, fd?: number): void => {
      if (error || startedPid === undefined || fd === undefined) {
        events.end({ kind: 'error', error: spawnError(error ?? new Error('spawnScript reported neither a pid nor an error')) });
        return;
      }
      pid = startedPid;
      output = new Socket({ fd, readable: true, writable: false });
      output.on('data', (chunk: Buffer) => events.output(chunk));
      if (killWanted) killGroup(pid);
    };
    const onExit = (code: number | null, signal: number | null): void => {
      reaped = true;
      events.end({ kind: 'exited', exitCode: exitCodeOf(code, signal) });
    };
    calls.spawnScript(path, [...args], environmentLines(env), onStarted, onExit);
    return {
      killGroup() {
        if (reaped) return;
        if (pid === undefined) killWanted = true;
        else killGroup(pid);
      },
      drainOutput(graceMs, done) {
        drainStreams(output ? [output] : [], graceMs, done);
      },
    };
  };
}

/**
 * Starts scripts with Node's spawn (a fork), for an addon built before spawnScript. It forks
 * inside aheadOfOrdinaryThreads: fork() holds the process's mmap lock while it copies the page
 * tables, and a main thread preempted there stalled the real-time fast-path thread's page
 * faults with it (src/adapters/sched/priority.ts). posix_spawn copies nothing and needs no such help.
 */
export const startWithNodeSpawn: ScriptStarter = (path, args, env, events) => {
  const child = aheadOfOrdinaryThreads(() => spawn(path, [...args], { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true }));
  let ended = false;
  const end = (result: ScriptEnd): void => {
    if (ended) return;
    ended = true;
    events.end(result);
  };
  child.stdout.on('data', (chunk: Buffer) => events.output(chunk));
  child.stderr.on('data', (chunk: Buffer) => events.output(chunk));
  // Some start failures (ENOENT, EACCES) come as an 'error' event rather than a throw.
  child.on('error', (error: NodeJS.ErrnoException) => end({ kind: 'error', error }));
  child.on('exit', (code, signal) => end({ kind: 'exited', exitCode: exitCodeOf(code, signal ? (osConstants.signals[signal] ?? 0) : null) }));
  return {
    killGroup() {
      if (!ended && child.pid !== undefined) killGroup(child.pid);
    },
    drainOutput(graceMs, done) {
      drainStreams([child.stdout, child.stderr], graceMs, done);
    },
  };
};

let chosen: ScriptStarter | undefined;

/** How scripts start in this process: posix_spawn when the addon has it, else Node's spawn. */
export function scriptStarter(): ScriptStarter {
  if (chosen) return chosen;
  let calls: Partial<SpawnCalls> = {};
  try {
    calls = nativeAddon() as unknown as Partial<SpawnCalls>;
  } catch {
    // No addon at all: Node's spawn still runs scripts.
  }
  chosen = typeof calls.spawnScript === 'function' ? startWithPosixSpawn(calls as SpawnCalls) : startWithNodeSpawn;
  return chosen;
}
