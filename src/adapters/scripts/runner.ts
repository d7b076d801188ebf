// The event-script runner: one event at a time, scripts in order, CTDB's queueing, last status kept.

import { EventsDirectoryError, ScriptCatalog, ScriptEntry } from './catalog';
import { EventName, validateEventRequest } from './events';
import { listScripts, setScriptEnabled } from './manage';
import { EventScriptOptions, eventTimeoutMs } from './options';
import { EventRunner, RunEventOptions, ScriptInfo } from './port';
import { runScriptProcess, ScriptRun } from './process';
import { EventResult, EventStatus, ScriptResult } from './status';

interface Job {
  readonly event: EventName;
  readonly args: readonly string[];
  readonly timeoutMs: number;
  readonly abort: AbortController;
  readonly resolve: (result: EventResult) => void;
}

export class ScriptEventRunner implements EventRunner {
  private readonly catalog: ScriptCatalog;
  private readonly statuses = new Map<EventName, EventResult>();
  private readonly queue: Job[] = [];
  private current: Job | undefined;

  constructor(private readonly options: EventScriptOptions) {
    this.catalog = new ScriptCatalog(options.dir);
  }

  run(event: EventName, args: readonly string[] = [], runOptions: RunEventOptions = {}): Promise<EventResult> {
    let request: { event: EventName; args: string[] };
    try {
      request = validateEventRequest(event, args);
    } catch (err) {
      return Promise.reject(err);
    }
    if (request.event === 'monitor' && (this.current || this.queue.length > 0)) {
      const busyWith = this.current?.event ?? this.queue[0].event;
      return Promise.resolve(this.skipped(request.args, `event ${busyWith} is running or queued`));
    }
    if (this.current?.event === 'monitor') this.current.abort.abort();
    return new Promise((resolve) => {
      this.queue.push({
        event: request.event,
        args: request.args,
        timeoutMs: runOptions.timeoutMs ?? eventTimeoutMs(this.options, request.event),
        abort: new AbortController(),
        resolve,
      });
      this.pumpOn();
    });
  }

  lastStatus(event: EventName): EventResult | undefined {
    return this.statuses.get(event);
  }

  listScripts(): Promise<ScriptInfo[]> {
    return listScripts(this.catalog);
  }

  setScriptEnabled(name: string, enabled: boolean): Promise<void> {
    return setScriptEnabled(this.options.dir, name, enabled);
  }

  private async pump(): Promise<void> {
    if (this.current) return;
    const job = this.queue.shift();
    if (!job) return;
    this.current = job;
    let result: EventResult;
    try {
      result = await this.execute(job);
    } catch (err) {
      // Only a bug or an exhausted system gets here; the caller still gets an answer.
      const reason = `the runner failed: ${(err as Error).message}`;
      result = { event: job.event, args: job.args, status: 'CANNOT RUN', startedAtMs: Date.now(), durationMs: 0, scripts: [], reason };
    }
    this.current = undefined;
    if (result.status !== 'CANCELLED') this.statuses.set(job.event, result);
    job.resolve(result);
    this.pumpOn();
  }

  /** pump() answers every job, also when a script cannot run; a throw past that is a bug, said on stderr (the daemon's log). */
  private pumpOn(): void {
    this.pump().catch((error: unknown) => {
      this.current = undefined;
      process.stderr.write(`floatip events E_EVENT_RUNNER: the event queue failed: ${error instanceof Error ? error.message : String(error)}; please report this as a bug\n`);
    });
  }

  private skipped(args: readonly string[], reason: string): EventResult {
    return { event: 'monitor', args, status: 'SKIPPED', startedAtMs: Date.now(), durationMs: 0, scripts: [], reason };
  }

