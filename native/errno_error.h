// Turns a failed system call into a JS Error carrying errno, code and syscall, like Node's own errors.
#pragma once

#include <napi.h>
#include <string>

namespace floatip {

// The symbolic name of an errno value ("ENODEV"), or "E<number>" for one we do not list.
const char* ErrnoName(int err);

// An Error whose message names the call, the subject and the reason, e.g.
// "bind(fpk0b): No such device", with .errno, .code and .syscall set.
Napi::Error ErrnoError(Napi::Env env, int err, const char* syscall, const std::string& subject);

}  // namespace floatip
