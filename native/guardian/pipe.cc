// The pipe's byte protocol, read the way guardian.ts's GuardianWatch and guardian-peers.ts's PeersLineReader read it.
#include "pipe.h"

namespace guardian {
namespace {

// A line longer than this is no peer list (4096 nodes of IPv6 fit): dropped whole.
constexpr size_t kMaxLineBytes = 256 * 1024;

bool ParsePeers(const std::string& text, std::vector<NoticePeer>* peers) {
  size_t at = 0;
  while (at < text.size()) {
    size_t end = text.find(' ', at);
    if (end == std::string::npos) end = text.size();
    if (end > at) {
      std::optional<NoticePeer> peer = ParsePeer(text.substr(at, end - at));
      if (!peer) return false;
      peers->push_back(*peer);
    }
    at = end + 1;
  }
  return true;
}

}  // namespace

PipeInput PipeReader::Input(const unsigned char* bytes, size_t length) {
  PipeInput input;
  for (size_t i = 0; i < length; i++) {
    const unsigned char byte = bytes[i];
    if (in_line_) {
      if (byte != '\n') {
        if (line_.size() < kMaxLineBytes) line_ += static_cast<char>(byte);
        else overlong_ = true;
        continue;
      }
      in_line_ = false;
      std::vector<NoticePeer> peers;
      // A cut line could still parse, as a shorter list or a shorter address: never use one.
      if (!overlong_ && ParsePeers(line_, &peers)) input.peer_lists.push_back(peers);
      else bad_lines++;
      line_.clear();
      overlong_ = false;
    } else if (byte == kPeers) {
      in_line_ = true;
    } else if (byte == kTick) {
      input.ticks++;
    } else if (byte == kFenceOrder) {
      input.fences++;
    } else if (byte == kBye) {
      input.bye = true;
      return input;
    } else if (byte != '\n') {
      unknown_bytes++;
    }
  }
  return input;
}

}  // namespace guardian
