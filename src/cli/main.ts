#!/usr/bin/env node
// Entry point of the `floatip` CLI: finds the command, runs it, turns errors into exit codes.

import { readFile } from 'node:fs/promises';
import { CliIo, EXIT_FAILED, EXIT_OK, EXIT_USAGE, UsageError } from './command';
import { commands } from './commands';

function topUsage(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  const lines = commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return `usage: floatip COMMAND [ARGS...]\n\ncommands:\n${lines.join('\n')}\n\nfloatip COMMAND --help shows the usage of one command.\n`;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout(topUsage());
    return name === undefined ? EXIT_USAGE : EXIT_OK;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    io.stderr(`floatip: unknown command '${name}'\n\n${topUsage()}`);
    return EXIT_USAGE;
  }
  if (args.includes('--help') || args.includes('-h')) {
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
    io.stderr(`floatip ${name}: ${(err as Error).message}\n`);
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
  });
}
