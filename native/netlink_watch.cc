// The rtnetlink notification reader: a NETLINK_ROUTE socket joined to the link and address groups, read on a thread of its own.
//
// Why in-process and why safe: the reader thread only reads and queues; nothing it does
// can throw into JavaScript or abort. The queue to JavaScript is bounded (kQueueSlots):
// when the event loop falls behind, the thread waits, the kernel's receive buffer fills,
// and the kernel says so with ENOBUFS, which becomes an 'overflow' event (JavaScript then
// re-reads the kernel's state). So a burst costs at most the receive buffer plus the queue,
// never unbounded memory, and a lost notification is always reported.
#include "netlink_watch.h"

#include <linux/netlink.h>
#include <poll.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "errno_error.h"

namespace floatip {

namespace {

// Datagrams waiting for JavaScript; then the thread waits and the kernel's buffer takes the rest.
constexpr size_t kQueueSlots = 256;
// A notification datagram is at most a page or two; 64 KiB leaves room for any link's attributes.
constexpr size_t kLargestDatagram = 65536;
const char* const kSubject = "NETLINK_ROUTE notifications";

using Event = NetlinkWatch::Event;

// Runs on the main thread for each queued event; env is null when the queue is dropped at close.
void CallJs(napi_env env, napi_value on_event, void* /*context*/, void* data) {
  auto* event = static_cast<Event*>(data);
  if (env == nullptr || on_event == nullptr) {
    delete event;
    return;
  }
  Napi::Env js(env);
  Napi::HandleScope scope(js);
  try {
    Napi::Function callback(js, on_event);
    switch (event->kind) {
      case Event::kDatagram:
        callback.Call({Napi::String::New(js, "datagram"), Napi::Buffer<uint8_t>::Copy(js, event->data.data(), event->data.size())});
        break;
      case Event::kOverflow:
        callback.Call({Napi::String::New(js, "overflow")});
        break;
      case Event::kFailed:
        callback.Call({Napi::String::New(js, "failed"), ErrnoError(js, event->err, "recvmsg", kSubject).Value()});
        break;
    }
  } catch (const Napi::Error& error) {
    // The JavaScript side catches its listeners' errors; one that escapes is our bug.
    napi_fatal_exception(env, error.Value());
  }
  delete event;
}

}  // namespace

Napi::Function NetlinkWatch::Define(Napi::Env env) {
  return DefineClass(env, "NetlinkWatch", {
    InstanceMethod<&NetlinkWatch::Stop>("stop"),
    InstanceAccessor<&NetlinkWatch::GetPortId>("portId"),
  });
}

NetlinkWatch::NetlinkWatch(const Napi::CallbackInfo& info) : Napi::ObjectWrap<NetlinkWatch>(info) {
  Napi::Env env = info.Env();
  if (info.Length() < 3 || !info[0].IsNumber() || !info[1].IsArray() || !info[2].IsFunction()) {
    throw Napi::TypeError::New(env, "NetlinkWatch(receiveBufferBytes: number, groups: number[], onEvent: function)");
  }
  const int64_t buffer_bytes = info[0].As<Napi::Number>().Int64Value();
  if (buffer_bytes < 4096 || buffer_bytes > (1 << 30)) throw Napi::RangeError::New(env, "receiveBufferBytes must be 4096..1073741824");
  Napi::Array group_list = info[1].As<Napi::Array>();
  std::vector<int> groups;
  for (uint32_t i = 0; i < group_list.Length(); i++) {
    Napi::Value group = group_list.Get(i);
    if (!group.IsNumber() || group.As<Napi::Number>().Int32Value() < 1) throw Napi::RangeError::New(env, "groups must be netlink group numbers (>= 1)");
    groups.push_back(group.As<Napi::Number>().Int32Value());
  }

  socket_fd_ = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (socket_fd_ < 0) throw ErrnoError(env, errno, "socket", kSubject);
  const char* failed_call = nullptr;
  int failed_errno = 0;
  const int size = static_cast<int>(buffer_bytes);
  sockaddr_nl local{};
  local.nl_family = AF_NETLINK;
  socklen_t local_length = sizeof(local);
  // As root SO_RCVBUFFORCE passes net.core.rmem_max; otherwise SO_RCVBUF does what the sysctl allows.
  if (setsockopt(socket_fd_, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0 &&
      setsockopt(socket_fd_, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size)) < 0) {
    failed_call = "setsockopt(SO_RCVBUF)";
  } else if (bind(socket_fd_, reinterpret_cast<sockaddr*>(&local), sizeof(local)) < 0) {
    failed_call = "bind";
  } else if (getsockname(socket_fd_, reinterpret_cast<sockaddr*>(&local), &local_length) < 0) {
    failed_call = "getsockname";
  } else {
    for (int group : groups) {
      if (setsockopt(socket_fd_, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &group, sizeof(group)) < 0) {
        failed_call = "setsockopt(NETLINK_ADD_MEMBERSHIP)";
        break;
      }
    }
  }
  if (failed_call == nullptr) {
    stop_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (stop_fd_ < 0) failed_call = "eventfd";
  }
  if (failed_call == nullptr &&
      napi_create_threadsafe_function(env, info[2], nullptr, Napi::String::New(env, "floatip.NetlinkWatch"), kQueueSlots, 1,
                                      nullptr, nullptr, nullptr, CallJs, &deliver_) != napi_ok) {
    failed_call = "napi_create_threadsafe_function";
    errno = ENOMEM;
  }
  if (failed_call != nullptr) {
    failed_errno = errno;
    Shutdown();
    throw ErrnoError(env, failed_errno, failed_call, kSubject);
  }
  port_id_ = local.nl_pid;
  reader_ = std::thread([this] { Read(); });
  // Ours runs before the thread-safe function's own (hooks run in reverse order), so the
  // thread is joined while the function it calls still exists.
  napi_add_env_cleanup_hook(env, CleanupHook, this);
}

NetlinkWatch::~NetlinkWatch() { Shutdown(); }

void NetlinkWatch::CleanupHook(void* watch) { static_cast<NetlinkWatch*>(watch)->Shutdown(); }

bool NetlinkWatch::Hand(Event* event) {
  if (napi_call_threadsafe_function(deliver_, event, napi_tsfn_blocking) == napi_ok) return true;
  delete event;  // closing: JavaScript no longer listens
  return false;
}

void NetlinkWatch::Read() {
  pthread_setname_np(pthread_self(), "netlink-watch");  // so top -H and /proc/PID/task say what it is
  std::vector<uint8_t> buffer(kLargestDatagram);
  for (;;) {
    pollfd fds[2] = {{socket_fd_, POLLIN, 0}, {stop_fd_, POLLIN, 0}};
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      Hand(new Event{Event::kFailed, {}, errno});
      return;
    }
    if (fds[1].revents != 0) return;
    for (;;) {
      sockaddr_nl from{};
      iovec io{buffer.data(), buffer.size()};
      msghdr message{};
      message.msg_name = &from;
      message.msg_namelen = sizeof(from);
      message.msg_iov = &io;
      message.msg_iovlen = 1;
      const ssize_t length = recvmsg(socket_fd_, &message, MSG_DONTWAIT);
      if (length < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK) break;
        if (errno == EINTR) continue;
        // Notifications were dropped; the kernel cleared the error, so read on after saying so.
        if (errno == ENOBUFS) {
          const int err = DiscardQueued(buffer);
          if (err != 0) {
            Hand(new Event{Event::kFailed, {}, err});
            return;
          }
          if (!Hand(new Event{Event::kOverflow, {}, 0})) return;
          continue;
        }
        Hand(new Event{Event::kFailed, {}, errno});
        return;
      }
      // Only the kernel's multicasts: another process may unicast to our port id.
      if (from.nl_pid != 0) continue;
      // A datagram cut short is a lost notification as much as an overflow is.
      Event* event = (message.msg_flags & MSG_TRUNC) != 0
        ? new Event{Event::kOverflow, {}, 0}
        : new Event{Event::kDatagram, std::vector<uint8_t>(buffer.begin(), buffer.begin() + length), 0};
      if (!Hand(event)) return;
    }
  }
}

