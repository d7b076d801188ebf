// An AF_PACKET socket bound to one interface: send whole Ethernet frames, receive them through uv_poll.
#include "packet_socket.h"

#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>
#include <thread>
#include <vector>

#include "errno_error.h"
#include "socket_options.h"

namespace floatip {

namespace {

constexpr size_t kEthernetHeader = 14;
// Frames handed to one sendmmsg call; the kernel caps a call at UIO_MAXIOV (1024).
constexpr size_t kBatchChunk = 256;
// Frames read per readiness event, so a flood cannot starve the event loop.
constexpr int kReadsPerWake = 256;
constexpr size_t kLargestFrame = 65536;

// Closes a packet socket on a thread of its own. The kernel's release of an AF_PACKET socket
// waits for an RCU grace period (packet_release -> synchronize_net): 16 ms here at rest, more
// under load, and the daemon's main thread closes the duplicate prober's sockets every probe
// slice (1.1 s of its long turns in one profile). Nothing waits for the close itself: the
// socket stopped being polled, and its number stays taken until the close, so it cannot be
// reused meanwhile.
void CloseInBackground(int fd) {
  try {
    std::thread([fd] { close(fd); }).detach();
  } catch (const std::system_error&) {
    close(fd);  // No thread to be had (EAGAIN): close here rather than leak.
  }
}

double Milliseconds(const timespec& t) { return static_cast<double>(t.tv_sec) * 1e3 + static_cast<double>(t.tv_nsec) / 1e6; }

// CLOCK_MONOTONIC minus CLOCK_REALTIME now, in ms: turns the kernel's receive stamps
// (realtime) into the monotonic clock that process.hrtime reads.
double MonotonicMinusRealtime() {
  timespec mono{};
  timespec real{};
  clock_gettime(CLOCK_MONOTONIC, &mono);
  clock_gettime(CLOCK_REALTIME, &real);
  return Milliseconds(mono) - Milliseconds(real);
}

// The SCM_TIMESTAMPNS of a received message, or nullptr.
const timespec* ReceiveStamp(msghdr* message) {
  for (cmsghdr* c = CMSG_FIRSTHDR(message); c != nullptr; c = CMSG_NXTHDR(message, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) return reinterpret_cast<const timespec*>(CMSG_DATA(c));
  }
  return nullptr;
}

// The address sendto needs: our interface, the frame's own destination MAC and EtherType.
sockaddr_ll DestinationOf(int ifindex, const uint8_t* frame) {
  sockaddr_ll to{};
  to.sll_family = AF_PACKET;
  to.sll_ifindex = ifindex;
  to.sll_halen = ETH_ALEN;
  std::memcpy(to.sll_addr, frame, ETH_ALEN);
  std::memcpy(&to.sll_protocol, frame + 12, 2);  // already network order
  return to;
}

Napi::Buffer<uint8_t> FrameArgument(const Napi::Value& value, size_t index) {
  if (!value.IsBuffer()) {
    throw Napi::TypeError::New(value.Env(), "frame " + std::to_string(index) + " is not a Buffer");
  }
  auto frame = value.As<Napi::Buffer<uint8_t>>();
  if (frame.Length() < kEthernetHeader) {
    throw Napi::TypeError::New(value.Env(), "frame " + std::to_string(index) + " is shorter than an Ethernet header");
  }
  return frame;
}

}  // namespace

Napi::Function PacketSocket::Define(Napi::Env env) {
  return DefineClass(env, "PacketSocket", {
    InstanceMethod<&PacketSocket::Send>("send"),
    InstanceMethod<&PacketSocket::SendBatch>("sendBatch"),
    InstanceMethod<&PacketSocket::StartReceive>("startReceive"),
    InstanceMethod<&PacketSocket::StopReceive>("stopReceive"),
    InstanceMethod<&PacketSocket::Close>("close"),
    InstanceMethod<&PacketSocket::TakeStatistics>("takeStatistics"),
    InstanceAccessor<&PacketSocket::GetIfindex>("ifindex"),
    InstanceAccessor<&PacketSocket::GetIfname>("ifname"),
    InstanceAccessor<&PacketSocket::GetMac>("mac"),
    InstanceAccessor<&PacketSocket::GetHardwareType>("hardwareType"),
  });
}

// new PacketSocket(interface: string | number, etherType: number)
// etherType 0 opens a send-only socket: the kernel delivers nothing to it.
PacketSocket::PacketSocket(const Napi::CallbackInfo& info) : Napi::ObjectWrap<PacketSocket>(info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !(info[0].IsString() || info[0].IsNumber()) || !info[1].IsNumber()) {
    throw Napi::TypeError::New(env, "PacketSocket(interface: string | number, etherType: number)");
  }
  const int ether_type = info[1].As<Napi::Number>().Int32Value();
  if (ether_type < 0 || ether_type > 0xffff) throw Napi::RangeError::New(env, "etherType must be 0..65535");

