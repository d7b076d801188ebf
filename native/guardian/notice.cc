// The notifier side of the mesh handshake (docs/protocol.md, "Handshake"), for all peers at once over one poll loop.
#include "notice.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <memory>

namespace guardian {
namespace {

double NowMs() {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return static_cast<double>(now.tv_sec) * 1000.0 + static_cast<double>(now.tv_nsec) / 1e6;
}

Bytes Concat(const Bytes& a, const Bytes& b) {
  Bytes out(a);
  out.insert(out.end(), b.begin(), b.end());
  return out;
}

// A socket address for `text` and `port`; false when `text` is no IP address.
bool SocketAddress(const std::string& text, uint16_t port, sockaddr_storage* out, socklen_t* length) {
  std::memset(out, 0, sizeof *out);
  auto* v4 = reinterpret_cast<sockaddr_in*>(out);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(out);
  if (inet_pton(AF_INET, text.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    *length = sizeof *v4;
    return true;
  }
  if (inet_pton(AF_INET6, text.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    *length = sizeof *v6;
    return true;
  }
  return false;
}

enum class Step { kIdle, kConnecting, kAwaitHello, kAwaitProof, kSent, kDone };

class Notifier {
 public:
  Notifier(const NoticeSettings& settings, const NoticePeer& peer, const Bytes& cluster_key, const FencedNotice& fenced)
      : settings_(settings), peer_(peer), cluster_key_(cluster_key), fenced_(fenced), started_(NowMs()) {
    outcome_.pnn = peer.pnn;
  }
  Notifier(const Notifier&) = delete;
  Notifier& operator=(const Notifier&) = delete;
  ~Notifier() {
    if (fd_ >= 0) close(fd_);
  }

  void Start() {
    own_.role = kNotifier;
    own_.pnn = settings_.pnn;
    own_.fingerprint = Fingerprint(cluster_key_);
    own_.nonce.resize(kNonceBytes);
    if (getrandom(own_.nonce.data(), kNonceBytes, 0) != static_cast<ssize_t>(kNonceBytes)) return Fail(std::string("no random nonce: ") + std::strerror(errno));
    sockaddr_storage local, remote;
    socklen_t local_length, remote_length;
    if (!SocketAddress(settings_.bind_address, 0, &local, &local_length)) return Fail("the bind address " + settings_.bind_address + " is no IP address");
    if (!SocketAddress(peer_.address, settings_.port, &remote, &remote_length)) return Fail(peer_.address + " is no IP address");
    fd_ = socket(remote.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd_ < 0) return Fail(std::string("socket: ") + std::strerror(errno));
    int one = 1;
    setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    // From the daemon's mesh address: the peer checks the source against `nodes`.
    if (bind(fd_, reinterpret_cast<sockaddr*>(&local), local_length) != 0) return Fail(std::string("bind ") + settings_.bind_address + ": " + std::strerror(errno));
    if (connect(fd_, reinterpret_cast<sockaddr*>(&remote), remote_length) != 0 && errno != EINPROGRESS) {
      return Fail(std::string("connect ") + peer_.address + ": " + std::strerror(errno));
    }
    step_ = Step::kConnecting;
  }

  bool done() const { return step_ == Step::kDone; }
  int fd() const { return fd_; }
  short events() const { return step_ == Step::kConnecting ? POLLOUT : POLLIN; }
  const NoticeOutcome& outcome() const { return outcome_; }

  void Ready(short revents) {
    if (step_ == Step::kConnecting) return Connected();
    if (revents & (POLLIN | POLLHUP | POLLERR)) Read();
  }

  void Expire(int deadline_ms) { Fail("no answer within " + std::to_string(deadline_ms) + " ms"); }

 private:
  void Connected() {
    int error = 0;
    socklen_t length = sizeof error;
    getsockopt(fd_, SOL_SOCKET, SO_ERROR, &error, &length);
    if (error != 0) return Fail(std::string("connect ") + peer_.address + ": " + std::strerror(error));
    own_body_ = HelloBody(own_);
    if (!Send(EncodeFrame(kHello, 0, own_body_, Ascii("floatip/1 hello")))) return;
    step_ = Step::kAwaitHello;
  }

  void Read() {
    unsigned char chunk[4096];
    for (;;) {
      ssize_t got = read(fd_, chunk, sizeof chunk);
      if (got < 0 && errno == EINTR) continue;
      if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
      if (got < 0) return Fail(std::strerror(errno));
      if (got == 0) {
        if (step_ == Step::kSent) return Succeed();
        return Fail("the peer closed the connection during the handshake");
      }
      // After FENCED the peer only closes; anything it sends meanwhile is read and dropped.
      if (step_ == Step::kSent) continue;
      buffer_.insert(buffer_.end(), chunk, chunk + got);
      if (!TakeFrames()) return;
    }
  }

  // Handles every whole frame in the buffer; false once the connection has ended.
  bool TakeFrames() {
    for (;;) {
      const Bytes& key = step_ == Step::kAwaitHello ? hello_key_ : from_peer_key_;
      Frame frame;
      std::string error;
      Take take = TakeFrame(&buffer_, key, kOwnMaxFrameBytes, &frame, &error);
      if (take == Take::kNeedMore) return true;
      if (take == Take::kBad) return Fail(error), false;
      const bool accepted = step_ == Step::kAwaitHello ? AcceptHello(frame) : AcceptProof(frame);
      if (!accepted) return false;
      if (step_ == Step::kSent) return true;
    }
  }

  bool AcceptHello(const Frame& frame) {
    Hello hello;
    if (frame.type != kHello || frame.seq != 0 || !ParseHello(frame.body, &hello)) {
      return Fail("E_HANDSHAKE: the peer's first frame is no HELLO"), false;
    }
    if (hello.role != kResponder) return Fail("E_HANDSHAKE: the peer is no responder (both sides dialled)"), false;
    if (hello.fingerprint != own_.fingerprint) {
      return Fail("E_WRONG_KEY: node " + std::to_string(hello.pnn) + " uses a different cluster key: copy the same key_file to every node"), false;
    }
    if (hello.pnn != peer_.pnn) {
      return Fail("E_PEER_IDENTITY: the peer claims to be node " + std::to_string(hello.pnn) + ": we dialled " + peer_.address + ", which is node " +
                  std::to_string(peer_.pnn) + " in nodes"), false;
    }
    // The keys bind both HELLO payloads as sent; a notifier keys like an initiator.
    Bytes transcript = Concat(own_body_, frame.body);
    to_peer_key_ = Hmac(cluster_key_, Concat(Ascii("floatip/1 session i>r"), transcript));
    from_peer_key_ = Hmac(cluster_key_, Concat(Ascii("floatip/1 session r>i"), transcript));
    peer_nonce_ = hello.nonce;
    if (!Send(EncodeFrame(kProof, 1, peer_nonce_, to_peer_key_))) return false;
    step_ = Step::kAwaitProof;
    return true;
  }

  bool AcceptProof(const Frame& frame) {
    if (frame.type != kProof || frame.seq != 1 || frame.body != own_.nonce) {
      return Fail("E_HANDSHAKE: the peer's second frame is no PROOF of this connection"), false;
    }
    Bytes body;
    for (int shift = 24; shift >= 0; shift -= 8) body.push_back(static_cast<unsigned char>(fenced_.pnn >> shift));
    body.push_back(fenced_.cause);
    for (int shift = 24; shift >= 0; shift -= 8) body.push_back(static_cast<unsigned char>(fenced_.removed >> shift));
    if (!Send(EncodeFrame(kFenced, 2, body, to_peer_key_))) return false;
    shutdown(fd_, SHUT_WR);
    step_ = Step::kSent;
    return true;
  }

  // The frames are small (< 200 bytes) and the socket's buffer empty: one write takes each whole.
  bool Send(const Bytes& frame) {
    ssize_t wrote = send(fd_, frame.data(), frame.size(), MSG_NOSIGNAL);
    if (wrote == static_cast<ssize_t>(frame.size())) return true;
    Fail(wrote < 0 ? std::string("send: ") + std::strerror(errno) : std::string("send: a short write"));
    return false;
  }

  void Succeed() {
    outcome_.ok = true;
    Finish();
  }

  void Fail(const std::string& error) {
    if (step_ == Step::kDone) return;
    outcome_.ok = false;
    outcome_.error = error;
    Finish();
  }

  void Finish() {
    outcome_.ms = NowMs() - started_;
    step_ = Step::kDone;
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }

  const NoticeSettings& settings_;
  const NoticePeer peer_;
  const Bytes& cluster_key_;
  const FencedNotice fenced_;
  const double started_;
  const Bytes hello_key_ = Ascii("floatip/1 hello");
  Step step_ = Step::kIdle;
  int fd_ = -1;
  Hello own_;
  Bytes own_body_, peer_nonce_, to_peer_key_, from_peer_key_, buffer_;
  NoticeOutcome outcome_;
};

}  // namespace

std::vector<NoticeOutcome> SendNotices(const NoticeSettings& settings, const Bytes& cluster_key, const FencedNotice& fenced, int deadline_ms) {
  std::vector<std::unique_ptr<Notifier>> notifiers;
  for (const NoticePeer& peer : settings.peers) notifiers.push_back(std::make_unique<Notifier>(settings, peer, cluster_key, fenced));
  for (auto& notifier : notifiers) notifier->Start();
  const double deadline = NowMs() + deadline_ms;
  for (;;) {
    std::vector<pollfd> fds;
    std::vector<Notifier*> owners;
    for (auto& notifier : notifiers) {
      if (notifier->done()) continue;
      fds.push_back(pollfd{notifier->fd(), notifier->events(), 0});
      owners.push_back(notifier.get());
    }
    if (fds.empty()) break;
    double left = deadline - NowMs();
    if (left <= 0) {
      for (Notifier* notifier : owners) notifier->Expire(deadline_ms);
      break;
    }
    int ready = poll(fds.data(), fds.size(), static_cast<int>(left) + 1);
    if (ready < 0 && errno != EINTR) {
      for (Notifier* notifier : owners) notifier->Expire(deadline_ms);
      break;
    }
    for (size_t i = 0; ready > 0 && i < fds.size(); i++) {
      if (fds[i].revents != 0) owners[i]->Ready(fds[i].revents);
    }
  }
  std::vector<NoticeOutcome> outcomes;
  for (const auto& notifier : notifiers) outcomes.push_back(notifier->outcome());
  return outcomes;
}

}  // namespace guardian
