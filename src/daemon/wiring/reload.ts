// SIGHUP: re-read floatip.toml, nodes and public_addresses; apply what can change live, refuse a bad configuration whole.
//
// Applied live: this node's public_addresses (reloadips semantics: only what
// changed moves) and log.level. Every other setting that changed is named in a log
// line saying it takes effect at the next start: timings and the mesh are woven
// through the running membership and may not shift under it. The node list changes
// cluster-wide with `floatip reloadnodes` (runtime/cluster-nodes.ts), never one node alone.
// The cluster key file is checked at once as a start would read it (a new path, or
// the same path with a new file): a broken key is reported now, not at the next restart.

import { FloatipConfig, formatIssue, loadConfig, ReadTextFile } from '../../config';
import { AddressListChange } from '../runtime/address-list';
import { Logger } from '../runtime/logger';
import { LogLevel } from '../logging';
import { ClusterKeyCheck } from '../../adapters/peer/cluster-key';
import { InterfaceNames, logMissingInterfaces } from './missing-interfaces';

/** The parts of the daemon a reload touches. */
export interface ReloadTarget {
  reloadAddresses(list: FloatipConfig['public_addresses']): Promise<AddressListChange>;
  setLogLevel(level: LogLevel): void;
  /** The interfaces this node has now, to warn about public addresses on ones it lacks. */
  existingInterfaces: InterfaceNames;
  /** The check floatipd's start makes of cluster.key_file (checkClusterKeyFile). */
  checkClusterKey: ClusterKeyCheck;
}

export type ReloadOutcome =
  | { readonly kind: 'refused'; readonly problems: readonly string[] }
  | { readonly kind: 'applied'; readonly config: FloatipConfig; readonly change: AddressListChange; readonly restartNeeded: readonly string[] };

/** Values compared by content: addresses and durations become plain JSON. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
}

/** Dotted keys of settings that differ, below the top-level tables (`timing.dead_after`), `nodes` as one key. */
export function changedSettings(before: FloatipConfig, after: FloatipConfig): string[] {
  const changed: string[] = [];
  for (const table of Object.keys(after) as Array<keyof FloatipConfig>) {
    if (table === 'public_addresses') continue;
    const a = before[table] as unknown;
    const b = after[table] as unknown;
    if (table === 'nodes' || typeof b !== 'object' || b === null || Array.isArray(b)) {
      if (canonical(a) !== canonical(b)) changed.push(table);
      continue;
    }
    for (const key of Object.keys(b)) {
      if (canonical((a as Record<string, unknown>)[key]) !== canonical((b as Record<string, unknown>)[key])) changed.push(`${table}.${key}`);
    }
  }
  return changed;
}

/** A new config names this node only by auto-detection when the old one did: keep the identity the daemon runs as. */
function keepIdentity(current: FloatipConfig, next: FloatipConfig): FloatipConfig {
  if (next.node.pnn !== undefined) return next;
  return { ...next, node: { ...next.node, pnn: current.node.pnn, address: current.node.address, bind_address: next.node.bind_address ?? current.node.bind_address } };
}

const LIVE = new Set(['log.level']);
const LOG_LEVELS: readonly LogLevel[] = ['error', 'warn', 'info', 'debug'];

/** `log.level`; the loader allows only these, the check narrows the type. */
export function logLevelOf(config: FloatipConfig): LogLevel {
  const level = LOG_LEVELS.find((l) => l === (config.log.level as string));
  if (level === undefined) throw new Error(`log.level = ${JSON.stringify(config.log.level)}: use one of ${LOG_LEVELS.join(', ')}`);
  return level;
}

const KEY_FILE = 'cluster.key_file';

/**
 * A changed key_file is named with the result of its check; an unchanged one only when it is
 * broken now (replaced or chmod-ed since the start): floatipd keeps the key it read at start
 * either way, and would not start again with a broken one.
 */
async function reportClusterKey(before: string, after: string, check: ClusterKeyCheck, log: Logger): Promise<void> {
  const problem = await check(after);
  const changed = before !== after;
  if (problem === undefined) {
    if (changed) {
      log.warn({ settings: [KEY_FILE], keyFile: after }, `reload: cluster.key_file changed to ${after}: the new key file is valid; it takes effect at restart `
        + '(nodes with different keys cannot talk: copy the same file to every node and restart them all)');
    }
    return;
  }
  // ClusterKeyError says `FILE: is ...`, `FILE: has ...`: the sentence below names the file itself.
  const detail = problem.message.startsWith(`${after}: `) ? problem.message.slice(after.length + 2) : problem.message;
  const which = changed ? `cluster.key_file changed to ${after}, but that file` : `the cluster key file ${after} (unchanged path)`;
  log.error({ settings: [KEY_FILE], keyFile: after, code: problem.code },
    `reload: ${which} ${detail}; floatipd keeps the key it read at start, but would not start again until this is fixed`);
}

export async function reloadConfig(current: FloatipConfig, configPath: string, readFile: ReadTextFile, target: ReloadTarget, log: Logger): Promise<ReloadOutcome> {
  const loaded = await loadConfig({ tomlPath: configPath }, readFile);
  if (!loaded.ok) {
    const problems = loaded.issues.map(formatIssue);
    log.error({ problems }, `reload refused: ${configPath} has ${problems.length} problem(s); nothing changed: fix them and send SIGHUP again`);
    return { kind: 'refused', problems };
  }
  for (const warning of loaded.warnings) log.warn({ code: warning.code }, formatIssue(warning));
  const next = keepIdentity(current, loaded.config);
  await logMissingInterfaces(target.existingInterfaces, next.cluster.public_addresses_file, next.public_addresses, loaded.publicAddressLines, log);
  const changed = changedSettings(current, next);
  const restartNeeded = changed.filter((key) => !LIVE.has(key));
  if (next.log.level !== current.log.level) target.setLogLevel(logLevelOf(next));
  const change = await target.reloadAddresses(next.public_addresses);
  const others = restartNeeded.filter((key) => key !== KEY_FILE && key !== 'nodes');
  if (restartNeeded.includes('nodes')) {
    log.warn({ settings: ['nodes'] }, 'reload: nodes changed; SIGHUP does not apply it: once the file is the same on every node, '
      + 'run `floatip reloadnodes` on one of them (appended lines join, commented-out lines leave)');
  }
  if (others.length > 0) {
    log.warn({ settings: others }, `reload: ${others.join(', ')} changed; they take effect when floatipd is restarted`);
  }
  await reportClusterKey(current.cluster.key_file, next.cluster.key_file, target.checkClusterKey, log);
  log.info({ added: change.added, removed: change.removed, changed: change.changed, logLevel: next.log.level }, 'reload applied');
  return { kind: 'applied', config: { ...current, public_addresses: next.public_addresses, log: next.log }, change, restartNeeded };
}
