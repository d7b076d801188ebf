// The lab's state file (JSON in the lab directory): what `up` made, so later commands act on the same lab.
//
// Only what cannot be read back from the kernel is kept: the options the plan
// is computed from, how daemons are started, and the current partition. Daemon
// pids live in each node's pid file; `down` never relies on this file alone.

import { promises as fs } from 'node:fs';
import { TIMING_PROFILES } from '../config/option-kinds';
import { LabError } from './errors';
import { LabOptions, LabPlan, planLab, STATE_FILE } from './plan';
import { labCommandLine } from './names';

export interface LabState {
  readonly kind: 'floatip-lab';
  readonly version: 1;
  readonly options: LabOptions;
  /** argv that starts floatipd (before `--config FILE`); null when the lab was made with --no-daemons. */
  readonly daemonCommand: readonly string[] | null;
  readonly createdAt: string;
  /** Groups of nodes cut apart on the private network, or null. */
  readonly partition: readonly (readonly number[])[] | null;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const isWhole = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;
const isStringList = (v: unknown): v is string[] => Array.isArray(v) && v.every((s) => typeof s === 'string');

/** Checks a parsed state file; the message names the first field that is wrong. */
export function readStateJson(value: unknown, file: string): LabState {
  const bad = (field: string): LabError => new LabError('E_LAB_STATE',
    `${file}: field ${field} is missing or wrong: the file is damaged or from another version; run \`floatip lab down\` and \`up\` again`);
  if (!isRecord(value) || value.kind !== 'floatip-lab') throw bad('kind');
  if (value.version !== 1) throw bad('version');
  const o = value.options;
  if (!isRecord(o)) throw bad('options');
  if (typeof o.prefix !== 'string') throw bad('options.prefix');
  if (typeof o.dir !== 'string') throw bad('options.dir');
  for (const key of ['nodes', 'ipv4Addresses', 'ipv6Addresses'] as const) if (!isWhole(o[key])) throw bad(`options.${key}`);
  if (!(TIMING_PROFILES as readonly unknown[]).includes(o.profile)) throw bad('options.profile');
  if (o.clusterLock !== undefined && typeof o.clusterLock !== 'string') throw bad('options.clusterLock');
  if (value.daemonCommand !== null && !isStringList(value.daemonCommand)) throw bad('daemonCommand');
  if (typeof value.createdAt !== 'string') throw bad('createdAt');
  const partition = value.partition;
  if (partition !== null && !(Array.isArray(partition) && partition.every((g) => Array.isArray(g) && g.every(isWhole)))) {
    throw bad('partition');
  }
  return value as unknown as LabState;
}

export function statePathOf(dir: string): string {
  return `${dir}/${STATE_FILE}`;
}

/** The state of the lab in `dir`, or undefined when there is none. */
export async function readState(dir: string): Promise<LabState | undefined> {
  const file = statePathOf(dir);
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new LabError('E_LAB_STATE', `${file}: cannot read it (${(err as Error).message})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new LabError('E_LAB_STATE', `${file}: not JSON (${(err as Error).message}): run \`floatip lab down\` and \`up\` again`);
  }
  return readStateJson(json, file);
}

/** Replaces the state file in one step (write aside, rename), so a crash never leaves half a file. */
export async function writeState(state: LabState): Promise<void> {
  const file = statePathOf(state.options.dir);
  const aside = `${file}.${process.pid}.tmp`;
  await fs.writeFile(aside, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o644 });
  await fs.rename(aside, file);
}

/** The running lab's state and plan, or E_LAB_NOT_UP saying how to start one. */
export async function requireLab(dir: string, prefix: string): Promise<{ state: LabState; plan: LabPlan }> {
  const state = await readState(dir);
  if (state === undefined) {
    throw new LabError('E_LAB_NOT_UP', `no lab with prefix '${prefix}' (no ${statePathOf(dir)}): start one with \`${labCommandLine('up', prefix)}\``);
  }
  if (state.options.prefix !== prefix) {
    throw new LabError('E_LAB_STATE', `${statePathOf(dir)} belongs to the lab with prefix '${state.options.prefix}', not '${prefix}': `
      + `give --prefix ${state.options.prefix}, or another --dir`);
  }
  return { state, plan: planLab(state.options) };
}
