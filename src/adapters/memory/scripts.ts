// In-memory event runner: records every event and answers with statuses a test chose.

import { EventName, validateEventRequest } from '../scripts/events';
import { ScriptNameError, ScriptNotFoundError } from '../scripts/manage';
import { isScriptName } from '../scripts/catalog';
import { EventRunner, RunEventOptions, ScriptInfo } from '../scripts/port';
import { EventResult, EventStatus } from '../scripts/status';

/** A test's stand-in for an event's scripts: what they do (call the daemon back, hang) and the status they end with. */
export type EventBehaviour = (args: readonly string[]) => Promise<EventStatus>;

export interface RecordedEvent {
  readonly event: EventName;
  readonly args: readonly string[];
  readonly timeoutMs: number | undefined;
}

/**
 * Answers OK unless told otherwise. `answer(event, ...statuses)` queues the
 * next answers for an event; once used up, the event answers OK again.
 * Requests are validated exactly as the real runner does.
 */
export class MemoryEventRunner implements EventRunner {
  readonly calls: RecordedEvent[] = [];
  private readonly answers = new Map<EventName, EventStatus[]>();
  private readonly statuses = new Map<EventName, EventResult>();
  private readonly scripts = new Map<string, ScriptInfo>();
  private readonly behaviours = new Map<EventName, EventBehaviour>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Queues the statuses the next runs of `event` return, in order. */
  answer(event: EventName, ...statuses: EventStatus[]): this {
    this.answers.set(event, [...(this.answers.get(event) ?? []), ...statuses]);
    return this;
  }

  /** Runs `behaviour` for every later run of `event` (no queued answer applies); undefined removes it. */
  behave(event: EventName, behaviour: EventBehaviour | undefined): this {
    if (behaviour) this.behaviours.set(event, behaviour);
    else this.behaviours.delete(event);
    return this;
  }

  /** Adds a script to what `listScripts` shows. */
  addScript(info: ScriptInfo): this {
    this.scripts.set(info.name, info);
    return this;
  }

  /** How many times an event was run. */
  count(event: EventName): number {
    return this.calls.filter((call) => call.event === event).length;
  }

  async run(event: EventName, args: readonly string[] = [], options: RunEventOptions = {}): Promise<EventResult> {
    const request = validateEventRequest(event, args);
    this.calls.push({ event: request.event, args: request.args, timeoutMs: options.timeoutMs });
    const startedAtMs = this.now();
    const behaviour = this.behaviours.get(request.event);
    const status = behaviour ? await behaviour(request.args) : this.answers.get(event)?.shift() ?? 'OK';
    const failed = status === 'ERROR';
    const result: EventResult = {
      event: request.event,
      args: request.args,
      status,
      ...(failed ? { exitCode: 1 } : {}),
      startedAtMs,
      durationMs: this.now() - startedAtMs,
      scripts: [],
    };
    if (status !== 'CANCELLED' && status !== 'SKIPPED') this.statuses.set(event, result);
    return result;
  }

  lastStatus(event: EventName): EventResult | undefined {
    return this.statuses.get(event);
  }

  async listScripts(): Promise<ScriptInfo[]> {
    return [...this.scripts.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  async setScriptEnabled(name: string, enabled: boolean): Promise<void> {
    if (!isScriptName(name)) throw new ScriptNameError(`${JSON.stringify(name)} is not a script name`);
    const script = this.scripts.get(name);
    if (!script) throw new ScriptNotFoundError(`no script ${name}`);
    this.scripts.set(name, { ...script, enabled });
  }
}
