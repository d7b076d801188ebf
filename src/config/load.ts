// Loads floatip.toml, nodes and public_addresses into one FloatipConfig: all of it valid, or every problem found.

import { dirname, isAbsolute, join } from 'node:path';
import { PublicAddress } from '../core/address';
import { fenceDeleteMs } from '../core/quorum';
import { FULL_HEARTBEAT_EVERY } from '../protocol/frame-session';
import { checkRules } from './cross-checks';
import { Milliseconds } from './duration';
import { ConfigIssue } from './issues';
import { ClusterNode, readNodesFile } from './nodes-file';
import { readPublicAddressesFile } from './public-addresses-file';
import { EVENT_NAMES, EventName, FloatipSettings } from './schema';
import { defaultSettings, readSettings, SettingsReading } from './settings';
import { unmapIpv4 } from './address-checks';

/** Reads a whole text file; rejects with a Node-style error (`code: 'ENOENT'`, ...) when it cannot. */
export type ReadTextFile = (path: string) => Promise<string>;

export interface ConfigPaths {
  readonly tomlPath: string;
  /** Overrides `cluster.nodes_file`. */
  readonly nodesPath?: string;
  /** Overrides `cluster.public_addresses_file`. */
  readonly publicAddressesPath?: string;
}

/**
 * The whole configuration of one node. Settings keep floatip.toml's names;
 * durations are milliseconds; relative paths are resolved against the
 * directory of floatip.toml; values whose default depends on other files
 * (ban credits, event timeouts, this node's identity where known) are filled in.
 */
export type FloatipConfig = Omit<FloatipSettings, 'ban' | 'events'> & {
  readonly ban: Omit<FloatipSettings['ban'], 'credits_threshold'> & { readonly credits_threshold: number };
  readonly events: Omit<FloatipSettings['events'], 'timeouts'> & { readonly timeouts: Readonly<Record<EventName, Milliseconds>> };
  /** Every line of `nodes`, deleted ones included, indexed by pnn. */
  readonly nodes: readonly ClusterNode[];
  /** This node's `public_addresses`, in file order. */
  readonly public_addresses: readonly PublicAddress[];
};

export type ConfigLoad =
  | {
    readonly ok: true; readonly config: FloatipConfig; readonly warnings: readonly ConfigIssue[];
    /** The line of `public_addresses` each of config.public_addresses came from, same order. */
    readonly publicAddressLines: readonly number[];
  }
  | { readonly ok: false; readonly issues: readonly ConfigIssue[]; readonly warnings: readonly ConfigIssue[] };

/** The settings floatip uses when floatip.toml sets nothing (timing profile `default`). */
export const defaults: FloatipSettings = defaultSettings();

const NOT_FOUND_ADVICE: Readonly<Record<'toml' | 'nodes' | 'public', string>> = {
  toml: 'create it (an empty file means all defaults) or give the right path',
  nodes: 'create it with the private address of every node, one per line, or set cluster.nodes_file in floatip.toml',
  public: 'create it (an empty file means this node hosts no public address), or set cluster.public_addresses_file in floatip.toml',
};

async function readOrIssue(readFile: ReadTextFile, file: string, which: keyof typeof NOT_FOUND_ADVICE):
  Promise<{ ok: true; text: string } | { ok: false; issue: ConfigIssue }> {
  try {
    return { ok: true, text: await readFile(file) };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      return { ok: false, issue: { code: 'E_CONFIG_FILE_NOT_FOUND', file, message: `file not found: ${NOT_FOUND_ADVICE[which]}` } };
    }
    const why = code === 'EACCES' ? 'permission denied: floatipd runs as root; check the path and its mode'
      : `cannot read it (${(err as Error).message}); check that it is a readable file`;
    return { ok: false, issue: { code: 'E_CONFIG_FILE_UNREADABLE', file, message: why } };
  }
}

function relativeTo(base: string, path: string): string;
function relativeTo(base: string, path: string | undefined): string | undefined;
function relativeTo(base: string, path: string | undefined): string | undefined {
  return path === undefined || isAbsolute(path) ? path : join(base, path);
}

