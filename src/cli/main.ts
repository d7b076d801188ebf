#!/usr/bin/env node
// Entry point of the `floatip` CLI: finds the command, runs it, turns errors into exit codes.

import { readFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { CliIo, Command, EXIT_FAILED, EXIT_OK, EXIT_USAGE } from './command';
import { UsageError } from '../client/usage-error';
import { buildCommands } from './commands';
import { UnixControlClient } from '../client/control-client';
import { CliDeps } from './deps';

function topUsage(commands: readonly Command[]): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  const lines = commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return `usage: floatip COMMAND [ARGS...]\n\ncommands:\n${lines.join('\n')}\n\n`
    + 'floatip COMMAND --help shows the usage of one command; floatip --version the version.\n'
    + 'Exit codes: 0 done, 1 refused or failed, 2 bad arguments, 3 floatipd not reachable.\n';
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** What the real CLI talks to: the daemon's unix socket, the clocks, the kernel (loaded only by `cleanup`). */
export const processDeps: CliDeps = {
  env: process.env,
  connect: (socketPath) => new UnixControlClient(socketPath),
  now: () => Date.now(),
  monotonicMs: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => { setTimeout(resolve, ms); }),
  openAddresses: async () => {
    const { RtnetlinkAdapter } = await import('../adapters/netlink/rtnetlink');
    return new RtnetlinkAdapter();
  },
};

let defaultCommands: readonly Command[] | undefined;

export async function runCli(argv: readonly string[], io: CliIo, commands?: readonly Command[]): Promise<number> {
  const table = commands ?? (defaultCommands ??= buildCommands(processDeps));
  const [name, ...args] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout(topUsage(table));
    return name === undefined ? EXIT_USAGE : EXIT_OK;
  }
  // As floatipd --version; the same as `floatip version`.
  const command = table.find((c) => c.name === (name === '--version' || name === '-V' ? 'version' : name));
  if (!command) {
    io.stderr(`floatip: unknown command '${name}'\n\n${topUsage(table)}`);
    return EXIT_USAGE;
  }
  // After `--` everything is an argument (event run ARGS), even `--help`.
  const options = args.includes('--') ? args.slice(0, args.indexOf('--')) : args;
  if (options.includes('--help') || options.includes('-h')) {
    io.stdout(`${command.usage}\n`);
    return EXIT_OK;
  }
  try {
    return await command.run(args, io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr(`floatip ${name}: ${err.message}\nTry 'floatip ${name} --help'.\n`);
      return EXIT_USAGE;
    }
    const code = (err as { code?: unknown }).code;
    io.stderr(`floatip ${name}: ${(err as Error).message}${typeof code === 'string' ? ` [${code}]` : ''}\n`);
    return EXIT_FAILED;
  }
}

if (require.main === module) {
  const io: CliIo = {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    readStdin,
    readFile: (path) => readFile(path, 'utf8'),
  };
  runCli(process.argv.slice(2), io).then((code) => {
    process.exitCode = code;
  }, (error: unknown) => {
    // runCli answers every failure with a status; a throw past it is a bug, said once without a stack trace dump.
    process.stderr.write(`floatip: internal error: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
}