  char name[IF_NAMESIZE] = {0};
  if (info[0].IsString()) {
    ifname_ = info[0].As<Napi::String>().Utf8Value();
    ifindex_ = static_cast<int>(if_nametoindex(ifname_.c_str()));
    if (ifindex_ == 0) throw ErrnoError(env, errno, "if_nametoindex", ifname_);
  } else {
    ifindex_ = info[0].As<Napi::Number>().Int32Value();
    if (ifindex_ <= 0 || if_indextoname(static_cast<unsigned>(ifindex_), name) == nullptr) {
      throw ErrnoError(env, ifindex_ <= 0 ? ENODEV : errno, "if_indextoname", std::to_string(ifindex_));
    }
    ifname_ = name;
  }

  // Protocol 0 here and the EtherType only at bind(): a socket made with a protocol hooks into
  // every interface at once, and bind() to one interface must then unhook it first, which waits
  // for an RCU grace period (packet_do_bind -> synchronize_net): 14-16 ms of a blocked event loop
  // per receiving socket here, and the duplicate prober opens them every probe slice. Bound with
  // the protocol, the hook is made once, for this interface only, and no frame of another
  // interface can be queued before bind().
  fd_ = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
  if (fd_ < 0) throw ErrnoError(env, errno, "socket", "AF_PACKET");

  int failed_errno = 0;
  const char* failed_call = nullptr;
  sockaddr_ll local{};
  local.sll_family = AF_PACKET;
  local.sll_protocol = htons(static_cast<uint16_t>(ether_type));
  local.sll_ifindex = ifindex_;
  ifreq request{};
  std::strncpy(request.ifr_name, ifname_.c_str(), IF_NAMESIZE - 1);
  if (bind(fd_, reinterpret_cast<sockaddr*>(&local), sizeof(local)) < 0) {
    failed_errno = errno;
    failed_call = "bind";
  } else if (ioctl(fd_, SIOCGIFHWADDR, &request) < 0) {
    failed_errno = errno;
    failed_call = "ioctl(SIOCGIFHWADDR)";
  }
  if (failed_call != nullptr) {
    close(fd_);
    fd_ = -1;
    throw ErrnoError(env, failed_errno, failed_call, ifname_);
  }
  std::memcpy(mac_, request.ifr_hwaddr.sa_data, sizeof(mac_));
  hardware_type_ = request.ifr_hwaddr.sa_family;
  EnlargeBuffers(fd_);
}

PacketSocket::~PacketSocket() {
  // Only reached at environment teardown while receiving (the reference held by
  // startReceive keeps the object alive otherwise), so no Unref here.
  if (poll_ != nullptr) {
    uv_poll_stop(poll_);
    poll_->data = nullptr;
    uv_close(reinterpret_cast<uv_handle_t*>(poll_), [](uv_handle_t* h) { delete reinterpret_cast<uv_poll_t*>(h); });
    poll_ = nullptr;
  }
  if (fd_ >= 0) close(fd_);
}

void PacketSocket::CheckOpen(Napi::Env env) const {
  if (fd_ < 0) throw ErrnoError(env, EBADF, "send", ifname_ + " (socket closed)");
}

