// Parses the guardian's arguments with the same rules and words as before it was native (GUARDIAN_USAGE in guardian.ts).
#include "args.h"

#include <cctype>

namespace guardian {

const char* const kUsage =
    "usage: guardian --fence-after-ms=MS [--address-protocol=N] "
    "[--notice-pnn=N --notice-key-file=PATH --notice-bind=ADDRESS --notice-port=N --notice-peer=PNN@ADDRESS...] "
    "(started by floatipd, not by hand)";

namespace {

std::string UsageError(const std::string& what) { return "guardian: " + what + "; " + kUsage; }

bool AllDigits(const std::string& text) {
  if (text.empty() || text.size() > 12) return false;
  for (char c : text) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

bool WholeNumber(const std::string& name, const std::string& text, uint64_t min, uint64_t max, uint64_t* out, std::string* error) {
  uint64_t value = AllDigits(text) ? std::stoull(text) : max + 1;
  if (value < min || value > max) {
    *error = UsageError("--" + name + " must be " + std::to_string(min) + ".." + std::to_string(max) + ", not \"" + text + "\"");
    return false;
  }
  *out = value;
  return true;
}

}  // namespace

std::optional<NoticePeer> ParsePeer(const std::string& text) {
  size_t at = text.find('@');
  if (at == std::string::npos) return std::nullopt;
  std::string pnn = text.substr(0, at);
  std::string address = text.substr(at + 1);
  if (!AllDigits(pnn) || address.empty()) return std::nullopt;
  for (char c : address) {
    if (!std::isxdigit(static_cast<unsigned char>(c)) && c != '.' && c != ':') return std::nullopt;
  }
  uint64_t value = std::stoull(pnn);
  if (value > 0xfffffffeULL) return std::nullopt;
  return NoticePeer{static_cast<uint32_t>(value), address};
}

std::optional<Args> ParseArgs(const std::vector<std::string>& argv, std::string* error) {
  Args args;
  NoticeSettings notice;
  bool notice_seen = false, have_fence = false, have_pnn = false, have_key = false, have_bind = false, have_port = false;
  for (const std::string& arg : argv) {
    size_t equals = arg.find('=');
    bool shaped = arg.rfind("--", 0) == 0 && equals != std::string::npos && equals > 2 && equals + 1 < arg.size();
    std::string name = shaped ? arg.substr(2, equals - 2) : "";
    std::string value = shaped ? arg.substr(equals + 1) : "";
    for (char c : name) shaped = shaped && (std::islower(static_cast<unsigned char>(c)) || c == '-');
    if (!shaped) name = "";
    if (name.rfind("notice-", 0) == 0) notice_seen = true;
    uint64_t number = 0;
    if (name == "fence-after-ms") {
      if (!WholeNumber(name, value, 1, 3600000, &number, error)) return std::nullopt;
      args.fence_after_ms = static_cast<uint32_t>(number);
      have_fence = true;
    } else if (name == "address-protocol") {
      if (!WholeNumber(name, value, 4, 255, &number, error)) return std::nullopt;
      args.address_protocol = static_cast<uint8_t>(number);
    } else if (name == "notice-pnn") {
      if (!WholeNumber(name, value, 0, 0xfffffffeULL, &number, error)) return std::nullopt;
      notice.pnn = static_cast<uint32_t>(number);
      have_pnn = true;
    } else if (name == "notice-key-file") {
      notice.key_file = value;
      have_key = true;
    } else if (name == "notice-bind") {
      notice.bind_address = value;
      have_bind = true;
    } else if (name == "notice-port") {
      if (!WholeNumber(name, value, 1, 65535, &number, error)) return std::nullopt;
      notice.port = static_cast<uint16_t>(number);
      have_port = true;
    } else if (name == "notice-peer") {
      std::optional<NoticePeer> peer = ParsePeer(value);
      if (!peer) {
        *error = UsageError("--notice-peer must be PNN@ADDRESS, not \"" + value + "\"");
        return std::nullopt;
      }
      notice.peers.push_back(*peer);
    } else {
      *error = UsageError("unknown argument \"" + arg + "\"");
      return std::nullopt;
    }
  }
  if (!have_fence) {
    *error = UsageError("--fence-after-ms is required and positive");
    return std::nullopt;
  }
  if (!notice_seen) return args;
  if (!have_pnn || !have_key || !have_bind || !have_port) {
    *error = UsageError("a notice needs all of --notice-pnn, --notice-key-file, --notice-bind and --notice-port");
    return std::nullopt;
  }
  args.notice = notice;
  return args;
}

}  // namespace guardian
