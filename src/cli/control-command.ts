// Builds a `floatip` command that sends one control request: shared options (--json, --socket), the call, the output.

import { CommandArgs, CommandName } from '../protocol/control';
import { OptionSpec, ParsedArgs, parseArgs } from './args';
import { CliIo, Command, EXIT_FAILED, EXIT_OK, EXIT_UNREACHABLE } from './command';
import { ControlCallError } from '../client/control-client';
import { CliDeps } from './deps';
import { LocalSettingsSources } from './local-settings';
import { resolveSocketPath } from './socket-path';

/** Most commands answer at once; commands that wait for a takeover run get longer. */
export const DEFAULT_CALL_TIMEOUT_MS = 10_000;
export const TAKEOVER_CALL_TIMEOUT_MS = 60_000;

export interface ControlCall<C extends CommandName> {
  readonly command: C;
  readonly args: CommandArgs[C];
  readonly timeoutMs?: number;
}

/** What a formatter gets besides the result. */
export interface OutputContext {
  readonly parsed: ParsedArgs;
  /** Round trip of the call as the CLI measured it, ms. */
  readonly roundTripMs: number;
  /** Wall clock when the reply arrived, epoch ms. */
  readonly nowMs: number;
}

/** Human text, and the exit code when a successful call still means failure (an event that failed). */
export type Output = string | { readonly text: string; readonly exitCode: number };

export interface ControlCommandSpec<C extends CommandName> {
  readonly name: string;
  readonly summary: string;
  /** Usage lines and description; the shared options are appended. */
  readonly usage: string;
  readonly options?: readonly OptionSpec[];
  /** argv (already parsed) to the request; throws UsageError on bad arguments. `local` reads floatip.toml if needed. */
  readonly request: (parsed: ParsedArgs, local: LocalSettingsSources) => ControlCall<C> | Promise<ControlCall<C>>;
  /** The daemon's result to human text; checks the result's shape first. */
  readonly format: (result: unknown, context: OutputContext) => Output;
}

export const SHARED_OPTIONS: readonly OptionSpec[] = [
  { name: '--json', takesValue: false },
  { name: '--socket', takesValue: true, valueName: 'PATH' },
];

export const SHARED_USAGE = `
  --json          print the daemon's result as JSON instead of text
  --socket PATH   the daemon's control socket (default: $FLOATIP_SOCKET, else control.socket
                  of $FLOATIP_CONFIG or /etc/floatip/floatip.toml, else /run/floatip/control.sock)`;

/** Exit codes: 0 done, 1 refused or failed, 2 bad arguments, 3 floatipd unreachable. */
export function exitCodeOf(error: ControlCallError): number {
  return error.fromDaemon ? EXIT_FAILED : EXIT_UNREACHABLE;
}

export function controlCommand<C extends CommandName>(spec: ControlCommandSpec<C>, deps: CliDeps): Command {
  const options = [...(spec.options ?? []), ...SHARED_OPTIONS];
  return {
    name: spec.name,
    summary: spec.summary,
    usage: `${spec.usage}\n${SHARED_USAGE}`,
    async run(args: readonly string[], io: CliIo): Promise<number> {
      const parsed = parseArgs(args, options);
      // One line per warning, though the command and the socket path may both read the file.
      const warned = new Set<string>();
      const warn = (line: string): void => {
        if (!warned.has(line)) io.stderr(`floatip ${spec.name}: ${line}\n`);
        warned.add(line);
      };
      const local: LocalSettingsSources = { env: deps.env, readFile: io.readFile, warn };
      const call = await spec.request(parsed, local);
      const socketPath = await resolveSocketPath(parsed.values.get('--socket'), local);
      const started = deps.monotonicMs();
      let result: unknown;
      try {
        result = await deps.connect(socketPath).call(call.command, call.args, call.timeoutMs ?? DEFAULT_CALL_TIMEOUT_MS);
      } catch (err) {
        if (!(err instanceof ControlCallError)) throw err;
        const field = err.field ? ` (field ${err.field})` : '';
        io.stderr(`floatip ${spec.name}: ${err.message}${field} [${err.code}]\n`);
        return exitCodeOf(err);
      }
      const context: OutputContext = { parsed, roundTripMs: deps.monotonicMs() - started, nowMs: deps.now() };
      const output = spec.format(result, context);
      const exitCode = typeof output === 'string' ? EXIT_OK : output.exitCode;
      if (parsed.flags.has('--json')) io.stdout(`${JSON.stringify(result, null, 2)}\n`);
      else io.stdout(typeof output === 'string' ? output : output.text);
      return exitCode;
    },
  };
}
