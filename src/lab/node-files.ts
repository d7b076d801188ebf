// Writes each node's directory: configuration (checked first), cluster key, events.d, with the modes floatipd demands.

import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { LabError } from './errors';
import { checkNodeFiles, LABCHECK_SCRIPT, NODE_FILE_NAMES, nodeTextFiles } from './node-config';
import { LabNodePlan, LabPlan } from './plan';

/** Cluster key length: the daemon wants at least 16 bytes; 32 is what the docs tell admins to make. */
const KEY_BYTES = 32;
/** The shipped scripts the lab turns on (the rest keep their shipped mode). */
const ENABLED_IN_LAB = ['00.floatip'];

/**
 * Copies the shipped events.d: scripts keep their mode (10.interface is on,
 * Samba and NFS are off as shipped), 00.floatip is turned on, and the lab's
 * 90.labcheck is added. Nothing is writable by group or others, since the
 * runner refuses scripts that non-root users could change.
 */
async function writeEventsDir(from: string, to: string, labcheck: string): Promise<void> {
  await fs.mkdir(to, { mode: 0o755 });
  for (const entry of await fs.readdir(from, { withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const source = join(from, entry.name);
    const target = join(to, entry.name);
    await fs.copyFile(source, target);
    const { mode } = await fs.stat(source);
    await fs.chmod(target, ENABLED_IN_LAB.includes(entry.name) ? 0o755 : mode & 0o755);
  }
  await fs.writeFile(join(to, LABCHECK_SCRIPT), labcheck, { mode: 0o755 });
}

/** Creates the lab directory and every node's files. `eventsSource` is the events.d to copy. */
export async function writeNodeFiles(plan: LabPlan, eventsSource: string): Promise<void> {
  const key = randomBytes(KEY_BYTES);
  for (const node of plan.nodes) await writeOneNodeFiles(plan, node, key, eventsSource);
}

/** One node's files, with the cluster's key (a node `add-node` adds gets the key of the others). */
export async function writeOneNodeFiles(plan: LabPlan, node: LabNodePlan, key: Uint8Array, eventsSource: string): Promise<void> {
  const files = nodeTextFiles(plan, node);
  await checkNodeFiles(plan, node, files);
  await fs.mkdir(node.dir, { recursive: true, mode: 0o755 });
  await fs.writeFile(node.configPath, files.toml, { mode: 0o644 });
  await fs.writeFile(nodesFilePath(node), files.nodes, { mode: 0o644 });
  await fs.writeFile(join(node.dir, NODE_FILE_NAMES.publicAddresses), files.publicAddresses, { mode: 0o644 });
  // The same key on every node, readable by root only: the daemon refuses a key others can read.
  await fs.writeFile(node.keyPath, key, { mode: 0o600 });
  await fs.chmod(node.keyPath, 0o600);
  try {
    await writeEventsDir(eventsSource, node.eventsDir, files.labcheck);
  } catch (err) {
    throw new LabError('E_LAB_PLAN', `cannot copy the event scripts from ${eventsSource} to ${node.eventsDir}: ${(err as Error).message}`);
  }
}

/** Where a node's `nodes` file is. */
export function nodesFilePath(node: LabNodePlan): string {
  return join(node.dir, NODE_FILE_NAMES.nodes);
}

/** Makes the lab directory (and its parents) owned by root and closed to writers other than root. */
export async function makeLabDir(dir: string): Promise<void> {
  await fs.mkdir(dir, { recursive: true, mode: 0o755 });
  await fs.chmod(dir, 0o755);
}
