// A lab of real floatipd processes for the daemon tests: up, down, the CLI against a node, the kernel's addresses, waiting.

import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { labDown, labStatus, labUp, LabTarget } from '../../../../src/lab';
import { CliRun, runCommands } from '../../../unit/cli/harness';
import { prepareTsDaemon } from './ts-daemon';
import { pollUntil } from '../../../helpers/poll';

export interface DaemonLab {
  readonly target: LabTarget;
  readonly root: string;
  readonly nodes: number;
  namespace(pnn: number): string;
  readonly client: string;
  readonly publicInterface: string;
  /** The mesh's interface in every node namespace (192.0.2.0/24). */
  readonly privateInterface: string;
  socket(pnn: number): string;
  log(pnn: number): string;
  /** `floatip ARGS... --socket <node's socket>` in this process. */
  cli(pnn: number, ...args: string[]): Promise<CliRun>;
  /** `cli(pnn, ..., '--json')`, parsed; throws with stderr when the command failed. */
  json<T>(pnn: number, ...args: string[]): Promise<T>;
  /** The public addresses in each node's kernel: index = pnn. */
  kernelAddresses(): string[][];
  /** The pid of the node's floatipd while it runs (or is frozen); null once it is gone. */
  pid(pnn: number): Promise<number | null>;
  down(): Promise<void>;
}

export interface DaemonLabOptions {
  readonly prefix: string;
  readonly nodes: number;
  readonly ipv4: number;
  readonly ipv6: number;
  /** The timing profile. @default 'default' */
  readonly profile?: 'default' | 'fast';
}

export function runCliCaptured(args: readonly string[]): Promise<CliRun> {
  return runCommands(args, undefined, { readFile: async (path) => readFileSync(path, 'utf8') });
}

interface JsonAddress { readonly local: string; readonly scope: string }
interface JsonInterface { readonly addr_info: readonly JsonAddress[] }

/** Global addresses on `dev` in `namespace`, the private 192.0.2.0/24 left out. */
export function publicAddressesIn(namespace: string, dev: string): string[] {
  const links = JSON.parse(execFileSync('ip', ['-n', namespace, '-j', 'addr', 'show', 'dev', dev], { encoding: 'utf8' })) as JsonInterface[];
  return links.flatMap((l) => l.addr_info).filter((a) => a.scope === 'global' && !a.local.startsWith('192.0.2.')).map((a) => a.local).sort();
}

export function pings(namespace: string, address: string): boolean {
  return spawnSync('ip', ['netns', 'exec', namespace, 'ping', '-c', '1', '-W', '1', '-q', address], { stdio: 'ignore' }).status === 0;
}

/** Asks `probe` every `everyMs` until it answers something other than undefined, and returns that. */
export async function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs: number, everyMs = 20): Promise<T> {
  return (await pollUntil(probe, { what, timeoutMs, everyMs })).value;
}

/** Removes a lab left by an earlier run (by prefix), then starts a new one with real floatipds from src/. */
export async function startDaemonLab(options: DaemonLabOptions): Promise<DaemonLab> {
  const root = mkdtempSync(join(tmpdir(), `${options.prefix}-`));
  const target: LabTarget = { prefix: options.prefix, dir: join(root, 'lab') };
  await labDown(target);
  const daemon = prepareTsDaemon(root);
  // A lab that could not be made (e.g. its prefix is in use) leaves no temporary directory behind.
  const up = await labUp(target, {
    nodes: options.nodes, ipv4Addresses: options.ipv4, ipv6Addresses: options.ipv6, profile: options.profile ?? 'default',
    daemons: true, floatipd: daemon.command, startTimeoutMs: 30_000,
  }).catch((error: unknown) => {
    rmSync(root, { recursive: true, force: true });
    throw error;
  });
  const failed = up.daemons.filter((d) => !d.up);
  if (failed.length > 0) {
    await labDown(target);
    throw new Error(`floatipd did not come up:\n${failed.map((d) => d.problem).join('\n')}`);
  }
  const { plan } = up;
  const lab: DaemonLab = {
    target,
    root,
    nodes: options.nodes,
    namespace: (pnn) => plan.nodes[pnn].namespace,
    client: plan.names.clientNamespace,
    publicInterface: plan.names.publicInterface,
    privateInterface: plan.names.privateInterface,
    socket: (pnn) => plan.nodes[pnn].controlSocket,
    log: (pnn) => plan.nodes[pnn].logPath,
    cli: (pnn, ...args) => runCliCaptured([...args, '--socket', plan.nodes[pnn].controlSocket]),
    async json<T>(pnn: number, ...args: string[]): Promise<T> {
      const run = await lab.cli(pnn, ...args, '--json');
      if (run.code !== 0) throw new Error(`floatip ${args.join(' ')} on node ${pnn} exited ${run.code}: ${run.stderr}`);
      return JSON.parse(run.stdout) as T;
    },
    kernelAddresses: () => plan.nodes.map((n) => publicAddressesIn(n.namespace, plan.names.publicInterface)),
    pid: async (pnn) => {
      const node = (await labStatus(target)).nodes[pnn];
      return node.daemon === 'gone' ? null : node.daemonPid;
    },
    async down() {
      // The daemons' logs outlive the lab, for reading after a failure (the next run of the same file replaces them).
      const keep = join(process.env.FLOATIP_TEST_LOGS ?? join(tmpdir(), 'floatip-test-logs'), options.prefix);
      rmSync(keep, { recursive: true, force: true });
      mkdirSync(keep, { recursive: true });
      for (const node of plan.nodes) copyFileSync(node.logPath, join(keep, `node${node.pnn}.log`));
      await labDown(target);
      rmSync(root, { recursive: true, force: true });
    },
  };
  return lab;
}

/**
 * Waits until node `pnn` is ready (`floatip wait-ok`): placed is not ready, a node hosts nothing
 * until its guardian is (it starts beside the join), and a moveip to it then fails.
 */
export async function waitReady(lab: Pick<DaemonLab, 'cli'>, pnn: number, timeoutS = 30): Promise<void> {
  const ready = await lab.cli(pnn, 'wait-ok', '--timeout', String(timeoutS));
  if (ready.code !== 0) throw new Error(`node ${pnn} is not ready: ${ready.stderr.trim()}`);
}

/** Every address of `expected` held by exactly one node: address -> pnn; undefined while not so. */
export function holders(lab: Pick<DaemonLab, 'kernelAddresses'>, expected: readonly string[]): Map<string, number> | undefined {
  const byAddress = new Map<string, number[]>();
  lab.kernelAddresses().forEach((list, pnn) => { for (const a of list) byAddress.set(a, [...(byAddress.get(a) ?? []), pnn]); });
  const out = new Map<string, number>();
  for (const address of expected) {
    const on = byAddress.get(address) ?? [];
    if (on.length !== 1) return undefined;
    out.set(address, on[0]);
  }
  return out;
}
