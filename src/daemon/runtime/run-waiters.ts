// Callers waiting on the leader's takeover runs: for the next run to finish (moveip, ipreallocate), or for none to be under way (reloadips).

import { TakeoverRunRecord } from '../../protocol/control-results';

interface RunWaiter {
  /** Runs started when the caller asked: any later run answers it. */
  readonly after: number;
  readonly resolve: (record: TakeoverRunRecord) => void;
}

export class RunWaiters {
  private readonly forRun: RunWaiter[] = [];
  private forIdle: Array<() => void> = [];

  /** Resolves when a run that starts after the `started`-th has finished (ok or failed). */
  nextRun(started: number): Promise<TakeoverRunRecord> {
    return new Promise((resolve) => this.forRun.push({ after: started, resolve }));
  }

  /** Resolves when the run under way ends. */
  idle(): Promise<void> {
    return new Promise((resolve) => this.forIdle.push(resolve));
  }

  /** No run is under way any more (it ended, or the runtime stopped). */
  idleNow(): void {
    for (const resolve of this.forIdle.splice(0)) resolve();
  }

  /** The `started`-th run ended with `record`; a superseded run answers nobody, the one that superseded it will. */
  ended(record: TakeoverRunRecord, started: number): void {
    if (record.status === 'superseded') return;
    const ready = this.forRun.filter((w) => w.after < started);
    this.forRun.splice(0, this.forRun.length, ...this.forRun.filter((w) => w.after >= started));
    for (const waiter of ready) waiter.resolve(record);
  }
}
