// The TCP mesh's counters, as metrics read them.

/** Counters for metrics; every field is a plain number except the per-code rejection table. */
export interface TcpMeshStats {
  readonly connected: number;
  readonly pendingHandshakes: number;
  readonly accepted: number;
  readonly dialAttempts: number;
  readonly sessionsEstablished: number;
  readonly sessionsReplaced: number;
  readonly rejected: number;
  readonly rejectedByCode: Readonly<Record<string, number>>;
  readonly framesIn: number;
  readonly framesOut: number;
  readonly bytesIn: number;
  readonly bytesOut: number;
  readonly listenerErrors: number;
  /** Dials that bound a reserved source port (0 when reserved ports are off or not allowed). */
  readonly reservedPortDials: number;
}
