// The control commands between `floatip` and `floatipd` on the unix socket: the command table and the codec of its newline-delimited JSON requests and replies.
//
// A request is one line: {"id": 7, "command": "ban", "args": {"seconds": 30}}.
// A reply is one line: {"id": 7, "ok": true, "result": ...} or
// {"id": 7, "ok": false, "error": {"code": "E_...", "message": "...", "field": "args.seconds"}}.
// Every field of a request is checked against one table (COMMAND_ARGS, over the
// argument kinds of control-arg-kinds.ts); a bad request becomes a ControlError
// naming the field, which the server sends back as an error reply: a malformed
// request never throws. The socket's bytes become lines in control-line-reader.ts.

import { IpAddress, IpPrefix, Parsed } from '../core/ip';
import { Pnn } from '../core/flags';
import {
  address, ArgKind, boolean, choice, eventArgument, eventName, iface, JsonValue, listOf, pnn, prefix, scriptName, textMatching,
  wholeNumber,
} from './control-arg-kinds';

export type { JsonValue } from './control-arg-kinds';

export const DEFAULT_MAX_REQUEST_BYTES = 64 * 1024;
/** Replies can list every address and connection of a large cluster. */
export const DEFAULT_MAX_REPLY_BYTES = 16 * 1024 * 1024;

export type ControlErrorCode =
  | 'E_CONTROL_LINE_TOO_LONG'
  | 'E_CONTROL_BAD_UTF8'
  | 'E_CONTROL_BAD_JSON'
  | 'E_CONTROL_BAD_FIELD'
  | 'E_CONTROL_UNKNOWN_COMMAND'
  | 'E_CONTROL_TRUNCATED'
  /** Not from the wire: a reader built with an unusable option (a caller's bug). */
  | 'E_CONTROL_SETUP';

export class ControlError extends Error {
  /** `field` is a path into the message, as `args.ifaces[1]`. */
  constructor(readonly code: ControlErrorCode, message: string, readonly field?: string) {
    super(message);
    this.name = 'ControlError';
  }
}


export type ScriptAction = 'list' | 'enable' | 'disable';

/** The typed arguments of every command. */
export interface CommandArgs {
  status: Record<string, never>;
  /** `all`: every node's addresses (CTDB's `ip all`); else those of node `pnn` (default: this node). */
  ip: { readonly verbose?: boolean; readonly all?: boolean; readonly pnn?: Pnn };
  /** The interfaces of node `pnn` (default: this node), as this node last heard of them. */
  ifaces: { readonly pnn?: Pnn };
  /** Admin verbs act on the local node unless `pnn` names another (CTDB's -n). */
  disable: { readonly pnn?: Pnn };
  enable: { readonly pnn?: Pnn };
  stop: { readonly pnn?: Pnn };
  continue: { readonly pnn?: Pnn };
  ban: { readonly seconds: number; readonly pnn?: Pnn };
  unban: { readonly pnn?: Pnn };
  moveip: { readonly ip: IpAddress; readonly pnn: Pnn };
  addip: { readonly prefix: IpPrefix; readonly ifaces: readonly string[] };
  delip: { readonly ip: IpAddress };
  /** `nodes`: which nodes re-read their public_addresses (CTDB's -n LIST); absent: every node. */
  reloadips: { readonly nodes?: readonly Pnn[] };
  /** Every node re-reads `nodes`: appended lines join, commented-out lines leave (CTDB's reloadnodes). */
  reloadnodes: Record<string, never>;
  /** `rebalance`: LCP2 may move addresses onto these nodes although they hold some (CTDB's takeover helper list). */
  ipreallocate: { readonly rebalance?: readonly Pnn[] };
  gratarp: { readonly ip: IpAddress; readonly iface: string };
  gettickles: { readonly ip: IpAddress };
  'event-status': { readonly event?: string };
  'event-run': { readonly event: string; readonly args: readonly string[]; readonly timeoutMs: number };
  /** `name` is required for enable and disable, and absent for list. */
  'event-script': { readonly action: ScriptAction; readonly name?: string };
  leader: Record<string, never>;
  listnodes: Record<string, never>;
  ping: Record<string, never>;
  uptime: Record<string, never>;
  history: { readonly limit?: number };
  /** The `ctdb` stand-in of event scripts: CTDB's argv (and standard input) in, CTDB's output out. */
  'ctdb-tool': { readonly argv: readonly string[]; readonly stdin?: string };
}

export type CommandName = keyof CommandArgs;

export type ControlRequest = {
  readonly [C in CommandName]: { readonly id: number; readonly command: C; readonly args: CommandArgs[C] };
}[CommandName];

export type ControlReply =
  | { readonly id: number; readonly ok: true; readonly result: JsonValue }
  | { readonly id: number | null; readonly ok: false; readonly error: ControlReplyError };

export interface ControlReplyError {
  readonly code: string;
  readonly message: string;
  readonly field?: string;
}

interface ArgSpec<T> {
  readonly kind: ArgKind<T>;
  readonly optional: boolean;
}
type ArgsSpec<A> = { readonly [K in keyof A]-?: ArgSpec<NonNullable<A[K]>> };