// Empties the socket's queue after ENOBUFS and returns 0, or the errno that stopped it.
//
// The kernel reports ENOBUFS at once, ahead of the datagrams still queued, and those are
// older than the loss. JavaScript re-reads the kernel when it hears of the overflow; a
// stale datagram applied after that read would turn the view back (an address deleted
// and re-added during the loss would be reported deleted). Everything from here on is
// complete (the kernel drops nothing more until the queue is empty), so any read taken
// later, with the notifications that follow it applied in order, is the truth.
int NetlinkWatch::DiscardQueued(std::vector<uint8_t>& buffer) {
  for (;;) {
    if (recv(socket_fd_, buffer.data(), buffer.size(), MSG_DONTWAIT) >= 0) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return 0;
    if (errno != EINTR && errno != ENOBUFS) return errno;
  }
}

// Stops the thread and closes both descriptors; safe to call again.
void NetlinkWatch::Shutdown() {
  if (stop_fd_ >= 0) {
    const uint64_t one = 1;
    ssize_t ignored = write(stop_fd_, &one, sizeof(one));
    (void)ignored;
  }
  if (deliver_ != nullptr) {
    // Wakes the thread if it waits for a queue slot; queued events are dropped.
    napi_release_threadsafe_function(deliver_, napi_tsfn_abort);
  }
  if (reader_.joinable()) {
    reader_.join();
    napi_remove_env_cleanup_hook(Env(), CleanupHook, this);
  }
  deliver_ = nullptr;
  if (stop_fd_ >= 0) close(stop_fd_);
  if (socket_fd_ >= 0) close(socket_fd_);
  stop_fd_ = -1;
  socket_fd_ = -1;
}

Napi::Value NetlinkWatch::Stop(const Napi::CallbackInfo& info) {
  Shutdown();
  return info.Env().Undefined();
}

Napi::Value NetlinkWatch::GetPortId(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), port_id_); }

}  // namespace floatip
