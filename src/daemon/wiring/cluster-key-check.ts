// Checks cluster.key_file with the code floatipd reads it with at start, for SIGHUP and --check-config: a broken key is found before a restart needs it.

import { ClusterKeyError, loadClusterKey } from '../../adapters/peer';

/** undefined when floatipd could start with this key file, else why not and what to do. */
export type ClusterKeyCheck = (file: string) => Promise<ClusterKeyError | undefined>;

/** loadClusterKey, its key thrown away: present, a regular file, mode 0600 or stricter, owned by root (or us), long enough. */
export const checkClusterKeyFile: ClusterKeyCheck = async (file) => {
  try {
    await loadClusterKey(file);
    return undefined;
  } catch (error) {
    if (error instanceof ClusterKeyError) return error;
    return new ClusterKeyError('E_KEY_UNREADABLE', file, `cannot be read (${error instanceof Error ? error.message : String(error)}): check the file and the disk`);
  }
};
