// Scheduling class of the threads the cluster's liveness waits on (the fast-path thread, the guardian): SCHED_RR where permitted, else nice -10.
//
// native/realtime.cc says why nice alone is not enough: with autogroup scheduling a nice value
// counts only within the thread's own session, so a busy main thread starved its own fast-path
// thread (whole-process gaps of 100-140 ms in CPU profiles of the fast profile with 1000
// addresses). SCHED_RR runs ahead of every ordinary thread, as corosync and keepalived do.

import { readlinkSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';
import { nativeAddon } from '../packet/native';

/** SCHED_RR priority: low in the real-time range (kernel threads that must preempt us use 50-99). */
export const LIVENESS_RT_PRIORITY = 10;
/** The fallback without SCHED_RR: ahead of the main loop's heavy work at least within the process. */
export const LIVENESS_NICE = -10;

export interface RealtimeCalls {
  setRealtime(tid: number, priority: number): void;
  setOrdinary(tid: number): void;
}

/**
 * SCHED_RR priority of an ordinary thread for a moment in which a liveness thread may wait for
 * it: below the liveness threads, above everything ordinary. Why: see aheadOfOrdinaryThreads.
 */
export const AHEAD_RT_PRIORITY = 1;

/** How a thread now runs: in SCHED_RR, at the fallback nice value, or as it was (with why). */
export type PriorityOutcome =
  | { readonly kind: 'realtime'; readonly priority: number }
  | { readonly kind: 'nice'; readonly nice: number; readonly why: string }
  | { readonly kind: 'ordinary'; readonly why: string };

interface NiceCalls {
  getPriority(id: number): number;
  setPriority(id: number, nice: number): void;
}

function realtimeCalls(): RealtimeCalls {
  const addon = nativeAddon() as unknown as Partial<RealtimeCalls>;
  if (typeof addon.setRealtime !== 'function' || typeof addon.setOrdinary !== 'function') throw new Error('the native addon has no setRealtime: it is older than this floatip; rebuild it with `npm ci`');
  return addon as RealtimeCalls;
}

/**
 * Puts thread (or process) `id` in SCHED_RR; where that is refused (no CAP_SYS_NICE, a
 * container without real-time budget, an addon too old) it lowers the nice value instead.
 * Never throws: a thread that keeps its class still works, only later under load.
 */
export function raiseLivenessPriority(id: number, calls: { realtime?: () => RealtimeCalls; nice?: NiceCalls } = {}): PriorityOutcome {
  let why: string;
  try {
    (calls.realtime ?? realtimeCalls)().setRealtime(id, LIVENESS_RT_PRIORITY);
    return { kind: 'realtime', priority: LIVENESS_RT_PRIORITY };
  } catch (error) {
    why = `SCHED_RR refused: ${(error as Error).message}`;
  }
  const nice = calls.nice ?? { getPriority, setPriority };
  try {
    if (nice.getPriority(id) > LIVENESS_NICE) nice.setPriority(id, LIVENESS_NICE);
    return { kind: 'nice', nice: LIVENESS_NICE, why };
  } catch (error) {
    return { kind: 'ordinary', why: `${why}; nice ${LIVENESS_NICE} refused: ${(error as Error).message}` };
  }
}

let aheadCalls: RealtimeCalls | null | undefined;

/**
 * Runs `work` (synchronous) with the calling thread in SCHED_RR, then puts it back in the
 * ordinary class: for a moment in which the thread holds a lock a liveness thread (SCHED_RR)
 * may wait for. An ordinary thread holding such a lock can be preempted by other processes'
 * threads and kept off the CPU for as long as the fair class likes; the real-time thread then
 * stands still with it, as if the whole process had (priority inversion: the kernel boosts the
 * holder of a priority-inheriting futex only, and these locks are not). Two such moments:
 *   - fork(): it holds the process's mmap lock for writing while it copies the page tables, and
 *     a page fault of any other thread waits for it. A CPU profile of an ultra-profile daemon
 *     showed the main thread 82 ms inside spawn() for a monitor script and its fast-path thread
 *     idle without a sample for 52 ms of it; the daemon ended on its 'frozen' verdict. Ahead of
 *     ordinary threads the lock is held for the copy only (2-5 ms).
 *   - postMessage() to the fast-path worker: Node queues the message under the receiving port's
 *     mutex and wakes the worker (an eventfd write) before it lets go of it. The wake-up makes
 *     the syscall's return a preemption point: in `perf sched` of an ultra-profile lab with 1000
 *     addresses (2026-12-07 18:51 UTC), node 2's main thread was preempted there by another
 *     daemon's real-time thread and then waited 93 ms behind ordinary threads, runnable, while
 *     its worker, woken by that very message, waited on the mutex in MessagePort::OnMessage;
 *     the worker judged the process frozen (100 ms) and it exited. FastPath posts through this.
 * Where SCHED_RR is refused it just runs `work`. A process forked meanwhile starts in the
 * ordinary class (SCHED_RESET_ON_FORK).
 */
export function aheadOfOrdinaryThreads<T>(work: () => T, calls: RealtimeCalls | null = defaultAheadCalls()): T {
  let raised = false;
  try {
    calls?.setRealtime(0, AHEAD_RT_PRIORITY);
    raised = calls !== null;
  } catch {
    // Not permitted: run as an ordinary thread.
  }
  try {
    return work();
  } finally {
    if (raised) calls?.setOrdinary(0);
  }
}

/** The addon's calls, looked up once; null when the addon lacks them (run as before). */
function defaultAheadCalls(): RealtimeCalls | null {
  if (aheadCalls === undefined) {
    try {
      aheadCalls = realtimeCalls();
    } catch {
      aheadCalls = null;
    }
  }
  return aheadCalls;
}

/** The calling thread's kernel id (`/proc/thread-self` links to PID/task/TID), or undefined off Linux. */
export function threadId(): number | undefined {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    return Number.isSafeInteger(tid) && tid > 0 ? tid : undefined;
  } catch {
    return undefined;
  }
}