Napi::Value PacketSocket::Send(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  CheckOpen(env);
  auto frame = FrameArgument(info[0], 0);
  sockaddr_ll to = DestinationOf(ifindex_, frame.Data());
  ssize_t sent = sendto(fd_, frame.Data(), frame.Length(), 0, reinterpret_cast<sockaddr*>(&to), sizeof(to));
  if (sent < 0) throw ErrnoError(env, errno, "sendto", ifname_);
  return Napi::Number::New(env, static_cast<double>(sent));
}

// sendBatch(frames: Buffer[]): number of frames sent; on failure the Error carries .sent.
Napi::Value PacketSocket::SendBatch(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  CheckOpen(env);
  if (!info[0].IsArray()) throw Napi::TypeError::New(env, "sendBatch(frames: Buffer[])");
  Napi::Array frames = info[0].As<Napi::Array>();
  const size_t count = frames.Length();
  std::vector<Napi::Buffer<uint8_t>> held;
  held.reserve(count);
  for (size_t i = 0; i < count; i++) held.push_back(FrameArgument(frames.Get(i), i));

  std::vector<sockaddr_ll> addresses(std::min(count, kBatchChunk));
  std::vector<iovec> vectors(addresses.size());
  std::vector<mmsghdr> messages(addresses.size());
  size_t sent = 0;
  while (sent < count) {
    const size_t chunk = std::min(count - sent, kBatchChunk);
    for (size_t i = 0; i < chunk; i++) {
      auto& frame = held[sent + i];
      addresses[i] = DestinationOf(ifindex_, frame.Data());
      vectors[i] = {frame.Data(), frame.Length()};
      messages[i] = {};
      messages[i].msg_hdr.msg_name = &addresses[i];
      messages[i].msg_hdr.msg_namelen = sizeof(sockaddr_ll);
      messages[i].msg_hdr.msg_iov = &vectors[i];
      messages[i].msg_hdr.msg_iovlen = 1;
    }
    int done = sendmmsg(fd_, messages.data(), static_cast<unsigned>(chunk), 0);
    if (done < 0) {
      if (errno == EINTR) continue;
      Napi::Error error = ErrnoError(env, errno, "sendmmsg", ifname_);
      error.Set("sent", Napi::Number::New(env, static_cast<double>(sent)));
      throw error;
    }
    sent += static_cast<size_t>(done);
  }
  return Napi::Number::New(env, static_cast<double>(sent));
}

// startReceive(onFrame: (frame: Buffer, packetType: number) => void)
Napi::Value PacketSocket::StartReceive(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  CheckOpen(env);
  if (!info[0].IsFunction()) throw Napi::TypeError::New(env, "startReceive(onFrame: function)");
  if (poll_ != nullptr) throw Napi::Error::New(env, "already receiving on " + ifname_);
  // Receive stamps from the kernel: a busy event loop reads a frame late, but the stamp says when it arrived.
  const int on = 1;
  if (setsockopt(fd_, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof(on)) < 0) throw ErrnoError(env, errno, "setsockopt(SO_TIMESTAMPNS)", ifname_);
  uv_loop_t* loop = nullptr;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok) throw Napi::Error::New(env, "no event loop");
  poll_ = new uv_poll_t;
  int status = uv_poll_init(loop, poll_, fd_);
  if (status == 0) {
    poll_->data = this;
    status = uv_poll_start(poll_, UV_READABLE, OnReadable);
    if (status != 0) uv_close(reinterpret_cast<uv_handle_t*>(poll_), [](uv_handle_t* h) { delete reinterpret_cast<uv_poll_t*>(h); });
  } else {
    delete poll_;
  }
  if (status != 0) {
    poll_ = nullptr;
    throw ErrnoError(env, -status, "uv_poll_start", ifname_);
  }
  on_frame_ = Napi::Persistent(info[0].As<Napi::Function>());
  Ref();  // a socket that is receiving must not be collected
  return env.Undefined();
}