/** Paths in floatip.toml are relative to its own directory, so a config tree can be moved as a whole. */
function resolvePaths(settings: FloatipSettings, tomlPath: string): FloatipSettings {
  const base = dirname(tomlPath);
  return {
    ...settings,
    cluster: {
      ...settings.cluster,
      key_file: relativeTo(base, settings.cluster.key_file),
      nodes_file: relativeTo(base, settings.cluster.nodes_file),
      public_addresses_file: relativeTo(base, settings.cluster.public_addresses_file),
    },
    ipalloc: { ...settings.ipalloc, home_nodes_file: relativeTo(base, settings.ipalloc.home_nodes_file) },
    events: { ...settings.events, dir: relativeTo(base, settings.events.dir), ctdb_dir: relativeTo(base, settings.events.ctdb_dir) },
    control: { ...settings.control, socket: relativeTo(base, settings.control.socket) },
  };
}

/** Checks `node.pnn` / `node.address` against `nodes` and fills in whichever was left out. */
function resolveSelf(settings: FloatipSettings, nodes: readonly ClusterNode[], reading: SettingsReading, tomlPath: string):
  { node: FloatipSettings['node']; issues: ConfigIssue[] } {
  const issues: ConfigIssue[] = [];
  const at = (key: string, message: string): void => {
    issues.push({ code: 'E_NODE_SELF', file: tomlPath, line: reading.lines.lineOf(key.split('.')), key, message });
  };
  const { pnn, address } = settings.node;
  let self: ClusterNode | undefined;
  if (pnn !== undefined) {
    const node = nodes[pnn];
    if (node === undefined) at('node.pnn', `node ${pnn} does not exist: nodes lists ${nodes.length} node(s), numbered 0..${nodes.length - 1}`);
    else if (node.deleted) at('node.pnn', `node ${pnn} is deleted in nodes (line ${node.line} starts with "#"): use the number of a live node`);
    else self = node;
  }
  if (address !== undefined) {
    const wanted = unmapIpv4(address).text;
    const node = nodes.find((n) => n.address?.text === wanted);
    if (node === undefined) {
      at('node.address', `${address.text} is not in nodes: use this node's line of nodes, or add the node there`);
    } else if (self !== undefined && self.pnn !== node.pnn) {
      at('node.address', `node.address ${address.text} is node ${node.pnn}, but node.pnn is ${self.pnn}: set only one of them, or make them agree`);
    } else {
      self = node;
    }
  }
  const selfAddress = self?.address ?? undefined;
  return {
    node: { ...settings.node, pnn: self?.pnn, address: selfAddress, bind_address: settings.node.bind_address ?? selfAddress },
    issues,
  };
}

function adviceFor(settings: FloatipSettings, nodes: readonly ClusterNode[], publicAddresses: readonly PublicAddress[],
  paths: { toml: string; publicAddresses: string }, reading: SettingsReading): ConfigIssue[] {
  const warnings: ConfigIssue[] = [];
  const live = nodes.filter((n) => !n.deleted).length;
  if (live === 2 && settings.cluster.quorum === 'majority') {
    warnings.push({
      code: 'W_CONFIG_ADVICE', file: paths.toml, line: reading.lines.lineOf(['cluster', 'quorum']), key: 'cluster.quorum',
      message: 'with 2 nodes a strict majority needs both, so no address can fail over; '
        + 'set cluster.cluster_lock and quorum = "lock"',
    });
  }
  if (publicAddresses.length === 0) {
    warnings.push({ code: 'W_CONFIG_ADVICE', file: paths.publicAddresses, message: 'no public addresses: this node will host none' });
  }
  // A node fences at fence_after and then its guardian deletes what it holds; peers wait for that (core/takeover-gate.ts, silence).
  const { fence_after: fenceAfter, dead_after: deadAfter } = settings.timing;
  const perNode = Math.ceil(publicAddresses.length / Math.max(1, live));
  const deleted = fenceAfter + fenceDeleteMs(perNode);
  if (deleted > deadAfter) {
    warnings.push({
      code: 'W_CONFIG_ADVICE', file: paths.toml, line: reading.lines.lineOf(['timing', 'dead_after']), key: 'timing.dead_after',
      message: `a node holding its share of the ${publicAddresses.length} public addresses (~${perNode}) needs ~${fenceDeleteMs(perNode)} ms to delete them after `
        + `fence_after (${fenceAfter} ms), which ends after dead_after (${deadAfter} ms): the other nodes then wait ${deleted} ms, not dead_after, `
        + `before they take a silent node's addresses; set dead_after to at least ${deleted} ms (or fence_after lower) so that the timing says what happens`,
    });
  }
  // A peer that had to refuse one whole heartbeat hears us again only at the next whole one (protocol/frame-session.ts).
  const silentBeats = FULL_HEARTBEAT_EVERY + 1;
  const refusedGapMs = silentBeats * settings.timing.heartbeat_interval;
  if (refusedGapMs >= deadAfter) {
    warnings.push({
      code: 'W_CONFIG_ADVICE', file: paths.toml, line: reading.lines.lineOf(['timing', 'dead_after']), key: 'timing.dead_after',
      message: `dead_after (${deadAfter} ms) is not more than ${silentBeats} heartbeat intervals (${refusedGapMs} ms): a peer that has to `
        + `refuse one of this node's heartbeats (a damaged frame) hears it again only ${silentBeats} intervals after the last one it took, `
        + `and counts this node dead meanwhile; set dead_after above ${refusedGapMs} ms or heartbeat_interval below `
        + `${Math.floor(deadAfter / silentBeats)} ms (every profile's dead_after is 5 intervals)`,
    });
  }
  return warnings;
}

