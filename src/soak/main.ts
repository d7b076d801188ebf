#!/usr/bin/env node
// Entry point of `npm run soak`: parses the options, runs the soak, prints its JSON report; exit 1 on a duplicate, a crash or a broken operation promise.

import { randomInt } from 'node:crypto';
import { UsageError } from '../client/usage-error';
import { labDown, requireRoot } from '../lab';
import { parseSoakArgs, SOAK_USAGE } from './args';
import { runSoak } from './runner';

async function main(): Promise<number> {
  let args;
  try {
    args = parseSoakArgs(process.argv.slice(2), () => randomInt(0, 0x100000000));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`soak: ${error.message}\n\n${SOAK_USAGE}`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(SOAK_USAGE);
    return 0;
  }
  requireRoot();
  // Interrupted (Ctrl-C, or bench:quiet ending the soak it ran beside): take the lab down, found
  // by its prefix, before exiting. The default action left its namespaces and daemons running.
  const interrupted = (): void => {
    process.stderr.write(`soak: interrupted: taking lab ${args.prefix} down\n`);
    labDown({ prefix: args.prefix, dir: args.dir }).then(() => process.exit(130), (error: unknown) => {
      process.stderr.write(`soak: lab down failed: ${error instanceof Error ? error.message : String(error)}; run \`floatip lab down --prefix ${args.prefix}\`\n`);
      process.exit(130);
    });
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  const report = await runSoak({
    ...args,
    say: (line) => process.stderr.write(`${line}\n`),
  });
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  return report.duplicates === 0 && report.crashes === 0 && report.duplicate_macs === 0 && report.operation_failures.length === 0 ? 0 : 1;
}

main().then((code) => process.exit(code), (error: unknown) => {
  process.stderr.write(`soak failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