void PacketSocket::OnReadable(uv_poll_t* handle, int status, int /*events*/) {
  auto* self = static_cast<PacketSocket*>(handle->data);
  if (status < 0 || self == nullptr) return;
  Napi::Env env = self->Env();
  Napi::HandleScope scope(env);
  self->DrainReceived(env);
}

void PacketSocket::DrainReceived(Napi::Env env) {
  std::vector<uint8_t> buffer(kLargestFrame);
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(timespec))];
  const double to_monotonic = MonotonicMinusRealtime();
  Napi::AsyncContext context(env, "floatip.PacketSocket.receive");
  for (int i = 0; i < kReadsPerWake && fd_ >= 0 && poll_ != nullptr; i++) {
    sockaddr_ll from{};
    iovec io{buffer.data(), buffer.size()};
    msghdr message{};
    message.msg_name = &from;
    message.msg_namelen = sizeof(from);
    message.msg_iov = &io;
    message.msg_iovlen = 1;
    message.msg_control = control;
    message.msg_controllen = sizeof(control);
    ssize_t length = recvmsg(fd_, &message, MSG_DONTWAIT);
    if (length < 0) break;  // EAGAIN: drained; anything else shows up on the next send
    const timespec* stamp = ReceiveStamp(&message);
    timespec now{};
    if (stamp == nullptr) clock_gettime(CLOCK_MONOTONIC, &now);
    const double received_at = stamp != nullptr ? Milliseconds(*stamp) + to_monotonic : Milliseconds(now);
    Napi::Buffer<uint8_t> frame = Napi::Buffer<uint8_t>::Copy(env, buffer.data(), static_cast<size_t>(length));
    try {
      on_frame_.MakeCallback(Value(), {frame, Napi::Number::New(env, from.sll_pkttype), Napi::Number::New(env, received_at)}, context);
    } catch (const Napi::Error& error) {
      // A throwing listener is a bug in our JS; report it as an uncaught exception.
      napi_fatal_exception(env, error.Value());
      return;
    }
  }
}

Napi::Value PacketSocket::TakeStatistics(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  CheckOpen(env);
  tpacket_stats stats{};
  socklen_t length = sizeof(stats);
  if (getsockopt(fd_, SOL_PACKET, PACKET_STATISTICS, &stats, &length) < 0) throw ErrnoError(env, errno, "getsockopt(PACKET_STATISTICS)", ifname_);
  Napi::Object result = Napi::Object::New(env);
  result.Set("packets", Napi::Number::New(env, stats.tp_packets));
  result.Set("drops", Napi::Number::New(env, stats.tp_drops));
  return result;
}

void PacketSocket::StopPolling() {
  if (poll_ == nullptr) return;
  uv_poll_stop(poll_);
  poll_->data = nullptr;
  uv_close(reinterpret_cast<uv_handle_t*>(poll_), [](uv_handle_t* h) { delete reinterpret_cast<uv_poll_t*>(h); });
  poll_ = nullptr;
  if (!on_frame_.IsEmpty()) {
    on_frame_.Reset();
    Unref();
  }
}

Napi::Value PacketSocket::StopReceive(const Napi::CallbackInfo& info) {
  StopPolling();
  return info.Env().Undefined();
}

Napi::Value PacketSocket::Close(const Napi::CallbackInfo& info) {
  StopPolling();
  if (fd_ >= 0) CloseInBackground(fd_);
  fd_ = -1;
  return info.Env().Undefined();
}

Napi::Value PacketSocket::GetIfindex(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), ifindex_); }
Napi::Value PacketSocket::GetIfname(const Napi::CallbackInfo& info) { return Napi::String::New(info.Env(), ifname_); }
Napi::Value PacketSocket::GetMac(const Napi::CallbackInfo& info) { return Napi::Buffer<uint8_t>::Copy(info.Env(), mac_, sizeof(mac_)); }
Napi::Value PacketSocket::GetHardwareType(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), hardware_type_); }

}  // namespace floatip