const required = <T>(kind: ArgKind<T>): ArgSpec<T> => ({ kind, optional: false });
const maybe = <T>(kind: ArgKind<T>): ArgSpec<T> => ({ kind, optional: true });
const none = {} as ArgsSpec<Record<string, never>>;
const onNode = { pnn: maybe(pnn) };

/** Every command and its arguments: the one table requests are checked against. */
export const COMMAND_ARGS: { readonly [C in CommandName]: ArgsSpec<CommandArgs[C]> } = {
  status: none,
  ip: { verbose: maybe(boolean), all: maybe(boolean), pnn: maybe(pnn) },
  ifaces: onNode,
  disable: onNode,
  enable: onNode,
  stop: onNode,
  continue: onNode,
  ban: { seconds: required(wholeNumber(1, 0xffffffff, 'a number of seconds, 1 or more')), pnn: maybe(pnn) },
  unban: onNode,
  moveip: { ip: required(address), pnn: required(pnn) },
  addip: { prefix: required(prefix), ifaces: required(listOf(iface, 1, 16, true)) },
  delip: { ip: required(address) },
  reloadips: { nodes: maybe(listOf(pnn, 1, 4096, true)) },
  reloadnodes: none,
  ipreallocate: { rebalance: maybe(listOf(pnn, 1, 4096, true)) },
  gratarp: { ip: required(address), iface: required(iface) },
  gettickles: { ip: required(address) },
  'event-status': { event: maybe(eventName) },
  'event-run': {
    event: required(eventName),
    args: required(listOf(eventArgument, 0, 16, false)),
    timeoutMs: required(wholeNumber(1, 3_600_000, 'a timeout in milliseconds, 1..3600000')),
  },
  'event-script': { action: required(choice<ScriptAction>(['list', 'enable', 'disable'])), name: maybe(scriptName) },
  leader: none,
  listnodes: none,
  ping: none,
  uptime: none,
  history: { limit: maybe(wholeNumber(1, 100_000)) },
  'ctdb-tool': {
    argv: required(listOf(eventArgument, 0, 32, false)),
    stdin: maybe(textMatching('text of at most 49152 characters', (v) => v.length <= 49_152)),
  },
};

export const COMMAND_NAMES: readonly CommandName[] = Object.freeze(Object.keys(COMMAND_ARGS) as CommandName[]);

