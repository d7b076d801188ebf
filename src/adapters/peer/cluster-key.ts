// Loads the cluster key file, refusing a key that others could read or change, or one too short to trust.

import { constants as fsConstants } from 'node:fs';
import { open } from 'node:fs/promises';
import { MIN_CLUSTER_KEY_BYTES } from '../../protocol/frame-session';

export type ClusterKeyErrorCode =
  | 'E_KEY_MISSING'
  | 'E_KEY_NOT_FILE'
  | 'E_KEY_MODE'
  | 'E_KEY_OWNER'
  | 'E_KEY_SHORT'
  | 'E_KEY_UNREADABLE';

export class ClusterKeyError extends Error {
  constructor(readonly code: ClusterKeyErrorCode, readonly file: string, message: string) {
    super(`${file}: ${message}`);
    this.name = 'ClusterKeyError';
  }
}

/** What the checks need to know about the opened file. */
export interface KeyFileFacts {
  readonly isFile: boolean;
  /** st_mode, permission bits included. */
  readonly mode: number;
  readonly uid: number;
  readonly size: number;
}

/** The longest key we read: a key file is a few dozen bytes; anything huge is the wrong file. */
export const MAX_CLUSTER_KEY_BYTES = 4096;

const HOW_TO_MAKE = 'create it with `head -c 32 /dev/urandom > FILE && chmod 600 FILE` and copy the same file to every node';

/**
 * Why these file facts make a bad key file, or undefined when they are fine.
 * `allowedUids`: root and the daemon's own uid may own it; nobody else, because
 * the owner can change the mode and so the key.
 */
export function keyFileProblem(file: string, facts: KeyFileFacts, allowedUids: readonly number[]): ClusterKeyError | undefined {
  if (!facts.isFile) {
    return new ClusterKeyError('E_KEY_NOT_FILE', file, `is not a regular file: point cluster.key_file at the key file (${HOW_TO_MAKE.replace(/FILE/g, file)})`);
  }
  const permissions = facts.mode & 0o777;
  if ((permissions & 0o077) !== 0) {
    return new ClusterKeyError('E_KEY_MODE', file,
      `has mode ${permissions.toString(8).padStart(4, '0')}, so other users can read or change the cluster key: run \`chmod 600 ${file}\``);
  }
  if (!allowedUids.includes(facts.uid)) {
    return new ClusterKeyError('E_KEY_OWNER', file,
      `is owned by uid ${facts.uid}, who could change the cluster key: run \`chown root ${file}\` (or make the daemon's user its owner)`);
  }
  if (facts.size < MIN_CLUSTER_KEY_BYTES) {
    return new ClusterKeyError('E_KEY_SHORT', file,
      `holds ${facts.size} bytes, fewer than the ${MIN_CLUSTER_KEY_BYTES} a cluster key needs: ${HOW_TO_MAKE.replace(/FILE/g, file)}`);
  }
  if (facts.size > MAX_CLUSTER_KEY_BYTES) {
    return new ClusterKeyError('E_KEY_UNREADABLE', file,
      `holds ${facts.size} bytes, more than a key file ever needs (${MAX_CLUSTER_KEY_BYTES}): is cluster.key_file the right file?`);
  }
  return undefined;
}

export interface LoadClusterKeyOptions {
  /** Owners besides root. @default [process.getuid()] */
  readonly allowedUids?: readonly number[];
}

/** Checks a key file as loadClusterKey reads it, for `floatipd --check-config` and `floatip config check`: undefined when usable. */
/** undefined when floatipd could start with this key file, else why not and what to do. */
export type ClusterKeyCheck = (file: string) => Promise<ClusterKeyError | undefined>;

export async function checkClusterKeyFile(file: string): Promise<ClusterKeyError | undefined> {
  try {
    await loadClusterKey(file);
    return undefined;
  } catch (error) {
    if (error instanceof ClusterKeyError) return error;
    return new ClusterKeyError('E_KEY_UNREADABLE', file, `cannot be read (${error instanceof Error ? error.message : String(error)}): check the file and the disk`);
  }
}

/**
 * The key is the file's bytes exactly as they are (a trailing newline included):
 * every node reads the same copied file, so they agree. The checks run on the
 * opened descriptor, so the file cannot be swapped between check and read.
 */
export async function loadClusterKey(file: string, options: LoadClusterKeyOptions = {}): Promise<Uint8Array> {
  const ownUid = typeof process.getuid === 'function' ? process.getuid() : 0;
  const allowedUids = [0, ...(options.allowedUids ?? [ownUid])];
  let handle;
  try {
    handle = await open(file, fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new ClusterKeyError('E_KEY_MISSING', file, `does not exist: ${HOW_TO_MAKE.replace(/FILE/g, file)}`);
    if (code === 'ELOOP') throw new ClusterKeyError('E_KEY_NOT_FILE', file, 'is a symbolic link: point cluster.key_file at the key file itself');
    throw new ClusterKeyError('E_KEY_UNREADABLE', file, `cannot be opened (${code ?? String(error)}): run floatipd as root or as the file's owner`);
  }
  try {
    const stat = await handle.stat();
    const problem = keyFileProblem(file, { isFile: stat.isFile(), mode: stat.mode, uid: stat.uid, size: stat.size }, allowedUids);
    if (problem) throw problem;
    const key = await handle.readFile();
    // The size may have changed since fstat; the length rule is what matters.
    const again = keyFileProblem(file, { isFile: true, mode: stat.mode, uid: stat.uid, size: key.length }, allowedUids);
    if (again) throw again;
    return new Uint8Array(key);
  } finally {
    await handle.close();
  }
}
