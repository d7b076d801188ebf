// A private copy of the shipped events.d, a runner over it, and fake commands on PATH.

import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { eventScriptOptions, EventScriptOptions } from '../../../src/adapters/scripts/options';
import { ScriptEventRunner } from '../../../src/adapters/scripts/runner';

export const SHIPPED_DIR = path.resolve(__dirname, '../../../events.d');

export interface ScriptSandbox {
  /** Temporary root of everything below. */
  readonly root: string;
  /** The chosen shipped scripts (enabled) and their `functions`, nothing else. */
  readonly eventsDir: string;
  /** FLOATIP_BASE: nodes and public_addresses live here. */
  readonly configDir: string;
  /** Fake commands, first on PATH. */
  readonly binDir: string;
  readonly optionsFile: string;
  runner(over?: Partial<EventScriptOptions>): ScriptEventRunner;
  /** Writes the shell `KEY=value` options file the shipped scripts read. */
  setOptions(options: Record<string, string>): Promise<void>;
  /** Puts an executable `name` on PATH that appends its arguments to `<bin>/name.calls` and runs `body`. */
  fakeCommand(name: string, body?: string): Promise<void>;
  calls(name: string): Promise<string[]>;
  remove(): Promise<void>;
}

export async function makeSandbox(enabled: readonly string[]): Promise<ScriptSandbox> {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'fev-int-'));
  await fs.chmod(root, 0o755);
  const eventsDir = path.join(root, 'events.d');
  const configDir = path.join(root, 'etc');
  const binDir = path.join(root, 'bin');
  const optionsFile = path.join(configDir, 'script.options');
  await fs.mkdir(eventsDir, { mode: 0o755 });
  for (const name of [...enabled, 'functions']) {
    await fs.copyFile(path.join(SHIPPED_DIR, name), path.join(eventsDir, name));
    await fs.chmod(path.join(eventsDir, name), name === 'functions' ? 0o644 : 0o755);
  }
  await fs.mkdir(configDir);
  await fs.mkdir(binDir);
  await fs.writeFile(path.join(configDir, 'nodes'), '192.0.2.1\n192.0.2.2\n');
  return {
    root, eventsDir, configDir, binDir, optionsFile,
    runner: (over = {}) => new ScriptEventRunner(eventScriptOptions({
      pnn: 1,
      dir: eventsDir,
      configDir,
      scriptOptionsFile: optionsFile,
      timeoutMs: 20_000,
      environment: { PATH: `${binDir}:${process.env.PATH ?? '/usr/bin:/bin'}` },
      ...over,
    })),
    setOptions: async (options) => {
      const text = Object.entries(options).map(([key, value]) => `${key}='${value.replace(/'/g, "'\\''")}'\n`).join('');
      await fs.writeFile(optionsFile, text);
    },
    fakeCommand: async (name, body = 'exit 0') => {
      const file = path.join(binDir, name);
      await fs.writeFile(file, `#!/bin/sh\necho "$*" >> ${path.join(binDir, `${name}.calls`)}\n${body}\n`);
      await fs.chmod(file, 0o755);
    },
    calls: async (name) => {
      try {
        // One line per call; a call without arguments is an empty line, and counts.
        return (await fs.readFile(path.join(binDir, `${name}.calls`), 'utf8')).split('\n').slice(0, -1);
      } catch {
        return [];
      }
    },
    remove: () => fs.rm(root, { recursive: true, force: true }),
  };
}

/**
 * Installs the shipped script `name` (and `functions`) so that the runner runs it inside network
 * namespace `ns`: a wrapper in the events directory execs the real copy there.
 */
export async function runInNamespace(box: ScriptSandbox, name: string, ns: string): Promise<void> {
  const realDir = path.join(box.root, 'shipped');
  await fs.mkdir(realDir, { recursive: true });
  for (const file of [name, 'functions']) await fs.copyFile(path.join(SHIPPED_DIR, file), path.join(realDir, file));
  await fs.chmod(path.join(realDir, name), 0o755);
  await fs.writeFile(path.join(box.eventsDir, name), `#!/bin/sh\nexec ip netns exec ${ns} ${realDir}/${name} "$@"\n`);
  await fs.chmod(path.join(box.eventsDir, name), 0o755);
}

/** Deletes every network namespace whose name starts with `prefix` (left over by a failed run too). */
export function deleteNamespaces(prefix: string): void {
  const names = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })
    .split('\n').map((line) => line.split(' ')[0]).filter((name) => name.startsWith(prefix));
  for (const name of names) execFileSync('ip', ['netns', 'del', name]);
}
