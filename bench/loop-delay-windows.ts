// Event-loop delay windows written by bench/loop-delay-preload.ts: their shape, and merging the windows of a stretch of time into one p99 and max.

/** Each window covers this long; its stamp `t` is its end. */
export const LOOP_DELAY_WINDOW_MS = 250;
/** While this file exists in the windows' directory, the preload does not sample (its timer would count in idle CPU). */
export const LOOP_DELAY_PAUSE_FILE = 'paused';

/** First line of a process's file. */
export interface LoopDelayHeader {
  readonly role: 'floatipd';
  readonly pid: number;
  /** The `--config` path floatipd got (it names the lab node). */
  readonly config: string;
  readonly t: number;
}

/** One window: samples, the max and perf_hooks' percentile points ([percent, ms], ascending), all in ms. */
export interface LoopDelayWindow {
  readonly t: number;
  readonly n: number;
  readonly max: number;
  readonly p: ReadonlyArray<readonly [number, number]>;
}

export interface LoopDelayFigure {
  readonly p99_ms: number;
  readonly max_ms: number;
  /** Windows merged. */
  readonly windows: number;
}

/** Windows that ended within [from, to + one window]: those that cover any of the stretch. */
export function windowsWithin(windows: readonly LoopDelayWindow[], from: number, to: number): LoopDelayWindow[] {
  return windows.filter((w) => w.t >= from && w.t <= to + LOOP_DELAY_WINDOW_MS);
}

/**
 * p99 over several windows: the least delay d such that at least 99 % of all samples were
 * <= d, where a window counts as <= d the share its highest percentile point <= d says (a
 * step below the true curve, so the figure errs high, never low). Max: the largest max.
 * Undefined when there is no window.
 */
export function mergeWindows(windows: readonly LoopDelayWindow[]): LoopDelayFigure | undefined {
  const total = windows.reduce((n, w) => n + w.n, 0);
  if (total === 0) return undefined;
  const shareAtOrBelow = (d: number): number => windows.reduce((sum, w) => {
    let pct = 0;
    for (const [p, value] of w.p) if (value <= d && p > pct) pct = p;
    return sum + (w.n * pct) / 100;
  }, 0) / total;
  const candidates = [...new Set(windows.flatMap((w) => [...w.p.map(([, v]) => v), w.max]))].sort((a, b) => a - b);
  const p99 = candidates.find((d) => shareAtOrBelow(d) >= 0.99) ?? candidates[candidates.length - 1];
  return { p99_ms: p99, max_ms: Math.max(...windows.map((w) => w.max)), windows: windows.length };
}

/** Parses one process's file: its header and windows; undefined for a file without a header. */
export function parseLoopDelayFile(text: string): { readonly header: LoopDelayHeader; readonly windows: LoopDelayWindow[] } | undefined {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const parsed = lines.flatMap((line) => {
    try {
      return [JSON.parse(line) as Record<string, unknown>];
    } catch {
      return []; // a line cut short by a kill -9
    }
  });
  const header = parsed[0];
  if (header === undefined || typeof header.role !== 'string') return undefined;
  return { header: header as unknown as LoopDelayHeader, windows: parsed.slice(1).filter((w) => typeof w.n === 'number') as unknown as LoopDelayWindow[] };
}
