// Runs `floatip` commands in-process: a loopback transport through the real codec and dispatch to a fake DaemonApi.

import { MemoryNetlink } from '../../../src/adapters/memory/netlink';
import { runCli } from '../../../src/cli/main';
import { buildCommands } from '../../../src/cli/commands';
import { CliIo, Command } from '../../../src/cli/command';
import { ControlCallError, ControlTransport } from '../../../src/client/control-client';
import { CliDeps } from '../../../src/cli/deps';
import { dispatchLine } from '../../../src/daemon/control/dispatch';
import { HANDLERS } from '../../../src/daemon/control/handlers';
import { CommandArgs, CommandName, DEFAULT_MAX_REPLY_BYTES, decodeReply, encodeRequest, ControlRequest } from '../../../src/protocol/control';
import { FakeDaemonApi, T0 } from '../daemon/control/fake-api';
import { RecordingLogger } from '../daemon/control/recording-logger';

export interface SentCall {
  readonly socketPath: string;
  readonly command: CommandName;
  readonly line: string;
  readonly timeoutMs: number;
}

/** Encodes like the real client, answers like the real server, decodes like the real client: only the socket is missing. */
class LoopbackTransport implements ControlTransport {
  constructor(private readonly harness: CliHarness, private readonly socketPath: string) {}

  async call<C extends CommandName>(command: C, args: CommandArgs[C], timeoutMs: number): Promise<unknown> {
    if (this.harness.unreachable) throw this.harness.unreachable;
    const line = encodeRequest({ id: 1, command, args } as ControlRequest).trimEnd();
    this.harness.sent.push({ socketPath: this.socketPath, command, line, timeoutMs });
    const replyLine = await dispatchLine(line, {
      api: this.harness.api, handlers: HANDLERS, logger: new RecordingLogger(), maxReplyBytes: DEFAULT_MAX_REPLY_BYTES,
    });
    const decoded = decodeReply(replyLine.trimEnd());
    if (!decoded.ok) throw decoded.error;
    const reply = decoded.reply;
    if (!reply.ok) throw new ControlCallError(reply.error.code, reply.error.message, reply.error.field);
    this.harness.received.push(reply.result);
    return reply.result;
  }
}

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** What a captured command may read: its standard input and files. */
export type CliInputs = Partial<Pick<CliIo, 'readStdin' | 'readFile'>>;

export interface CapturedIo {
  readonly io: CliIo;
  /** All the command wrote to stdout so far. */
  readonly out: () => string;
  /** All the command wrote to stderr so far. */
  readonly err: () => string;
}

/** readFile over an empty file system: every path is missing, as fs says it. */
async function noSuchFile(path: string): Promise<string> {
  throw Object.assign(new Error(`ENOENT: no such file or directory, open '${path}'`), { code: 'ENOENT' });
}

/** A CliIo that keeps what a command writes, for every test that runs one; stdin is empty and no file exists unless `inputs` say otherwise. */
export function captureIo(inputs: CliInputs = {}): CapturedIo {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: (t) => { stdout += t; },
    stderr: (t) => { stderr += t; },
    readStdin: inputs.readStdin ?? (async () => ''),
    readFile: inputs.readFile ?? noSuchFile,
  };
  return { io, out: () => stdout, err: () => stderr };
}

/** Runs `floatip ARGV` through runCli with a captured io: against `commands` when given, else the real command table. */
export async function runCommands(argv: readonly string[], commands?: readonly Command[], inputs: CliInputs = {}): Promise<CliRun> {
  const { io, out, err } = captureIo(inputs);
  const code = await runCli(argv, io, commands);
  return { code, stdout: out(), stderr: err() };
}

export class CliHarness {
  readonly api = new FakeDaemonApi();
  readonly sent: SentCall[] = [];
  /** The result of every successful call, as the CLI received it. */
  readonly received: unknown[] = [];
  readonly netlink = new MemoryNetlink({ veth0: {}, veth1: {} });
  env: Record<string, string | undefined> = { FLOATIP_SOCKET: '/tmp/test-floatip.sock' };
  files: Record<string, string> = {};
  /** When set, every call fails with it (daemon down, timeout ...). */
  unreachable: ControlCallError | undefined;
  /** The wall clock the CLI sees: one hour after the fake daemon started. */
  nowMs = T0 + 3_600_000;
  private monotonic = 1000;
  /** Called at each sleep of a command (wait-ok's polls). */
  onSleep: (() => void) | undefined;

  private readonly deps: CliDeps = {
    env: new Proxy({}, { get: (_t, key: string) => this.env[key] }),
    connect: (socketPath) => new LoopbackTransport(this, socketPath),
    now: () => this.nowMs,
    // Each reading advances 2.5 ms, so a call measures a round trip of 2.5 ms.
    monotonicMs: () => (this.monotonic += 2.5),
    // Time passes only as the command sleeps; `onSleep` lets a test change the daemon's answers meanwhile.
    sleep: async (ms) => { this.monotonic += ms; this.onSleep?.(); },
    openAddresses: async () => this.netlink,
  };

  run(...argv: string[]): Promise<CliRun> {
    return runCommands(argv, buildCommands(this.deps), {
      readFile: async (path) => (path in this.files ? this.files[path] : noSuchFile(path)),
    });
  }

  /** The request args the last call sent, as JSON. */
  lastArgs(): unknown {
    const last = this.sent[this.sent.length - 1];
    return (JSON.parse(last.line) as { args: unknown }).args;
  }
}
