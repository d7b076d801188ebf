#!/usr/bin/env node
// Entry point of `floatipd`. The daemon is built in a later step; until then it refuses to start.

process.stderr.write('floatipd: not yet available: the daemon is still being built; nothing was started.\n');
process.exitCode = 1;
