// The node options floatipd runs with, and why: every launcher passes them before the daemon's script.
//
// --single-threaded-gc: V8 then does every garbage collection on the isolate's own thread,
// with no helper threads. The fast-path worker runs in SCHED_RR (adapters/sched/priority.ts);
// V8's helper threads run in the ordinary class. As we read perf profiles of the stalls (no
// V8 code path traced): when the worker's collection waited for a helper while real-time
// threads held every core (two daemons' workers on a 2-core machine), the helper never ran,
// and the workers spun in their task loops until the kernel's real-time
// throttling (950 ms a second) let ordinary threads run again. Every other thread of every
// daemon stood still meanwhile, and daemons died of it: in 1000-address fast-profile labs at
// rest a ~950 ms stall every 1-2 minutes, none in 3 minutes with this option
// (docs/architecture.md, "Why V8 collects on one thread").
//
// Node reads it only from its command line (v8.setFlagsFromString is too late: the isolates
// exist by then), so the lab (lab/package-files.ts), the Debian package's floatip-run and the
// container's floatip-commands.sh all pass FLOATIPD_NODE_OPTIONS
// (test/unit/packaging/launchers.test.ts holds them to this list).

/** node options every launcher of floatipd passes before the daemon's script. */
export const FLOATIPD_NODE_OPTIONS: readonly string[] = ['--single-threaded-gc'];
