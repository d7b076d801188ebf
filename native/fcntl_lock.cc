// Open file description byte-range locks (F_OFD_SETLK) for the cluster lock, run off the JavaScript thread.
//
// Why OFD locks and not classic POSIX (F_SETLK) locks: a POSIX lock belongs to
// the process and is dropped when the process closes ANY descriptor of the file,
// so the daemon's periodic re-check (which opens the path) would silently give
// the lock away, and two lock objects in one process would never exclude each
// other. An OFD lock belongs to the open file description: it conflicts with
// other descriptions and with POSIX locks of other processes (so it excludes
// CTDB's ctdb_mutex_fcntl_helper on the same file), and it goes away only when
// the last descriptor of that description closes, e.g. when the daemon dies.
//
// Why a worker thread: on a cluster file system a lock request travels to a
// lock manager and can hang when the file system is in trouble; the event loop
// must keep running heartbeats meanwhile, so the call runs in libuv's pool.
#include "fcntl_lock.h"

#include <fcntl.h>
#include <cerrno>
#include <string>

#include "errno_error.h"

namespace floatip {
namespace {

class RangeLockWorker : public Napi::AsyncWorker {
 public:
  RangeLockWorker(Napi::Env env, int fd, off_t start, off_t length, short type, std::string path)
      : Napi::AsyncWorker(env), deferred_(Napi::Promise::Deferred::New(env)),
        fd_(fd), start_(start), length_(length), type_(type), path_(std::move(path)) {}

  Napi::Promise Promise() { return deferred_.Promise(); }

  void Execute() override {
    struct flock lock = {};
    lock.l_type = type_;
    lock.l_whence = SEEK_SET;
    lock.l_start = start_;
    lock.l_len = length_;
    lock.l_pid = 0;  // must be 0 for OFD locks
    int rc;
    do {
      rc = fcntl(fd_, F_OFD_SETLK, &lock);
    } while (rc != 0 && errno == EINTR);
    if (rc == 0) {
      taken_ = true;
    } else if (type_ != F_UNLCK && (errno == EAGAIN || errno == EACCES)) {
      taken_ = false;  // held by someone else: an answer, not a failure
    } else {
      errno_ = errno;
    }
  }

  void OnOK() override {
    Napi::Env env = Env();
    if (errno_ != 0) {
      deferred_.Reject(ErrnoError(env, errno_, "fcntl(F_OFD_SETLK)", path_).Value());
    } else if (type_ == F_UNLCK) {
      deferred_.Resolve(env.Undefined());
    } else {
      deferred_.Resolve(Napi::Boolean::New(env, taken_));
    }
  }

  void OnError(const Napi::Error& error) override { deferred_.Reject(error.Value()); }

 private:
  Napi::Promise::Deferred deferred_;
  int fd_;
  off_t start_;
  off_t length_;
  short type_;
  std::string path_;
  bool taken_ = false;
  int errno_ = 0;
};

Napi::Value Queue(const Napi::CallbackInfo& info, short type) {
  Napi::Env env = info.Env();
  if (info.Length() < 4 || !info[0].IsNumber() || !info[1].IsNumber() || !info[2].IsNumber() || !info[3].IsString()) {
    throw Napi::TypeError::New(env, "expected (fd: number, start: number, length: number, path: string)");
  }
  int fd = info[0].As<Napi::Number>().Int32Value();
  int64_t start = info[1].As<Napi::Number>().Int64Value();
  int64_t length = info[2].As<Napi::Number>().Int64Value();
  if (fd < 0 || start < 0 || length < 0) {
    throw Napi::RangeError::New(env, "fd, start and length must not be negative");
  }
  auto* worker = new RangeLockWorker(env, fd, static_cast<off_t>(start), static_cast<off_t>(length), type,
                                     info[3].As<Napi::String>().Utf8Value());
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

}  // namespace

Napi::Value FcntlTryLock(const Napi::CallbackInfo& info) { return Queue(info, F_WRLCK); }

Napi::Value FcntlUnlock(const Napi::CallbackInfo& info) { return Queue(info, F_UNLCK); }

}  // namespace floatip
