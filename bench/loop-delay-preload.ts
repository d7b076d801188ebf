// Loaded into every floatipd of a bench lab with `node --require` (NODE_OPTIONS): writes the process's event-loop delay, one line per window, for the bench to read.
//
// The daemon has no test mode, so the bench measures from outside its code: the lab runs a
// wrapper (bench/loop-delay.ts) that sets NODE_OPTIONS=--require this file and
// FLOATIP_LOOP_DELAY_DIR. perf_hooks' histogram at 1 ms resolution, as the takeover run's
// own probe (src/daemon/runtime/loop-delay.ts) samples; each window's percentiles go to
// DIR/PID.jsonl with CLOCK_MONOTONIC stamps, so the bench can pick any stretch of time
// (a trial, a start-up) and merge the windows in it. Worker threads and other node
// processes the daemon starts (event scripts' `floatip`) are left alone.
// The 1 ms sampling timer costs about 1 % of a core (a bare node process here: 2.7 % with
// it, 1.7 % without), so while DIR/paused exists (the bench measures idle CPU) it is off.
// Sampling starts on the first turn after the main module ran, so loading the daemon's
// modules (300-1250 ms under load, before it opens a socket or joins: no peer waits for
// it) is not one huge "delay"; its length is written as a line of its own
// ({"loaded_ms": ...}), which the windows' reader skips.

import { appendFileSync, existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { isMainThread } from 'node:worker_threads';
import { LOOP_DELAY_PAUSE_FILE, LOOP_DELAY_WINDOW_MS, LoopDelayHeader, LoopDelayWindow } from './loop-delay-windows';

function start(dir: string, role: LoopDelayHeader['role']): void {
  const file = join(dir, `${process.pid}.jsonl`);
  const configAt = process.argv.indexOf('--config');
  const header: LoopDelayHeader = { role, pid: process.pid, config: configAt > 0 ? process.argv[configAt + 1] ?? '' : '', t: monotonicMs() };
  appendFileSync(file, `${JSON.stringify(header)}\n`);
  setImmediate(() => {
    appendFileSync(file, `${JSON.stringify({ loaded_ms: Math.round(monotonicMs() - header.t) })}\n`);
    sample(file, dir);
  });
}

function sample(file: string, dir: string): void {
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  histogram.enable();
  let sampling = true;
  const pauseFile = join(dir, LOOP_DELAY_PAUSE_FILE);
  const timer = setInterval(() => {
    if (existsSync(pauseFile) === sampling) {
      sampling = !sampling;
      if (sampling) histogram.enable();
      else histogram.disable();
    }
    if (histogram.count > 0) {
      const window: LoopDelayWindow = {
        t: Math.round(monotonicMs()),
        n: histogram.count,
        max: ms(histogram.max),
        p: [...histogram.percentiles].map(([pct, ns]) => [pct, ms(ns)]),
      };
      appendFileSync(file, `${JSON.stringify(window)}\n`);
    }
    histogram.reset();
  }, LOOP_DELAY_WINDOW_MS);
  timer.unref();
}

function monotonicMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

function ms(ns: number): number {
  return Math.round(ns / 1e3) / 1e3;
}

const dir = process.env.FLOATIP_LOOP_DELAY_DIR;
const script = basename(process.argv[1] ?? '');
const role = script === 'main.js' ? 'floatipd' : undefined;
if (dir && isMainThread && role) start(dir, role);
