// Turns a failed system call into a JS Error carrying errno, code and syscall, like Node's own errors.
#include "errno_error.h"

#include <cerrno>
#include <cstring>

namespace floatip {

const char* ErrnoName(int err) {
  switch (err) {
    case EPERM: return "EPERM";
    case ENOENT: return "ENOENT";
    case E2BIG: return "E2BIG";
    case ENOEXEC: return "ENOEXEC";
    case ETXTBSY: return "ETXTBSY";
    case ENOTDIR: return "ENOTDIR";
    case EISDIR: return "EISDIR";
    case ELOOP: return "ELOOP";
    case ENAMETOOLONG: return "ENAMETOOLONG";
    case ESRCH: return "ESRCH";
    case EINTR: return "EINTR";
    case EIO: return "EIO";
    case EBADF: return "EBADF";
    case EAGAIN: return "EAGAIN";
    case ENOMEM: return "ENOMEM";
    case EACCES: return "EACCES";
    case EFAULT: return "EFAULT";
    case EINVAL: return "EINVAL";
    case EMFILE: return "EMFILE";
    case ENFILE: return "ENFILE";
    case EMSGSIZE: return "EMSGSIZE";
    case ENODEV: return "ENODEV";
    case ENXIO: return "ENXIO";
    case ENETDOWN: return "ENETDOWN";
    case ENETUNREACH: return "ENETUNREACH";
    case EHOSTUNREACH: return "EHOSTUNREACH";
    case ENOBUFS: return "ENOBUFS";
    case EADDRNOTAVAIL: return "EADDRNOTAVAIL";
    case EAFNOSUPPORT: return "EAFNOSUPPORT";
    case EPROTONOSUPPORT: return "EPROTONOSUPPORT";
    default: return nullptr;
  }
}

Napi::Error ErrnoError(Napi::Env env, int err, const char* syscall, const std::string& subject) {
  std::string message = std::string(syscall) + "(" + subject + "): " + std::strerror(err);
  Napi::Error error = Napi::Error::New(env, message);
  const char* name = ErrnoName(err);
  error.Set("errno", Napi::Number::New(env, err));
  error.Set("code", Napi::String::New(env, name ? name : ("E" + std::to_string(err)).c_str()));
  error.Set("syscall", Napi::String::New(env, syscall));
  return error;
}

}  // namespace floatip
