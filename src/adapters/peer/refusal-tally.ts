// Refused mesh connections, counted by code and source and reported once per interval: a flood must not become a log flood.
//
// The first refusal after a quiet interval is reported at once (so an operator sees it
// start); every later one in the interval only counts, and the interval ends with one
// report of the counts, if there were any. A connection that never sent a byte is no
// peer to be told anything about, so refusals never go out one event each.

import { Clock } from '../clock';

export interface RefusalReport {
  /** Connections refused, by code. */
  readonly counts: Readonly<Record<string, number>>;
  /** Connections refused, by source address. */
  readonly sources: Readonly<Record<string, number>>;
  /** How long the counts were gathered over (0 for the first one, reported at once). */
  readonly intervalMs: number;
}

/** A tally only schedules the end of its interval; the mesh gives it background (unref'd) real time. */
export type TallyClock = Pick<Clock, 'schedule'>;

export const REFUSAL_REPORT_INTERVAL_MS = 10_000;

export class RefusalTally {
  private counts = new Map<string, number>();
  private sources = new Map<string, number>();
  private cancel: (() => void) | undefined;

  constructor(private readonly report: (report: RefusalReport) => void, private readonly clock: TallyClock,
    private readonly intervalMs = REFUSAL_REPORT_INTERVAL_MS) {}

  refused(code: string, source: string): void {
    if (this.cancel === undefined) {
      this.report({ counts: { [code]: 1 }, sources: { [source]: 1 }, intervalMs: 0 });
      this.startInterval();
      return;
    }
    this.counts.set(code, (this.counts.get(code) ?? 0) + 1);
    this.sources.set(source, (this.sources.get(source) ?? 0) + 1);
  }

  /** Reports what is counted and stops the interval (the mesh stops). */
  flush(): void {
    this.cancel?.();
    this.cancel = undefined;
    this.reportCounted();
  }

  private startInterval(): void {
    this.cancel = this.clock.schedule(this.intervalMs, () => {
      this.cancel = undefined;
      if (this.reportCounted()) this.startInterval();
    });
  }

  private reportCounted(): boolean {
    if (this.counts.size === 0) return false;
    const report = { counts: Object.fromEntries(this.counts), sources: Object.fromEntries(this.sources), intervalMs: this.intervalMs };
    this.counts = new Map();
    this.sources = new Map();
    this.report(report);
    return true;
  }
}

/** One log line for a report: the counts by code and by source. */
export function describeRefusals(report: RefusalReport): string {
  const list = (table: Readonly<Record<string, number>>): string => Object.entries(table).map(([key, n]) => `${key} ${n}`).join(', ');
  if (report.intervalMs === 0) {
    return `refused a mesh connection from ${Object.keys(report.sources).join(', ')} (${Object.keys(report.counts).join(', ')}); `
      + `more are counted and reported every ${REFUSAL_REPORT_INTERVAL_MS / 1000} s`;
  }
  const total = Object.values(report.counts).reduce((sum, n) => sum + n, 0);
  return `refused ${total} more mesh connection(s) in the last ${report.intervalMs / 1000} s: ${list(report.counts)} (from ${list(report.sources)})`;
}
