// Starts an event script with posix_spawn on a thread-pool thread (no copy of the daemon's page tables, no wait on the loop) and reports its start and exit to the JS loop.
#pragma once

#include <napi.h>

namespace floatip {

// spawnScript(path, argv, env, onStarted, onExit) -> undefined
//   path: the file to execute (no PATH search); argv: its arguments after argv[0] (which is
//   `path`); env: "NAME=value" strings, the whole environment.
//   The script starts in a new session (its own process group, pgid = pid), stdin from
//   /dev/null, stdout and stderr both on one pipe; no other descriptor of ours, default signal
//   dispositions, nothing blocked. A file without a #! line (ENOEXEC) runs under /bin/sh, as
//   execvp does. The start happens on a thread of libuv's pool: this call returns at once.
//   onStarted(error, pid, output) is called once on this loop: `error` null, the pid and the
//   read end of the pipe (close-on-exec; the caller's to read and close); or an errno Error
//   (ENOENT, EACCES, ENOEXEC, ETXTBSY, ...) and nothing was left behind.
//   onExit(code, signal) is then called once when the script has been reaped: `code` its exit
//   status and `signal` null, or `code` null and `signal` the number that ended it.
Napi::Value SpawnScript(const Napi::CallbackInfo& info);

}  // namespace floatip
