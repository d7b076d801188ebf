// rtnetlink for the fence: an address dump filtered by IFA_PROTO, then RTM_DELADDR with an ack each, batched.
//
// The order is the daemon's (src/adapters/netlink/delete-order.ts): IPv4 secondaries before
// primaries, or the kernel promotes a secondary and moves every other one's routes once per
// primary deleted (floatip sets promote_secondaries). A dump the kernel marks interrupted
// (NLM_F_DUMP_INTR: the addresses changed meanwhile) and addresses still present after a
// round's deletes (re-added by someone) make another round, up to kRounds.
#include "fence.h"

#include <arpa/inet.h>
#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cerrno>
#include <cstring>
#include <map>
#include <set>

#ifndef IFA_PROTO
#define IFA_PROTO 11
#endif

namespace guardian {
namespace {

constexpr int kRounds = 5;
// Deletes per send: their acks must fit the socket's receive buffer, which is raised below.
constexpr size_t kBatch = 128;
constexpr int kReceiveBufferBytes = 4 << 20;

std::string ErrnoText(int err) {
  const char* name = strerrorname_np(err);
  return std::string(std::strerror(err)) + " (" + (name ? name : "E" + std::to_string(err)) + ")";
}

std::string PrefixText(const TaggedAddress& a) { return a.text + "/" + std::to_string(a.bits); }

void Append(std::vector<unsigned char>* out, const void* data, size_t length) {
  const auto* bytes = static_cast<const unsigned char*>(data);
  out->insert(out->end(), bytes, bytes + length);
}

void AppendAttribute(std::vector<unsigned char>* out, uint16_t type, const void* data, uint16_t length) {
  rtattr header{static_cast<unsigned short>(RTA_LENGTH(length)), type};
  Append(out, &header, sizeof header);
  Append(out, data, length);
  out->resize(out->size() + (RTA_ALIGN(RTA_LENGTH(length)) - RTA_LENGTH(length)));
}

}  // namespace

Fence::~Fence() {
  if (fd_ >= 0) close(fd_);
}

bool Fence::Prepare(std::string* error) {
  fd_ = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (fd_ < 0) {
    *error = "netlink socket: " + ErrnoText(errno);
    return false;
  }
  int size = kReceiveBufferBytes;
  // FORCE passes rmem_max as root; otherwise the plain option gets what it may.
  if (setsockopt(fd_, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) != 0) setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  int one = 1;
  setsockopt(fd_, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof one);
  std::vector<TaggedAddress> tagged;
  bool interrupted = false;
  return ListTagged(&tagged, &interrupted, error);
}

bool Fence::Receive(const char* doing, size_t* length, std::string* error) {
  for (;;) {
    ssize_t got = recv(fd_, buffer_, sizeof buffer_, 0);
    if (got >= 0) {
      *length = static_cast<size_t>(got);
      return true;
    }
    if (errno == EINTR) continue;
    *error = std::string(doing) + ": " + ErrnoText(errno);
    return false;
  }
}

bool Fence::ListTagged(std::vector<TaggedAddress>* tagged, bool* interrupted, std::string* error) {
  struct {
    nlmsghdr header;
    ifaddrmsg body;
  } request{};
  request.header.nlmsg_len = sizeof request;
  request.header.nlmsg_type = RTM_GETADDR;
  request.header.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  request.header.nlmsg_seq = ++seq_;
  request.body.ifa_family = AF_UNSPEC;
  if (send(fd_, &request, sizeof request, 0) != static_cast<ssize_t>(sizeof request)) {
    *error = "reading the addresses: send: " + ErrnoText(errno);
    return false;
  }
  tagged->clear();
  *interrupted = false;
  for (;;) {
    size_t left = 0;
    if (!Receive("reading the addresses", &left, error)) return false;
    for (auto* message = reinterpret_cast<nlmsghdr*>(buffer_); NLMSG_OK(message, left); message = NLMSG_NEXT(message, left)) {
      if (message->nlmsg_seq != seq_) continue;
      if (message->nlmsg_flags & NLM_F_DUMP_INTR) *interrupted = true;
      if (message->nlmsg_type == NLMSG_DONE) return true;
      if (message->nlmsg_type == NLMSG_ERROR) {
        auto* answer = static_cast<nlmsgerr*>(NLMSG_DATA(message));
        *error = "reading the addresses: " + ErrnoText(-answer->error);
        return false;
      }
      if (message->nlmsg_type != RTM_NEWADDR || message->nlmsg_len < NLMSG_LENGTH(sizeof(ifaddrmsg))) continue;
      auto* body = static_cast<ifaddrmsg*>(NLMSG_DATA(message));
      if (body->ifa_family != AF_INET && body->ifa_family != AF_INET6) continue;
      const size_t width = body->ifa_family == AF_INET ? 4 : 16;
      uint32_t flags = body->ifa_flags;
      int proto = 0;
      const unsigned char* address = nullptr;
      const unsigned char* local = nullptr;
      int attributes_left = static_cast<int>(IFA_PAYLOAD(message));
      for (auto* attribute = IFA_RTA(body); RTA_OK(attribute, attributes_left); attribute = RTA_NEXT(attribute, attributes_left)) {
        const auto* data = static_cast<const unsigned char*>(RTA_DATA(attribute));
        size_t length = RTA_PAYLOAD(attribute);
        switch (attribute->rta_type) {
          case IFA_ADDRESS: if (length == width) address = data; break;
          case IFA_LOCAL: if (length == width) local = data; break;
          case IFA_FLAGS: if (length >= 4) std::memcpy(&flags, data, 4); break;
          case IFA_PROTO: if (length >= 1) proto = data[0]; break;
          default: break;
        }
      }
      // For IPv4, IFA_LOCAL is the interface's own address (IFA_ADDRESS is the peer on point-to-point links).
      const unsigned char* own = local ? local : address;
      if (own == nullptr || proto != protocol_) continue;
      TaggedAddress tagged_address;
      tagged_address.family = body->ifa_family;
      tagged_address.bits = body->ifa_prefixlen;
      tagged_address.index = body->ifa_index;
      std::memcpy(tagged_address.bytes, own, width);
      tagged_address.secondary = body->ifa_family == AF_INET && (flags & IFA_F_SECONDARY) != 0;
      char text[INET6_ADDRSTRLEN];
      inet_ntop(body->ifa_family, own, text, sizeof text);
      tagged_address.text = text;
      tagged->push_back(tagged_address);
    }
  }
}

bool Fence::Delete(const std::vector<TaggedAddress>& addresses, std::vector<int>* errors, std::string* error) {
  errors->assign(addresses.size(), 0);
  for (size_t first = 0; first < addresses.size(); first += kBatch) {
    const size_t end = std::min(addresses.size(), first + kBatch);
    std::vector<unsigned char> batch;
    std::map<uint32_t, size_t> which;  // seq -> index in addresses
    for (size_t i = first; i < end; i++) {
      const TaggedAddress& a = addresses[i];
      const uint16_t width = a.family == AF_INET ? 4 : 16;
      std::vector<unsigned char> message(NLMSG_LENGTH(sizeof(ifaddrmsg)));
      auto* header = reinterpret_cast<nlmsghdr*>(message.data());
      header->nlmsg_type = RTM_DELADDR;
      header->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
      header->nlmsg_seq = ++seq_;
      auto* body = static_cast<ifaddrmsg*>(NLMSG_DATA(header));
      body->ifa_family = a.family;
      body->ifa_prefixlen = a.bits;
      body->ifa_index = a.index;
      if (a.family == AF_INET) AppendAttribute(&message, IFA_LOCAL, a.bytes, width);
      AppendAttribute(&message, IFA_ADDRESS, a.bytes, width);
      reinterpret_cast<nlmsghdr*>(message.data())->nlmsg_len = static_cast<uint32_t>(message.size());
      which[seq_] = i;
      batch.insert(batch.end(), message.begin(), message.end());
    }
    if (send(fd_, batch.data(), batch.size(), 0) != static_cast<ssize_t>(batch.size())) {
      *error = "deleting the addresses: send: " + ErrnoText(errno);
      return false;
    }
    while (!which.empty()) {
      size_t left = 0;
      if (!Receive("deleting the addresses", &left, error)) return false;
      for (auto* message = reinterpret_cast<nlmsghdr*>(buffer_); NLMSG_OK(message, left); message = NLMSG_NEXT(message, left)) {
        if (message->nlmsg_type != NLMSG_ERROR) continue;
        auto found = which.find(message->nlmsg_seq);
        if (found == which.end()) continue;
        (*errors)[found->second] = -static_cast<nlmsgerr*>(NLMSG_DATA(message))->error;
        which.erase(found);
      }
    }
  }
  return true;
}

bool Fence::RemoveTagged(FenceReport* report, std::string* error) {
  std::map<std::string, std::string> refused;
  std::set<std::string> removed;
  for (int round = 1;; round++) {
    std::vector<TaggedAddress> tagged;
    bool interrupted = false;
    if (!ListTagged(&tagged, &interrupted, error)) return false;
    std::vector<TaggedAddress> left;
    // Secondaries first, then the primaries (the header says why).
    for (int pass = 0; pass < 2; pass++) {
      for (const TaggedAddress& a : tagged) {
        if (a.secondary == (pass == 0) && refused.count(PrefixText(a)) == 0) left.push_back(a);
      }
    }
    if (left.empty() && !interrupted) break;
    if (round > kRounds) {
      for (const TaggedAddress& a : left) refused[PrefixText(a)] = "still present after " + std::to_string(kRounds) + " rounds of deletes";
      break;
    }
    std::vector<int> errors;
    if (!Delete(left, &errors, error)) return false;
    for (size_t i = 0; i < left.size(); i++) {
      const TaggedAddress& a = left[i];
      // Gone already (someone else deleted it, or the interface vanished): that is what we wanted.
      if (errors[i] == EADDRNOTAVAIL || errors[i] == ENODEV) continue;
      if (errors[i] != 0) {
        refused[PrefixText(a)] = "deleting " + PrefixText(a) + ": " + ErrnoText(errors[i]);
        continue;
      }
      // An address deleted once and seen again (re-added meanwhile) is reported once.
      if (removed.insert(std::to_string(a.index) + " " + PrefixText(a)).second) report->removed.push_back(a);
    }
  }
  for (const auto& [address, why] : refused) report->failed.emplace_back(address, why);
  return true;
}

}  // namespace guardian
