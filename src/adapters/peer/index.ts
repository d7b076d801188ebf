// The peer mesh adapter's public face: the port, the TCP mesh and the cluster key loader.

export type { MeshEvent, MeshListener, PeerDownReason, PeerMesh } from './port';
export { createTcpMesh, TcpMesh } from './tcp-mesh';
export type { TcpMeshStats } from './tcp-mesh';
export type { MeshNode, TcpMeshComponents, TcpMeshInit } from './options';
export { checkClusterKeyFile, ClusterKeyError, keyFileProblem, loadClusterKey } from './cluster-key';
export type { ClusterKeyErrorCode } from './cluster-key';
export { PeerMeshError } from './errors';
export type { PeerMeshErrorCode } from './errors';
