// Entry point of the floatip native addon: exports the packet and raw IP socket classes, the rtnetlink notification reader, the cluster lock calls, real-time scheduling, the event scripts' posix_spawn and sock_diag dumps off the loop.
#include <napi.h>

#include "fcntl_lock.h"
#include "netlink_watch.h"
#include "packet_socket.h"
#include "raw_ip_socket.h"
#include "realtime.h"
#include "sock_diag_dump.h"
#include "spawn.h"

namespace {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("PacketSocket", floatip::PacketSocket::Define(env));
  exports.Set("NetlinkWatch", floatip::NetlinkWatch::Define(env));
  exports.Set("RawIpSocket", floatip::RawIpSocket::Define(env));
  exports.Set("fcntlTryLock", Napi::Function::New(env, floatip::FcntlTryLock, "fcntlTryLock"));
  exports.Set("fcntlUnlock", Napi::Function::New(env, floatip::FcntlUnlock, "fcntlUnlock"));
  exports.Set("setRealtime", Napi::Function::New(env, floatip::SetRealtime, "setRealtime"));
  exports.Set("setOrdinary", Napi::Function::New(env, floatip::SetOrdinary, "setOrdinary"));
  exports.Set("realtimePriority", Napi::Function::New(env, floatip::RealtimePriority, "realtimePriority"));
  exports.Set("spawnScript", Napi::Function::New(env, floatip::SpawnScript, "spawnScript"));
  exports.Set("sockDiagDump", Napi::Function::New(env, floatip::SockDiagDump, "sockDiagDump"));
  return exports;
}

}  // namespace

NODE_API_MODULE(floatip_native, Init)
