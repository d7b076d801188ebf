// Event-loop delay during a takeover run: a probe started with the run and read when it ends.

import { monitorEventLoopDelay } from 'node:perf_hooks';

/** One measurement: `stop()` ends it and returns the p99 delay in ms, or null when too short to sample. */
export interface LoopDelayMeasurement {
  stop(): number | null;
}

export interface LoopDelayProbe {
  start(): LoopDelayMeasurement;
}

/**
 * perf_hooks' histogram, sampling every `resolutionMs`. A run shorter than one
 * sample has no figure (null), rather than a made-up zero.
 */
export function perfHooksLoopDelayProbe(resolutionMs = 1): LoopDelayProbe {
  return {
    start() {
      const histogram = monitorEventLoopDelay({ resolution: resolutionMs });
      histogram.enable();
      return {
        stop() {
          histogram.disable();
          if (histogram.count === 0) return null;
          return Math.round((histogram.percentile(99) / 1e6) * 1000) / 1000;
        },
      };
    },
  };
}
