// Runs the programs the lab drives (`ip`, ...) and turns their failures into LabErrors that quote the command.

import { execFile } from 'node:child_process';
import { LabError } from './errors';

export interface CommandOutput {
  readonly stdout: string;
  readonly stderr: string;
  /** Exit status; 0 on success. */
  readonly status: number;
}

function quote(argv: readonly string[]): string {
  return argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, "'\\''")}'`)).join(' ');
}

/** Runs a program and returns its output whatever its exit status; only a missing program is an error. */
export function runCommand(program: string, args: readonly string[]): Promise<CommandOutput> {
  return new Promise((resolve, reject) => {
    execFile(program, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error && (error as NodeJS.ErrnoException).code === 'ENOENT') {
        reject(new LabError('E_LAB_MISSING_COMMAND', `${program} is not installed (or not on PATH): install it (see scripts/apt-packages.txt)`));
        return;
      }
      const status = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ stdout, stderr, status });
    });
  });
}

/** Runs a program that must succeed; its output on success, a LabError quoting the command and its stderr otherwise. */
export async function mustRun(program: string, args: readonly string[]): Promise<string> {
  const out = await runCommand(program, args);
  if (out.status !== 0) {
    const why = out.stderr.trim() || out.stdout.trim() || `exit status ${out.status}`;
    throw new LabError('E_LAB_COMMAND_FAILED', `\`${quote([program, ...args])}\` failed: ${why}`);
  }
  return out.stdout;
}

/** `ip ARGS...`, which must succeed. */
export function ip(...args: string[]): Promise<string> {
  return mustRun('ip', args);
}

/** `ip -n NAMESPACE ARGS...`, which must succeed. */
export function ipIn(namespace: string, ...args: string[]): Promise<string> {
  return mustRun('ip', ['-n', namespace, ...args]);
}

/** Runs `job` on every item, at most `limit` at a time; the first failure is thrown once all started ones have settled. */
export async function inParallel<T>(items: readonly T[], limit: number, job: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const errors: unknown[] = [];
  const worker = async (): Promise<void> => {
    while (next < items.length && errors.length === 0) {
      const item = items[next++];
      try {
        await job(item);
      } catch (err) {
        errors.push(err);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (errors.length > 0) throw errors[0];
}
