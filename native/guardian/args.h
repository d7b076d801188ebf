// The guardian's command line, as floatipd writes it (guardian-client.ts): fence_after, the address tag, whom to notify.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace guardian {

// One peer to tell after a fence: its node number and its address in `nodes`.
struct NoticePeer {
  uint32_t pnn;
  std::string address;
};

// Whom the guardian tells once the addresses are gone, and as which node (the daemon's mesh settings).
struct NoticeSettings {
  uint32_t pnn = 0;
  std::string key_file;
  std::string bind_address;
  uint16_t port = 0;
  std::vector<NoticePeer> peers;
};

struct Args {
  uint32_t fence_after_ms = 0;
  // IFA_PROTO of floatip's addresses.
  uint8_t address_protocol = 0xf1;
  std::optional<NoticeSettings> notice;
};

extern const char* const kUsage;

// `PNN@ADDRESS` (--notice-peer and the pipe's peer lines); nullopt when it is not one.
std::optional<NoticePeer> ParsePeer(const std::string& text);

// Parses argv[1..]; on a bad argument returns nullopt and sets `error` to a sentence that ends with the usage.
std::optional<Args> ParseArgs(const std::vector<std::string>& argv, std::string* error);

}  // namespace guardian
