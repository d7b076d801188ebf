// reloadnodes on this node: the `nodes` file read again as the start reads it, and the daemon's config and guardian following what the runtime applied.

import { FloatipConfig, formatIssue, ReadTextFile, readNodesFile } from '../../config';
import { ip } from '../../core/ip';
import { RuntimeNode } from '../runtime/settings';
import { noticePeersOf } from './guardian-spawn';

/** The lines of `file`, or an error naming its file and line for each problem (nothing changes then). */
export async function readNodesForReload(file: string, readFile: ReadTextFile): Promise<FloatipConfig['nodes']> {
  const reading = readNodesFile(await readFile(file), file);
  if (reading.issues.length > 0) {
    throw new Error(`${reading.issues.length} problem(s) in the nodes file, nothing changed: ${reading.issues.map(formatIssue).join('; ')}`);
  }
  return reading.nodes;
}


/**
 * The config after the runtime applied `applied`: the lines as last read (same lines: the
 * runtime checked the file right before applying), or rebuilt from the runtime's when not.
 */
export function configWithNodes(config: FloatipConfig, applied: readonly RuntimeNode[], lastRead: FloatipConfig['nodes'] | undefined): FloatipConfig {
  const same = lastRead !== undefined && lastRead.length === applied.length
    && lastRead.every((n, i) => n.deleted === applied[i].deleted && (n.address?.text ?? null) === applied[i].address);
  const nodes = same ? lastRead : applied.map((n) => ({ pnn: n.pnn, address: n.address === null ? null : ip(n.address), deleted: n.deleted, line: n.pnn + 1 }));
  return { ...config, nodes };
}

/** The guardian's notice peers for a node set. */
export function guardianPeersOf(config: FloatipConfig): ReturnType<typeof noticePeersOf> {
  return config.node.pnn === undefined ? [] : noticePeersOf(config.node.pnn, config.nodes);
}