/**
 * Loads and checks the three files. The result is either a complete, valid
 * configuration or every problem found (never a partial configuration), so a
 * daemon that reloads keeps running on its old configuration when the new one is bad.
 */
export async function loadConfig(paths: ConfigPaths, readFile: ReadTextFile): Promise<ConfigLoad> {
  const tomlText = await readOrIssue(readFile, paths.tomlPath, 'toml');
  if (!tomlText.ok) return { ok: false, issues: [tomlText.issue], warnings: [] };
  const reading = readSettings(tomlText.text, paths.tomlPath);
  if (reading.issues.some((i) => i.code === 'E_CONFIG_SYNTAX')) return { ok: false, issues: reading.issues, warnings: [] };

  const issues: ConfigIssue[] = [...reading.issues, ...checkRules(reading, paths.tomlPath)];
  const settings = resolvePaths(reading.settings, paths.tomlPath);
  const nodesPath = paths.nodesPath ?? settings.cluster.nodes_file;
  const publicPath = paths.publicAddressesPath ?? settings.cluster.public_addresses_file;
  const [nodesText, publicText] = await Promise.all([
    readOrIssue(readFile, nodesPath, 'nodes'),
    readOrIssue(readFile, publicPath, 'public'),
  ]);

  let nodes: readonly ClusterNode[] = [];
  let nodesValid = false;
  if (nodesText.ok) {
    const nodesReading = readNodesFile(nodesText.text, nodesPath);
    issues.push(...nodesReading.issues);
    nodes = nodesReading.nodes;
    nodesValid = nodesReading.issues.length === 0;
  } else {
    issues.push(nodesText.issue);
  }
  let publicAddresses: readonly PublicAddress[] = [];
  let publicAddressLines: readonly number[] = [];
  if (publicText.ok) {
    const publicReading = readPublicAddressesFile(publicText.text, publicPath, nodes);
    issues.push(...publicReading.issues);
    publicAddresses = publicReading.addresses;
    publicAddressLines = publicReading.lines;
  } else {
    issues.push(publicText.issue);
  }

  // Identity checks need a trustworthy node list; a broken one is reported above already.
  const self = nodesValid ? resolveSelf(settings, nodes, reading, paths.tomlPath) : { node: settings.node, issues: [] };
  issues.push(...self.issues);
  if (issues.length > 0) return { ok: false, issues, warnings: [] };

  const warnings = adviceFor(settings, nodes, publicAddresses, { toml: paths.tomlPath, publicAddresses: publicPath }, reading);
  const timeouts = Object.fromEntries(EVENT_NAMES.map((name) => [name, settings.events.timeouts[name] ?? settings.events.default_timeout]));
  const config: FloatipConfig = {
    ...settings,
    node: self.node,
    ban: { ...settings.ban, credits_threshold: settings.ban.credits_threshold ?? 2 * nodes.length },
    events: { ...settings.events, timeouts: timeouts as Record<EventName, Milliseconds> },
    nodes,
    public_addresses: publicAddresses,
  };
  return { ok: true, config, warnings, publicAddressLines };
}
