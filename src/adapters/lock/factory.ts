// Makes the cluster lock that `cluster.cluster_lock` names, from the value the config loader already parsed.

import { ClusterLock as ClusterLockSetting } from '../../config/cluster-lock';
import { EtcdLock, EtcdLockOptions } from './etcd-lock';
import { FcntlLock, FcntlLockOptions } from './fcntl-lock';
import { HelperLock, HelperLockOptions } from './helper-lock';
import { ClusterLock } from './port';

/** Settings per backend; only the one the configured lock uses is read. */
export interface ClusterLockOptions {
  readonly fcntl?: FcntlLockOptions;
  readonly helper?: HelperLockOptions;
  readonly etcd?: EtcdLockOptions;
}

export function createClusterLock(setting: ClusterLockSetting, options: ClusterLockOptions = {}): ClusterLock {
  switch (setting.kind) {
    case 'fcntl': return new FcntlLock(setting.path, options.fcntl);
    case 'helper': return new HelperLock(setting.command, setting.args, options.helper);
    case 'etcd': return new EtcdLock(setting.endpoint, setting.key, options.etcd);
  }
}
