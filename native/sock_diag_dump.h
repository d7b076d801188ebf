// Runs one NETLINK_SOCK_DIAG dump on a thread of libuv's pool, so the kernel's walk of its TCP hash table never blocks the loop.
#pragma once

#include <napi.h>

namespace floatip {

// sockDiagDump(request, onDone) -> undefined
//   request: the payload of one SOCK_DIAG_BY_FAMILY dump request (an inet_diag_req_v2, as
//   src/protocol/sockdiag.ts encodes it); the netlink header is added here.
//   On a pool thread: a NETLINK_SOCK_DIAG socket of its own (in the process's network
//   namespace), the request, every reply read until NLMSG_DONE or NLMSG_ERROR, the socket
//   closed. A reply that does not come within 5 s ends the dump with ETIMEDOUT.
//   onDone(error, reply) is called once on this loop: `error` null and `reply` a Buffer of every
//   netlink message received, NLMSG_DONE or NLMSG_ERROR last, as the kernel sent them; or an
//   errno Error of the socket call that failed.
Napi::Value SockDiagDump(const Napi::CallbackInfo& info);

}  // namespace floatip
