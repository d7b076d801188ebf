// The rtnetlink notification reader: a NETLINK_ROUTE socket joined to the link and address groups, read on a thread of its own.
#pragma once

#include <napi.h>

#include <thread>
#include <vector>

namespace floatip {

// new NetlinkWatch(receiveBufferBytes: number, groups: number[], onEvent)
// onEvent(kind: 'datagram', data: Buffer) | ('overflow') | ('failed', message: string, code: string)
//
// Why a thread of our own and not the `netlink` package's socket: that package aborts
// the process on a receive-buffer overflow (docs/netlink.md). This reader never throws
// from the thread; ENOBUFS becomes an 'overflow' event and the reader reads on.
class NetlinkWatch : public Napi::ObjectWrap<NetlinkWatch> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit NetlinkWatch(const Napi::CallbackInfo& info);
  ~NetlinkWatch() override;

  // What the reader thread hands to JavaScript, one per queue slot.
  struct Event {
    enum Kind { kDatagram, kOverflow, kFailed } kind;
    std::vector<uint8_t> data;
    int err = 0;
  };

 private:
  Napi::Value Stop(const Napi::CallbackInfo& info);
  Napi::Value GetPortId(const Napi::CallbackInfo& info);

  void Read();
  int DiscardQueued(std::vector<uint8_t>& buffer);
  // Queues an event for JavaScript, waiting while the queue is full; false once stopping.
  bool Hand(Event* event);
  void Shutdown();
  // Stops the thread at environment teardown, before the thread-safe function goes.
  static void CleanupHook(void* watch);

  int socket_fd_ = -1;
  int stop_fd_ = -1;
  uint32_t port_id_ = 0;
  napi_threadsafe_function deliver_ = nullptr;
  std::thread reader_;
};

}  // namespace floatip
