// The configuration module's public face: load the three files, or read the schema and defaults.

export { loadConfig, defaults } from './load';
export type { ConfigLoad, ConfigPaths, FloatipConfig, ReadTextFile } from './load';
export { ConfigError, formatIssue } from './issues';
export type { ConfigIssue, ConfigIssueCode } from './issues';
export type { ClusterNode } from './nodes-file';
export { readNodesFile } from './nodes-file';
export { readPublicAddressesFile } from './public-addresses-file';
export { missingInterfaceWarnings } from './interface-presence';
export { schema, EVENT_NAMES, listOptions } from './schema';
export type { EventName, FloatipSettings } from './schema';
export type { ClusterLock } from './cluster-lock';
export type { ListenAddress } from './listen-address';
export type { MonitorSchedule } from './monitor-schedule';
export type { Milliseconds } from './duration';
export { formatDuration, parseDuration } from './duration';
