// Real-time scheduling (SCHED_RR) for the threads the cluster's liveness waits on.
#pragma once

#include <napi.h>

namespace floatip {

// setRealtime(tid, priority) -> void: puts one thread (a kernel thread id; 0 is
// the calling thread) in SCHED_RR at `priority` (1..99), with SCHED_RESET_ON_FORK
// (children start in the ordinary class). Throws an errno Error
// (EPERM without CAP_SYS_NICE, ESRCH for no such thread) and changes nothing then.
Napi::Value SetRealtime(const Napi::CallbackInfo& info);

// setOrdinary(tid) -> void: back to SCHED_OTHER (the nice value is kept). Throws an errno Error.
Napi::Value SetOrdinary(const Napi::CallbackInfo& info);

// realtimePriority(tid) -> number: the thread's SCHED_RR/SCHED_FIFO priority,
// 0 when it runs in an ordinary (fair) class. Throws an errno Error.
Napi::Value RealtimePriority(const Napi::CallbackInfo& info);

}  // namespace floatip
