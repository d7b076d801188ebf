// The last takeover runs, newest first, for `floatip history` and `floatip uptime`.

import { TakeoverRunRecord } from '../../protocol/control-results';

export class RunHistory {
  private readonly records: TakeoverRunRecord[] = [];

  constructor(private readonly limit: number) {}

  add(record: TakeoverRunRecord): void {
    this.records.unshift(record);
    if (this.records.length > this.limit) this.records.length = this.limit;
  }

  /** Newest first; `limit` caps how many. */
  list(limit?: number): TakeoverRunRecord[] {
    return this.records.slice(0, limit === undefined ? this.records.length : Math.max(0, limit));
  }

  /** The newest run that finished (ok or failed), if any. */
  lastFinished(): TakeoverRunRecord | undefined {
    return this.records.find((r) => r.status !== 'superseded');
  }
}