  private async execute(job: Job): Promise<EventResult> {
    const startedAtMs = Date.now();
    const started = performance.now();
    const elapsed = (): number => Math.round((performance.now() - started) * 1000) / 1000;
    const result = (status: EventStatus, scripts: ScriptResult[], extra: Partial<EventResult> = {}): EventResult => ({
      event: job.event, args: job.args, status, startedAtMs, durationMs: elapsed(), scripts, ...extra,
    });

    // A turn of the event loop per event: the directory's check is synchronous (catalog.ts), and
    // an event no script takes part in ends without a turn, so 333 releaseips at a stop held the
    // loop for one 150 ms turn, and a take's takeips for 57 ms.
    await new Promise<void>((resolve) => { setImmediate(resolve); });
    let entries: ScriptEntry[];
    try {
      entries = await this.catalog.list();
    } catch (err) {
      const reason = err instanceof EventsDirectoryError ? err.message : `cannot read ${this.options.dir}: ${(err as Error).message}`;
      return result('CANNOT RUN', [], { reason });
    }

    const scripts: ScriptResult[] = [];
    for (const entry of entries) {
      if (entry.declaredEvents && !entry.declaredEvents.includes(job.event)) continue;
      if (entry.problem) {
        scripts.push(notRun(entry, 'CANNOT RUN', entry.problem));
        return result('CANNOT RUN', scripts, { reason: `${entry.name}: ${entry.problem}` });
      }
      if (!entry.enabled) {
        scripts.push(notRun(entry, 'DISABLED', ''));
        continue;
      }
      if (job.abort.signal.aborted) return result('CANCELLED', scripts);
      const run = await runScriptProcess({
        path: entry.path,
        args: [job.event, ...job.args],
        env: this.environment(job.event),
        timeoutMs: job.timeoutMs - elapsed(),
        outputLimitBytes: this.options.outputLimitBytes,
        signal: job.abort.signal,
      });
      const scriptResult = toScriptResult(entry, run);
      switch (run.outcome.kind) {
        case 'exited':
          if (run.outcome.exitCode === 0) {
            scripts.push(scriptResult);
            continue;
          }
          scripts.push(scriptResult);
          return result('ERROR', scripts, { exitCode: run.outcome.exitCode });
        case 'timedout':
          scripts.push(scriptResult);
          return result('TIMEDOUT', scripts, { reason: `${entry.name} was still running after the event's ${job.timeoutMs} ms` });
        case 'cancelled':
          // A cancelled monitor leaves no trace of the half-run script.
          return result('CANCELLED', scripts, { reason: 'another event arrived while monitor was running' });
        case 'failed-to-start':
          scripts.push(scriptResult);
          return result('CANNOT RUN', scripts, { reason: `${entry.name}: ${run.outcome.reason}` });
      }
    }
    return result('OK', scripts);
  }

  private environment(event: EventName): NodeJS.ProcessEnv {
    return {
      ...process.env,
      ...this.options.environment,
      FLOATIP_PNN: String(this.options.pnn),
      FLOATIP_BASE: this.options.configDir,
      FLOATIP_EVENTS_DIR: this.options.dir,
      FLOATIP_EVENT: event,
      FLOATIP_SCRIPT_OPTIONS: this.options.scriptOptionsFile,
    };
  }
}

function notRun(entry: ScriptEntry, status: 'DISABLED' | 'CANNOT RUN', output: string): ScriptResult {
  return { name: entry.name, status, startedAtMs: 0, durationMs: 0, output, outputTruncated: false };
}

function toScriptResult(entry: ScriptEntry, run: ScriptRun): ScriptResult {
  const base = { name: entry.name, startedAtMs: run.startedAtMs, durationMs: run.durationMs, output: run.output, outputTruncated: run.outputTruncated };
  switch (run.outcome.kind) {
    case 'exited':
      return { ...base, status: run.outcome.exitCode === 0 ? 'OK' : 'ERROR', exitCode: run.outcome.exitCode };
    case 'timedout':
      return { ...base, status: 'TIMEDOUT' };
    case 'cancelled':
    case 'failed-to-start':
      return { ...base, status: 'CANNOT RUN' };
  }
}