/** Rules that span two arguments. */
function crossCheck(command: CommandName, args: Record<string, unknown>): ControlError | undefined {
  if (command === 'event-script') {
    const wantsName = args.action !== 'list';
    if (wantsName && args.name === undefined) {
      return new ControlError('E_CONTROL_BAD_FIELD', `args.name is required to ${String(args.action)} a script`, 'args.name');
    }
    if (!wantsName && args.name !== undefined) {
      return new ControlError('E_CONTROL_BAD_FIELD', 'args.name must be left out when listing scripts', 'args.name');
    }
  }
  if (command === 'ip' && args.all === true && args.pnn !== undefined) {
    return new ControlError('E_CONTROL_BAD_FIELD', 'args.pnn must be left out with args.all: all lists every node', 'args.pnn');
  }
  if (command === 'addip') {
    const p = args.prefix as IpPrefix;
    // A host address needs a network prefix, or the kernel adds no subnet route and ARP goes nowhere useful.
    if (p.bits === 0) return new ControlError('E_CONTROL_BAD_FIELD', 'args.prefix must have a prefix length of 1 or more', 'args.prefix');
  }
  return undefined;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const has = (o: object, key: string): boolean => Object.prototype.hasOwnProperty.call(o, key);
const badField = (field: string, message: string): ControlError => new ControlError('E_CONTROL_BAD_FIELD', message, field);

export type DecodedRequest =
  | { readonly ok: true; readonly request: ControlRequest }
  | { readonly ok: false; readonly id: number | null; readonly error: ControlError };

const REQUEST_KEYS = ['id', 'command', 'args'];
const MAX_ID = Number.MAX_SAFE_INTEGER;

function parseJson(line: string): Parsed<unknown> {
  try {
    return { ok: true, value: JSON.parse(line) as unknown };
  } catch (err) {
    // JSON.parse throws SyntaxError on bad text and RangeError on absurd nesting.
    return { ok: false, error: err instanceof Error ? err.message : String(err) };
  }
}

/** Reads and checks one request line (without its newline). Never throws. */
export function decodeRequest(line: string): DecodedRequest {
  const json = parseJson(line);
  if (!json.ok) {
    return { ok: false, id: null, error: new ControlError('E_CONTROL_BAD_JSON', `the request is not JSON (${json.error}): send one JSON object per line`) };
  }
  const value = json.value;
  if (!isRecord(value)) {
    return { ok: false, id: null, error: badField('', 'the request must be a JSON object {"id": N, "command": "...", "args": {...}}') };
  }
  const rawId = value.id;
  const idValid = typeof rawId === 'number' && Number.isInteger(rawId) && rawId >= 0 && rawId <= MAX_ID;
  const id = idValid ? rawId : null;
  const fail = (error: ControlError): DecodedRequest => ({ ok: false, id, error });
  if (!idValid) return fail(badField('id', `id must be a whole number 0..${MAX_ID}, chosen by the client to match the reply`));
  const extra = Object.keys(value).find((key) => !REQUEST_KEYS.includes(key));
  if (extra !== undefined) return fail(badField(extra, `${JSON.stringify(extra)} is not a request field (use id, command, args)`));
  const command = value.command;
  if (typeof command !== 'string') return fail(badField('command', 'command must be a string naming the command'));
  if (!has(COMMAND_ARGS, command)) {
    return fail(new ControlError('E_CONTROL_UNKNOWN_COMMAND',
      `unknown command ${JSON.stringify(command.slice(0, 64))}: use one of ${COMMAND_NAMES.join(', ')}`, 'command'));
  }
  const name = command as CommandName;
  const rawArgs = has(value, 'args') ? value.args : {};
  if (!isRecord(rawArgs)) return fail(badField('args', 'args must be a JSON object'));
  const spec = COMMAND_ARGS[name] as Readonly<Record<string, ArgSpec<unknown>>>;
  const unknownArg = Object.keys(rawArgs).find((key) => !has(spec, key));
  if (unknownArg !== undefined) {
    const known = Object.keys(spec);
    return fail(badField(`args.${unknownArg}`, `${name} takes no argument ${JSON.stringify(unknownArg)}`
      + (known.length > 0 ? ` (it takes ${known.join(', ')})` : ' (it takes none)')));
  }
  const args: Record<string, unknown> = {};
  for (const [key, arg] of Object.entries(spec)) {
    if (!has(rawArgs, key) || rawArgs[key] === undefined) {
      if (!arg.optional) return fail(badField(`args.${key}`, `${name} needs args.${key}: ${arg.kind.expects}`));
      continue;
    }
    const parsed = arg.kind.parse(rawArgs[key]);
    if (!parsed.ok) return fail(badField(`args.${key}`, `args.${key} ${parsed.error}`));
    args[key] = parsed.value;
  }
  const cross = crossCheck(name, args);
  if (cross !== undefined) return fail(cross);
  return { ok: true, request: { id: rawId, command: name, args } as ControlRequest };
}

/** One request line, newline included. Throws ControlError if the values break the table (a caller's bug). */
export function encodeRequest(request: ControlRequest): string {
  const spec = COMMAND_ARGS[request.command] as Readonly<Record<string, ArgSpec<unknown>>> | undefined;
  if (spec === undefined) throw new ControlError('E_CONTROL_UNKNOWN_COMMAND', `unknown command ${String(request.command)}`, 'command');
  const args: Record<string, JsonValue> = {};
  const given = request.args as Readonly<Record<string, unknown>>;
  for (const [key, arg] of Object.entries(spec)) {
    if (given[key] !== undefined) args[key] = arg.kind.print(given[key]);
  }
  const line = JSON.stringify({ id: request.id, command: request.command, args });
  // Checking our own output keeps client and server on one definition of a valid request.
  const check = decodeRequest(line);
  if (!check.ok) throw check.error;
  return `${line}\n`;
}

/** The error reply for a request that failed (or could not be read). */
export function errorReply(id: number | null, error: { code: string; message: string; field?: string }): ControlReply {
  return { id, ok: false, error: { code: error.code, message: error.message, ...(error.field ? { field: error.field } : {}) } };
}

/** One reply line, newline included. */
export function encodeReply(reply: ControlReply): string {
  return `${JSON.stringify(reply)}\n`;
}

/** Reads and checks one reply line's envelope; `result` is the command handler's JSON, checked by its formatter. */
export function decodeReply(line: string): { ok: true; reply: ControlReply } | { ok: false; error: ControlError } {
  const json = parseJson(line);
  const fail = (field: string, message: string) => ({ ok: false as const, error: badField(field, `the daemon's reply ${message}`) });
  if (!json.ok) return { ok: false, error: new ControlError('E_CONTROL_BAD_JSON', `the daemon's reply is not JSON (${json.error})`) };
  const value = json.value;
  if (!isRecord(value)) return fail('', 'is not a JSON object');
  const id = value.id;
  const idValid = id === null || (typeof id === 'number' && Number.isInteger(id) && id >= 0 && id <= MAX_ID);
  if (!idValid) return fail('id', 'has no valid id');
  if (value.ok === true) {
    if (id === null) return fail('id', 'is a success without a request id');
    if (!has(value, 'result')) return fail('result', 'is a success without a result');
    return { ok: true, reply: { id, ok: true, result: value.result as JsonValue } };
  }
  if (value.ok !== false) return fail('ok', 'has no ok: true or false');
  const error = value.error;
  if (!isRecord(error) || typeof error.code !== 'string' || typeof error.message !== 'string') {
    return fail('error', 'is a failure without an error code and message');
  }
  if (error.field !== undefined && typeof error.field !== 'string') return fail('error.field', 'names a field that is not a string');
  return {
    ok: true,
    reply: errorReply(id as number | null, { code: error.code, message: error.message, ...(error.field !== undefined ? { field: error.field } : {}) }),
  };
}
