// Runs one NETLINK_SOCK_DIAG dump on a thread of libuv's pool, so the kernel's walk of its TCP hash table never blocks the loop.
//
// Why: the kernel answers a TCP dump by walking every bucket of its established-socket hash
// table, whatever the namespace holds: 262,144 buckets on the lab machine, about 1.3 ms per
// family at rest and far longer when the machine is loaded, because the walk runs inside the
// sendmsg and recvmsg of whoever asked. The tickle scan asks for both families every
// scan_interval; through the `netlink` package's socket that was 2.6 ms of the main loop each
// second at rest (docs/architecture.md). Here the thread that waits is one of libuv's pool.
#include "sock_diag_dump.h"

#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <vector>

#include "errno_error.h"

namespace floatip {
namespace {

constexpr int kReplyTimeoutSeconds = 5;
constexpr size_t kReceiveBytes = 64 * 1024;

class DumpWork : public Napi::AsyncWorker {
 public:
  DumpWork(Napi::Env env, std::vector<uint8_t> request, Napi::Function onDone)
      : Napi::AsyncWorker(env, "floatip:sock-diag-dump"), request_(std::move(request)) {
    onDone_ = Napi::Persistent(onDone);
  }

  // On the pool's thread: no JS here.
  void Execute() override {
    int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
    if (fd < 0) return Fail(errno, "socket");
    Run(fd);
    close(fd);
  }

  void OnOK() override {
    Napi::Env env = Env();
    Napi::HandleScope scope(env);
    if (err_ != 0) {
      onDone_.Call({ErrnoError(env, err_, syscall_, "NETLINK_SOCK_DIAG dump").Value()});
      return;
    }
    onDone_.Call({env.Null(), Napi::Buffer<uint8_t>::Copy(env, reply_.data(), reply_.size())});
  }

 private:
  void Fail(int err, const char* syscall) {
    err_ = err;
    syscall_ = syscall;
  }

  void Run(int fd) {
    timeval timeout{kReplyTimeoutSeconds, 0};
    if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout) != 0) return Fail(errno, "setsockopt(SO_RCVTIMEO)");
    std::vector<uint8_t> message(NLMSG_LENGTH(request_.size()));
    auto* header = reinterpret_cast<nlmsghdr*>(message.data());
    header->nlmsg_len = static_cast<uint32_t>(message.size());
    header->nlmsg_type = SOCK_DIAG_BY_FAMILY;
    header->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    header->nlmsg_seq = 1;
    std::memcpy(NLMSG_DATA(header), request_.data(), request_.size());
    sockaddr_nl kernel{};
    kernel.nl_family = AF_NETLINK;
    ssize_t sent;
    do {
      sent = sendto(fd, message.data(), message.size(), 0, reinterpret_cast<sockaddr*>(&kernel), sizeof kernel);
    } while (sent < 0 && errno == EINTR);
    if (sent < 0) return Fail(errno, "sendto");
    std::vector<uint8_t> buffer(kReceiveBytes);
    for (;;) {
      ssize_t got = recv(fd, buffer.data(), buffer.size(), 0);
      if (got < 0) {
        if (errno == EINTR) continue;
        return Fail(errno == EAGAIN || errno == EWOULDBLOCK ? ETIMEDOUT : errno, "recv");
      }
      // Keep every message as sent; stop after the one that ends the dump.
      int left = static_cast<int>(got);
      for (auto* m = reinterpret_cast<nlmsghdr*>(buffer.data()); NLMSG_OK(m, left); m = NLMSG_NEXT(m, left)) {
        const auto* bytes = reinterpret_cast<const uint8_t*>(m);
        reply_.insert(reply_.end(), bytes, bytes + NLMSG_ALIGN(m->nlmsg_len));
        if (m->nlmsg_type == NLMSG_DONE || m->nlmsg_type == NLMSG_ERROR) return;
      }
    }
  }

  std::vector<uint8_t> request_;
  Napi::FunctionReference onDone_;
  std::vector<uint8_t> reply_;
  int err_ = 0;
  const char* syscall_ = "";
};

}  // namespace

Napi::Value SockDiagDump(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsBuffer() || !info[1].IsFunction()) {
    throw Napi::TypeError::New(env, "expected (request: Buffer, onDone: (error, reply) => void)");
  }
  auto request = info[0].As<Napi::Buffer<uint8_t>>();
  auto* work = new DumpWork(env, std::vector<uint8_t>(request.Data(), request.Data() + request.Length()), info[1].As<Napi::Function>());
  work->Queue();  // deletes itself after OnOK
  return env.Undefined();
}

}  // namespace floatip
