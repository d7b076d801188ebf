// Open file description byte-range locks (F_OFD_SETLK) for the cluster lock, run off the JavaScript thread.
#pragma once

#include <napi.h>

namespace floatip {

// fcntlTryLock(fd, start, length, path) -> Promise<boolean>: takes a write lock
// on [start, start+length) without waiting. Resolves true when taken, false when
// another open file description (or a POSIX lock of another process) holds an
// overlapping lock; rejects with an errno Error otherwise. `path` only names the
// file in error messages.
Napi::Value FcntlTryLock(const Napi::CallbackInfo& info);

// fcntlUnlock(fd, start, length, path) -> Promise<void>: drops that range.
Napi::Value FcntlUnlock(const Napi::CallbackInfo& info);

}  // namespace floatip
