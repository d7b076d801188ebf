// The text of each node's configuration files, and the check that floatipd would accept them.
//
// The lab writes what an admin would: floatip.toml, `nodes` and
// `public_addresses` in CTDB's formats. Before anything is written, the text is
// read back through loadConfig (from memory), so a lab never starts daemons on
// a configuration the daemon would refuse.

import { formatIssue, loadConfig } from '../config';
import { LabError } from './errors';
import { LabNodePlan, LabPlan } from './plan';

/** Names of the files in a node's directory, as floatip.toml refers to them (relative to itself). */
export const NODE_FILE_NAMES = {
  nodes: 'nodes',
  publicAddresses: 'public_addresses',
  key: 'cluster.key',
  events: 'events.d',
  socket: 'control.sock',
} as const;

/** The lab's own event script: fails `monitor` on demand, so a node can be made UNHEALTHY. */
export const LABCHECK_SCRIPT = '90.labcheck';

/** The lab runs `monitor` every second (the default is 5 s) so a monitor fault shows within about a second. */
const LAB_MONITOR_SCHEDULE = '1s';

/** The lab probes for duplicate addresses every 2 s (the default is 30 s), so a hand-added one shows within seconds. */
const LAB_DUPLICATE_PROBE_INTERVAL = '2s';

export interface NodeTextFiles {
  readonly toml: string;
  readonly nodes: string;
  readonly publicAddresses: string;
  readonly labcheck: string;
}

/** No header comment: in CTDB's `nodes` a line starting with `#` is a deleted node, and line N is node N-1. */
export function nodesFileText(plan: LabPlan): string {
  return plan.nodes.map((n) => `${n.privateAddress.text}\n`).join('');
}

export function publicAddressesText(plan: LabPlan): string {
  const header = `# floatip lab ${plan.names.prefix}: every public address may go to every node.\n`;
  return header + plan.publicAddresses.map((a) => `${a.address.text}/${a.bits} ${a.interfaces.join(',')}\n`).join('');
}

export function floatipTomlText(plan: LabPlan, node: LabNodePlan): string {
  return [
    `# floatip lab ${plan.names.prefix}, node ${node.pnn}: written by \`floatip lab up\`, removed by \`floatip lab down\`.`,
    '# Paths are relative to this file\'s directory.',
    '',
    '[node]',
    // The lab's nodes share one host, so the daemon cannot pick itself out of `nodes` by its addresses alone.
    `pnn = ${node.pnn}`,
    '',
    '[cluster]',
    `key_file = "${NODE_FILE_NAMES.key}"`,
    `nodes_file = "${NODE_FILE_NAMES.nodes}"`,
    `public_addresses_file = "${NODE_FILE_NAMES.publicAddresses}"`,
    ...(plan.options.clusterLock !== undefined ? [`cluster_lock = "${plan.options.clusterLock}"`, 'quorum = "lock"'] : []),
    '',
    '[timing]',
    `profile = "${plan.options.profile}"`,
    '',
    '[events]',
    `dir = "${NODE_FILE_NAMES.events}"`,
    `monitor_schedule = "${LAB_MONITOR_SCHEDULE}"`,
    '',
    '[duplicates]',
    `probe_interval = "${LAB_DUPLICATE_PROBE_INTERVAL}"`,
    '',
    '[control]',
    `socket = "${NODE_FILE_NAMES.socket}"`,
    '',
  ].join('\n');
}

/** `90.labcheck`: fails monitor while the node's fail-monitor file exists (`floatip lab fail N --mode monitor`). */
export function labcheckScriptText(plan: LabPlan, node: LabNodePlan): string {
  return [
    '#!/bin/sh',
    `# ${LABCHECK_SCRIPT}: floatip lab ${plan.names.prefix}, node ${node.pnn}: fails monitor while ${node.failMonitorPath} exists.`,
    '# floatip-events: monitor',
    '',
    `flag='${node.failMonitorPath}'`,
    'if [ -e "$flag" ]; then',
    `\techo "labcheck: $flag exists: run 'floatip lab heal ${node.pnn}' (or delete it) to pass monitor again" >&2`,
    '\texit 1',
    'fi',
    'exit 0',
    '',
  ].join('\n');
}

export function nodeTextFiles(plan: LabPlan, node: LabNodePlan): NodeTextFiles {
  return {
    toml: floatipTomlText(plan, node),
    nodes: nodesFileText(plan),
    publicAddresses: publicAddressesText(plan),
    labcheck: labcheckScriptText(plan, node),
  };
}

/**
 * Loads the node's files through loadConfig from memory and checks that the
 * daemon would see the node, addresses and paths the lab meant. A LabError
 * lists every issue: it means the lab generates a bad file, not a user error.
 */
export async function checkNodeFiles(plan: LabPlan, node: LabNodePlan, files: NodeTextFiles): Promise<void> {
  const texts = new Map<string, string>([
    [node.configPath, files.toml],
    [`${node.dir}/${NODE_FILE_NAMES.nodes}`, files.nodes],
    [`${node.dir}/${NODE_FILE_NAMES.publicAddresses}`, files.publicAddresses],
  ]);
  const read = async (path: string): Promise<string> => {
    const text = texts.get(path);
    if (text === undefined) throw Object.assign(new Error(`${path} is not a file the lab writes`), { code: 'ENOENT' });
    return text;
  };
  const loaded = await loadConfig({ tomlPath: node.configPath }, read);
  if (!loaded.ok) {
    throw new LabError('E_LAB_CONFIG', `the lab generated a configuration floatipd would refuse (a bug in floatip lab; please report it):\n`
      + loaded.issues.map((i) => `  ${formatIssue(i)}`).join('\n'));
  }
  const { config } = loaded;
  const mismatches = [
    config.node.pnn === node.pnn ? undefined : `node.pnn is ${config.node.pnn}, not ${node.pnn}`,
    config.public_addresses.length === plan.publicAddresses.length ? undefined
      : `${config.public_addresses.length} public addresses, not ${plan.publicAddresses.length}`,
    config.control.socket === node.controlSocket ? undefined : `control.socket is ${config.control.socket}, not ${node.controlSocket}`,
    config.events.dir === node.eventsDir ? undefined : `events.dir is ${config.events.dir}, not ${node.eventsDir}`,
    config.cluster.key_file === node.keyPath ? undefined : `cluster.key_file is ${config.cluster.key_file}, not ${node.keyPath}`,
    config.cluster.quorum === (plan.options.clusterLock !== undefined ? 'lock' : 'majority') ? undefined
      : `cluster.quorum is ${config.cluster.quorum} with --cluster-lock ${plan.options.clusterLock ?? '(none)'}`,
    config.timing.profile === plan.options.profile ? undefined : `timing.profile is ${config.timing.profile}, not ${plan.options.profile}`,
  ].filter((m): m is string => m !== undefined);
  if (mismatches.length > 0) {
    throw new LabError('E_LAB_CONFIG', `the configuration of node ${node.pnn} does not say what the lab meant (a bug in floatip lab): ${mismatches.join('; ')}`);
  }
}
