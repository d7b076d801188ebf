#!/usr/bin/env node
// Entry point of `floatipd`: reads the command line, runs the daemon (wiring/floatipd.ts), exits with its status.

import { readFile } from 'node:fs/promises';
import { checkClusterKeyFile } from '../adapters/peer/cluster-key';
import { checkConfig } from './wiring/check-config';
import { DAEMON_USAGE } from '../config/daemon-usage';
import { DaemonArgsError, parseDaemonArgs } from './wiring/daemon-args';
import { EXIT, runFloatipd } from './wiring/floatipd';
import { floatipVersion } from '../version';

async function main(argv: readonly string[]): Promise<number> {
  let command;
  try {
    command = parseDaemonArgs(argv, process.env);
  } catch (error) {
    if (!(error instanceof DaemonArgsError)) throw error;
    process.stderr.write(`floatipd: ${error.message}\n\n${DAEMON_USAGE}\n`);
    return EXIT.config;
  }
  if (command.kind === 'help') {
    process.stdout.write(`${DAEMON_USAGE}\n`);
    return EXIT.ok;
  }
  if (command.kind === 'version') {
    process.stdout.write(`floatipd ${floatipVersion()}\n`);
    return EXIT.ok;
  }
  if (command.kind === 'check-config') {
    return checkConfig(command.configPath, {
      readFile: (path) => readFile(path, 'utf8'),
      stdout: (text) => { process.stdout.write(text); },
      stderr: (text) => { process.stderr.write(text); },
      checkClusterKey: checkClusterKeyFile,
    });
  }
  return runFloatipd(command.configPath, {
    readFile: (path) => readFile(path, 'utf8'),
    stderr: (text) => { process.stderr.write(text); },
    signals: process,
    exitNow: (code) => process.exit(code),
  });
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`floatipd: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
      process.exit(EXIT.failed);
    },
  );
}
