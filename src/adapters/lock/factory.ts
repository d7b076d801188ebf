// Makes the cluster lock that `cluster.cluster_lock` names, from the value the config loader already parsed.

import { EtcdLock, EtcdLockOptions } from './etcd-lock';
import { FcntlLock, FcntlLockOptions } from './fcntl-lock';
import { HelperLock, HelperLockOptions } from './helper-lock';
import { ClusterLock } from './port';

/**
 * Which lock, as plain settings. The daemon's wiring passes the parsed `cluster.cluster_lock`
 * value (config/cluster-lock.ts, the same shape): adapters sit below config and do not read it.
 */
export type LockBackend =
  | { readonly kind: 'fcntl'; readonly path: string }
  | { readonly kind: 'helper'; readonly command: string; readonly args: readonly string[] }
  | { readonly kind: 'etcd'; readonly endpoint: string; readonly key: string };

/** Settings per backend; only the one the configured lock uses is read. */
export interface ClusterLockOptions {
  readonly fcntl?: FcntlLockOptions;
  readonly helper?: HelperLockOptions;
  readonly etcd?: EtcdLockOptions;
}

export function createClusterLock(setting: LockBackend, options: ClusterLockOptions = {}): ClusterLock {
  switch (setting.kind) {
    case 'fcntl': return new FcntlLock(setting.path, options.fcntl);
    case 'helper': return new HelperLock(setting.command, setting.args, options.helper);
    case 'etcd': return new EtcdLock(setting.endpoint, setting.key, options.etcd);
  }
}
