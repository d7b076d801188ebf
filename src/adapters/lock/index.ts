// The cluster lock adapters: the port, its three backends, the retry loop and the factory.

export type { AcquireResult, ClusterLock, LockLostListener, LockState } from './port';
export { ClusterLockError } from './errors';
export type { ClusterLockErrorCode } from './errors';
export { createClusterLock } from './factory';
export type { ClusterLockOptions, LockBackend } from './factory';
export { LockContender } from './contender';
export type { ContenderEvent, LockContenderOptions } from './contender';
export { FcntlLock, FCNTL_DEFAULTS } from './fcntl-lock';
export type { FcntlLockOptions } from './fcntl-lock';
export { HelperLock, HELPER_DEFAULTS } from './helper-lock';
export type { HelperLockOptions } from './helper-lock';
export { EtcdLock, ETCD_DEFAULTS } from './etcd-lock';
export type { EtcdLockOptions } from './etcd-lock';
