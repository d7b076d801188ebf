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
import { aheadWhileForking } from '../sched/priority';

/** How a started script ended: its exit code as a shell reports it, or a start error reported late. */
export type ScriptEnd =
  | { readonly kind: 'exited'; readonly exitCode: number }
  | { readonly kind: 'error'; readonly error: NodeJS.ErrnoException };

/** A script that was started: stdin /dev/null, a new session, its output readable here. */
export interface StartedScript {
  /** Its pid, also the id of its process group; undefined when it did not start. */
  readonly pid: number | undefined;
  /** What it writes to stdout and stderr: one stream holding both, or one each. */
  readonly outputs: readonly Readable[];
  /** Calls `listener` once, after the script has exited and was reaped, or could not start. */
  onEnd(listener: (end: ScriptEnd) => void): void;
}

/** Starts `path args...` with exactly `env`; throws an errno error (ENOENT, EACCES, ETXTBSY, ...) when it cannot. */
export type ScriptStarter = (path: string, args: readonly string[], env: NodeJS.ProcessEnv) => StartedScript;

/** The addon's call (native/spawn.h). */
export interface SpawnCalls {
  spawnScript(path: string, args: string[], env: string[], onExit: (code: number | null, signal: number | null) => void): { pid: number; output: number };
}

/** Exit code as a shell would report it: 128 + signal number for a script killed by a signal. */
export function exitCodeOf(code: number | null, signal: number | null): number {
  return code ?? 128 + (signal ?? 0);
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
function spawnError(error: unknown): NodeJS.ErrnoException {
  const native = error as NodeJS.ErrnoException;
  if (typeof native?.code !== 'string') return native;
  return Object.assign(new Error(`spawn ${native.code}`), { errno: native.errno, code: native.code, syscall: 'spawn', cause: native });
}

/**
 * Starts scripts with posix_spawn. stdout and stderr share one pipe, as CTDB's run_proc gives
 * its event scripts: the output keeps the order it was written in.
 */
export function startWithPosixSpawn(calls: SpawnCalls): ScriptStarter {
  return (path, args, env) => {
    let ended: ScriptEnd | undefined;
    let listener: ((end: ScriptEnd) => void) | undefined;
    let started: { pid: number; output: number };
    try {
      started = calls.spawnScript(path, [...args], environmentLines(env), (code, signal) => {
        ended = { kind: 'exited', exitCode: exitCodeOf(code, signal) };
        listener?.(ended);
      });
    } catch (error) {
      throw spawnError(error);
    }
    const output = new Socket({ fd: started.output, readable: true, writable: false });
    return {
      pid: started.pid,
      outputs: [output],
      onEnd(callback) {
        listener = callback;
        if (ended) callback(ended);
      },
    };
  };
}

/**
 * Starts scripts with Node's spawn (a fork), for an addon built before spawnScript. It forks
 * inside aheadWhileForking: fork() holds the process's mmap lock while it copies the page
 * tables, and a main thread preempted there stalled the real-time fast-path thread's page
 * faults with it (src/adapters/sched/priority.ts). posix_spawn copies nothing and needs no such help.
 */
export const startWithNodeSpawn: ScriptStarter = (path, args, env) => {
  const child = aheadWhileForking(() => spawn(path, [...args], { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true }));
  return {
    pid: child.pid,
    outputs: [child.stdout, child.stderr],
    onEnd(listener) {
      let ended = false;
      const once = (end: ScriptEnd): void => {
        if (ended) return;
        ended = true;
        listener(end);
      };
      // Some start failures (ENOENT, EACCES) come as an 'error' event rather than a throw.
      child.on('error', (error: NodeJS.ErrnoException) => once({ kind: 'error', error }));
      child.on('exit', (code, signal) => once({ kind: 'exited', exitCode: exitCodeOf(code, signal ? (osConstants.signals[signal] ?? 0) : null) }));
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
