// The Metrics of a daemon with metrics off (the default): the same methods, nothing kept, prom-client never loaded.
//
// Apart from metrics.ts so that a daemon with metrics off does not load prom-client and its
// ~80 modules (@opentelemetry/api among them): a fifth of floatipd's module loading, which
// a restart waits for before it does anything (docs/benchmarks.md, rejoin).

import type { Metrics } from './metrics';

/** For a daemon with metrics off: the runtime calls the same methods, and nothing is kept. */
export const noMetrics: Metrics = {
  setNodeFlags: () => undefined,
  setQuorate: () => undefined,
  setVotes: () => undefined,
  setLeader: () => undefined,
  setHostedAddresses: () => undefined,
  observeTakeoverRun: () => undefined,
  observeAddressFailover: () => undefined,
  setUnhostedAddresses: () => undefined,
  observeHeartbeatRoundTrip: () => undefined,
  observeEvent: () => undefined,
  countAuthenticationFailure: () => undefined,
  countMeshRefusals: () => undefined,
  countTicklesSent: () => undefined,
  setDuplicateAddresses: () => undefined,
  setFlapDamping: () => undefined,
  setGuarded: () => undefined,
};
