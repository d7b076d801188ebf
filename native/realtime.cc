// Real-time scheduling (SCHED_RR) for the threads the cluster's liveness waits on.
//
// Why not nice -10: with autogroup scheduling (sched_autogroup_enabled=1, the
// default of Debian's kernels) a nice value weighs a thread only against the
// threads of its own session; between sessions the scheduler shares the CPU by
// group. floatipd's main thread, busy adding 333 addresses, spends its group's
// share, and its fast-path thread, at nice -10 but in the same group, then waited
// 100-140 ms for a core while another daemon ran (CPU profiles of both threads
// show the same gap): longer than the fast profile's fence_after allows. A
// SCHED_RR thread runs ahead of every fair-class thread whatever its group, as
// corosync's main thread (sched_setscheduler SCHED_RR) and keepalived's VRRP
// process (vrrp_rt_priority) do for the same reason. The kernel still keeps 5 %
// of each second for fair-class threads (sched_rt_runtime_us), so a runaway
// loop cannot take a core for ever.
#include "realtime.h"

#include <sched.h>
#include <sys/types.h>
#include <cerrno>
#include <string>

#include "errno_error.h"

namespace floatip {
namespace {

pid_t ThreadId(const Napi::CallbackInfo& info, const char* usage) {
  if (info.Length() < 1 || !info[0].IsNumber()) throw Napi::TypeError::New(info.Env(), usage);
  int64_t tid = info[0].As<Napi::Number>().Int64Value();
  if (tid < 0 || tid > 0x3fffffff) throw Napi::RangeError::New(info.Env(), "the thread id must be 0 (this thread) or a kernel thread id");
  return static_cast<pid_t>(tid);
}

}  // namespace

Napi::Value SetRealtime(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  pid_t tid = ThreadId(info, "expected (tid: number, priority: number)");
  if (info.Length() < 2 || !info[1].IsNumber()) throw Napi::TypeError::New(env, "expected (tid: number, priority: number)");
  int priority = info[1].As<Napi::Number>().Int32Value();
  if (priority < sched_get_priority_min(SCHED_RR) || priority > sched_get_priority_max(SCHED_RR)) {
    throw Napi::RangeError::New(env, "the SCHED_RR priority must be within 1..99");
  }
  struct sched_param param = {};
  param.sched_priority = priority;
  // SCHED_RESET_ON_FORK: a process this thread spawns (the guardian) starts in the ordinary
  // class, so its start-up (module loading) does not run ahead of everything else.
  if (sched_setscheduler(tid, SCHED_RR | SCHED_RESET_ON_FORK, &param) != 0) {
    throw ErrnoError(env, errno, "sched_setscheduler", "thread " + std::to_string(tid));
  }
  return env.Undefined();
}

Napi::Value SetOrdinary(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  pid_t tid = ThreadId(info, "expected (tid: number)");
  struct sched_param param = {};
  if (sched_setscheduler(tid, SCHED_OTHER, &param) != 0) {
    throw ErrnoError(env, errno, "sched_setscheduler", "thread " + std::to_string(tid));
  }
  return env.Undefined();
}

Napi::Value RealtimePriority(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  pid_t tid = ThreadId(info, "expected (tid: number)");
  int policy = sched_getscheduler(tid);
  if (policy >= 0) policy &= ~SCHED_RESET_ON_FORK;
  if (policy < 0) throw ErrnoError(env, errno, "sched_getscheduler", "thread " + std::to_string(tid));
  if (policy != SCHED_RR && policy != SCHED_FIFO) return Napi::Number::New(env, 0);
  struct sched_param param = {};
  if (sched_getparam(tid, &param) != 0) throw ErrnoError(env, errno, "sched_getparam", "thread " + std::to_string(tid));
  return Napi::Number::New(env, param.sched_priority);
}

}  // namespace floatip
