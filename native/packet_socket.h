// An AF_PACKET socket bound to one interface: send whole Ethernet frames, receive them through uv_poll.
#pragma once

#include <napi.h>
#include <uv.h>
#include <string>

namespace floatip {

class PacketSocket : public Napi::ObjectWrap<PacketSocket> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit PacketSocket(const Napi::CallbackInfo& info);
  ~PacketSocket() override;

 private:
  Napi::Value Send(const Napi::CallbackInfo& info);
  Napi::Value SendBatch(const Napi::CallbackInfo& info);
  Napi::Value StartReceive(const Napi::CallbackInfo& info);
  Napi::Value StopReceive(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);
  Napi::Value TakeStatistics(const Napi::CallbackInfo& info);
  Napi::Value GetIfindex(const Napi::CallbackInfo& info);
  Napi::Value GetIfname(const Napi::CallbackInfo& info);
  Napi::Value GetMac(const Napi::CallbackInfo& info);
  Napi::Value GetHardwareType(const Napi::CallbackInfo& info);

  static void OnReadable(uv_poll_t* handle, int status, int events);
  void DrainReceived(Napi::Env env);
  void StopPolling();
  void CheckOpen(Napi::Env env) const;

  int fd_ = -1;
  int ifindex_ = 0;
  std::string ifname_;
  unsigned char mac_[6] = {0};
  int hardware_type_ = 0;
  // Owned by libuv until its close callback runs, so it outlives this object if need be.
  uv_poll_t* poll_ = nullptr;
  Napi::FunctionReference on_frame_;
};

}  // namespace floatip
