// Typed errors of the TCP mesh's setup: bad options and a listener that cannot start, each saying what to do.

export type PeerMeshErrorCode = 'E_MESH_CONFIG' | 'E_MESH_LISTEN' | 'E_MESH_STATE';

export class PeerMeshError extends Error {
  constructor(readonly code: PeerMeshErrorCode, message: string) {
    super(message);
    this.name = 'PeerMeshError';
  }
}
