// An IPPROTO_RAW socket (IPv4 or IPv6) that sends packets with our own IP header, many per system call.
#pragma once

#include <napi.h>

namespace floatip {

class RawIpSocket : public Napi::ObjectWrap<RawIpSocket> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit RawIpSocket(const Napi::CallbackInfo& info);
  ~RawIpSocket() override;

 private:
  Napi::Value SendBatch(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);

  int fd_ = -1;
  int family_ = 0;
};

}  // namespace floatip
