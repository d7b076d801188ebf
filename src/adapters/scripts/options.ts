// Options of the event-script runner, each with its documented default (config wires them later).

import { EventName } from './events';

export interface EventScriptOptions {
  /**
   * Directory of the scripts, `NN.name` each.
   * @default '/etc/floatip/events.d'
   */
  readonly dir: string;
  /**
   * The configuration directory, given to scripts as FLOATIP_BASE.
   * @default '/etc/floatip'
   */
  readonly configDir: string;
  /** This node's number, given to scripts as FLOATIP_PNN. */
  readonly pnn: number;
  /**
   * Time one event may take across all its scripts before the running script's
   * process group is killed and the event is TIMEDOUT. CTDB's EventScriptTimeout.
   * @default 30000
   */
  readonly timeoutMs: number;
  /**
   * Per-event overrides of `timeoutMs`, e.g. `{ monitor: 10000 }`.
   * @default {}
   */
  readonly eventTimeoutsMs: Partial<Record<EventName, number>>;
  /**
   * Bytes of stdout+stderr kept per script; the rest is dropped and the output marked truncated.
   * @default 65536
   */
  readonly outputLimitBytes: number;
  /**
   * The shell `KEY=value` file the shipped scripts read, given to scripts as
   * FLOATIP_SCRIPT_OPTIONS.
   * @default '/etc/floatip/script.options'
   */
  readonly scriptOptionsFile: string;
  /**
   * Extra environment for every script, on top of the daemon's own.
   * @default {}
   */
  readonly environment: Readonly<Record<string, string>>;
}

export const DEFAULT_EVENT_SCRIPT_OPTIONS: Omit<EventScriptOptions, 'pnn'> = {
  dir: '/etc/floatip/events.d',
  configDir: '/etc/floatip',
  timeoutMs: 30_000,
  eventTimeoutsMs: {},
  outputLimitBytes: 65_536,
  scriptOptionsFile: '/etc/floatip/script.options',
  environment: {},
};

/** Options with every unset field at its default. */
export function eventScriptOptions(given: Partial<EventScriptOptions> & { pnn: number }): EventScriptOptions {
  return { ...DEFAULT_EVENT_SCRIPT_OPTIONS, ...given };
}

/** The time budget of one event. */
export function eventTimeoutMs(options: EventScriptOptions, event: EventName): number {
  return options.eventTimeoutsMs[event] ?? options.timeoutMs;
}
