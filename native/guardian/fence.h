// The fence: deletes every address tagged with floatip's IFA_PROTO, on every interface, through rtnetlink.
#pragma once

#include <linux/netlink.h>
#include <cstdint>
#include <string>
#include <vector>

namespace guardian {

struct TaggedAddress {
  uint8_t family = 0;
  uint8_t bits = 0;
  uint32_t index = 0;
  unsigned char bytes[16] = {};
  // An IPv4 address kept behind another of its subnet: deleted first (see SecondariesFirst).
  bool secondary = false;
  std::string text;  // ADDRESS, as inet_ntop writes it
};

struct FenceReport {
  std::vector<TaggedAddress> removed;
  // `ADDRESS/BITS` the kernel would not delete, with its reason.
  std::vector<std::pair<std::string, std::string>> failed;
};

class Fence {
 public:
  explicit Fence(uint8_t address_protocol) : protocol_(address_protocol) {}
  Fence(const Fence&) = delete;
  Fence& operator=(const Fence&) = delete;
  ~Fence();

  // Opens the socket and reads the addresses once, so a broken netlink shows before the guardian says ready.
  bool Prepare(std::string* error);
  // Deletes every tagged address, in rounds until none is left (at most kRounds); false with
  // `error` only when the addresses cannot even be read.
  bool RemoveTagged(FenceReport* report, std::string* error);

 private:
  bool ListTagged(std::vector<TaggedAddress>* tagged, bool* interrupted, std::string* error);
  // Sends the deletes in batches and collects the kernel's answer to each: 0 or an errno.
  bool Delete(const std::vector<TaggedAddress>& addresses, std::vector<int>* errors, std::string* error);

  // One recv into buffer_, retried on EINTR; false with `error` ("DOING: reason") otherwise.
  bool Receive(const char* doing, size_t* length, std::string* error);

  const uint8_t protocol_;
  int fd_ = -1;
  uint32_t seq_ = 0;
  // A dump part or a batch of acks; the kernel's parts are at most 32 KiB.
  alignas(nlmsghdr) unsigned char buffer_[64 * 1024];
};

}  // namespace guardian
