// Starts an event script with posix_spawn (no copy of the daemon's page tables) and reports its exit to the JS loop.
#pragma once

#include <napi.h>

namespace floatip {

// spawnScript(path, argv, env, onExit) -> { pid, output }
//   path: the file to execute (no PATH search); argv: its arguments after argv[0] (which is
//   `path`); env: "NAME=value" strings, the whole environment.
//   The script starts in a new session (its own process group, pgid = pid), stdin from
//   /dev/null, stdout and stderr both on one pipe whose read end `output` (close-on-exec) is
//   the caller's to read and close; no other descriptor of ours, default signal dispositions,
//   nothing blocked. A file without a #! line (ENOEXEC) runs under /bin/sh, as execvp does.
//   onExit(code, signal) is called once on this loop when the script has been reaped: `code`
//   its exit status and `signal` null, or `code` null and `signal` the number that ended it.
//   Throws an errno Error (ENOENT, EACCES, ENOEXEC, ETXTBSY, ...) when it cannot start, and
//   then nothing is left behind.
Napi::Value SpawnScript(const Napi::CallbackInfo& info);

}  // namespace floatip
