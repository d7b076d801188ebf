// An IPPROTO_RAW socket (IPv4 or IPv6) that sends packets with our own IP header, many per system call.
#include "raw_ip_socket.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "errno_error.h"
#include "socket_options.h"

namespace floatip {

namespace {

constexpr size_t kBatchChunk = 256;

// Destination storage large enough for either family; only the part that applies is used.
union Destination {
  sockaddr_in v4;
  sockaddr_in6 v6;
};

}  // namespace

Napi::Function RawIpSocket::Define(Napi::Env env) {
  return DefineClass(env, "RawIpSocket", {
    InstanceMethod<&RawIpSocket::SendBatch>("sendBatch"),
    InstanceMethod<&RawIpSocket::Close>("close"),
  });
}

// new RawIpSocket(family: 4 | 6). With IPPROTO_RAW the kernel takes our IP header as
// it is (IP_HDRINCL is implied for both families) and only routes the packet, which is
// how a tickle leaves from a public address that no socket of ours is bound to.
RawIpSocket::RawIpSocket(const Napi::CallbackInfo& info) : Napi::ObjectWrap<RawIpSocket>(info) {
  Napi::Env env = info.Env();
  const int family = info[0].IsNumber() ? info[0].As<Napi::Number>().Int32Value() : 0;
  if (family != 4 && family != 6) throw Napi::TypeError::New(env, "RawIpSocket(family: 4 | 6)");
  family_ = family;
  fd_ = socket(family == 4 ? AF_INET : AF_INET6, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
  if (fd_ < 0) throw ErrnoError(env, errno, "socket", family == 4 ? "AF_INET, IPPROTO_RAW" : "AF_INET6, IPPROTO_RAW");
  EnlargeBuffers(fd_);
}

RawIpSocket::~RawIpSocket() {
  if (fd_ >= 0) close(fd_);
}

// sendBatch(packets: Buffer[]): number sent. Each packet starts with its IP header; the
// destination is read from it. On failure the Error carries .sent and .index.
Napi::Value RawIpSocket::SendBatch(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (fd_ < 0) throw ErrnoError(env, EBADF, "sendmmsg", "raw IP socket (closed)");
  if (!info[0].IsArray()) throw Napi::TypeError::New(env, "sendBatch(packets: Buffer[])");
  Napi::Array list = info[0].As<Napi::Array>();
  const size_t count = list.Length();
  const size_t header = family_ == 4 ? 20 : 40;
  std::vector<Napi::Buffer<uint8_t>> held;
  held.reserve(count);
  for (size_t i = 0; i < count; i++) {
    Napi::Value value = list.Get(i);
    if (!value.IsBuffer() || value.As<Napi::Buffer<uint8_t>>().Length() < header) {
      throw Napi::TypeError::New(env, "packet " + std::to_string(i) + " is not a Buffer holding an IPv" + std::to_string(family_) + " header");
    }
    held.push_back(value.As<Napi::Buffer<uint8_t>>());
  }

  const size_t slots = std::min(count, kBatchChunk);
  std::vector<Destination> destinations(slots);
  std::vector<iovec> vectors(slots);
  std::vector<mmsghdr> messages(slots);
  size_t sent = 0;
  while (sent < count) {
    const size_t chunk = std::min(count - sent, kBatchChunk);
    for (size_t i = 0; i < chunk; i++) {
      uint8_t* packet = held[sent + i].Data();
      Destination& to = destinations[i];
      std::memset(&to, 0, sizeof(to));
      socklen_t length;
      if (family_ == 4) {
        to.v4.sin_family = AF_INET;
        std::memcpy(&to.v4.sin_addr, packet + 16, 4);
        length = sizeof(to.v4);
      } else {
        // sin6_port stays 0: for a raw IPv6 socket it would name the protocol.
        to.v6.sin6_family = AF_INET6;
        std::memcpy(&to.v6.sin6_addr, packet + 24, 16);
        length = sizeof(to.v6);
      }
      vectors[i] = {packet, held[sent + i].Length()};
      messages[i] = {};
      messages[i].msg_hdr.msg_name = &to;
      messages[i].msg_hdr.msg_namelen = length;
      messages[i].msg_hdr.msg_iov = &vectors[i];
      messages[i].msg_hdr.msg_iovlen = 1;
    }
    int done = sendmmsg(fd_, messages.data(), static_cast<unsigned>(chunk), 0);
    if (done < 0) {
      if (errno == EINTR) continue;
      Napi::Error error = ErrnoError(env, errno, "sendmmsg", "raw IPv" + std::to_string(family_) + " socket");
      error.Set("sent", Napi::Number::New(env, static_cast<double>(sent)));
      error.Set("index", Napi::Number::New(env, static_cast<double>(sent)));
      throw error;
    }
    sent += static_cast<size_t>(done);
  }
  return Napi::Number::New(env, static_cast<double>(sent));
}

Napi::Value RawIpSocket::Close(const Napi::CallbackInfo& info) {
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
  return info.Env().Undefined();
}

}  // namespace floatip
