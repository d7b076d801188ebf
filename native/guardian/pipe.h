// What the daemon writes on the guardian's stdin (src/daemon/guardian-client.ts, guardian-peers.ts): ticks, a goodbye, peer lists.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "args.h"

namespace guardian {

constexpr unsigned char kTick = 't';
constexpr unsigned char kBye = 'b';
constexpr unsigned char kAck = 'a';
constexpr unsigned char kPeers = 'p';
// Daemon -> guardian: fence now and keep guarding (the fast path found no quorum).
constexpr unsigned char kFenceOrder = 'f';
// Guardian -> daemon: that fence is done, every tagged address is gone.
constexpr unsigned char kFenceDone = 'F';
constexpr char kReadyLine[] = "ready\n";

// One read's worth of the pipe, split up. Bytes after a goodbye are not read.
struct PipeInput {
  size_t ticks = 0;
  // Fence orders in this read (any number: one fence answers them all).
  size_t fences = 0;
  bool bye = false;
  // Each a complete new peer list (after a reloadnodes), in order.
  std::vector<std::vector<NoticePeer>> peer_lists;
};

// Splits the pipe's bytes across chunk boundaries: `p` PNN@ADDRESS ... `\n` is a peer list
// (an address may hold the goodbye byte, 'b' in 2001:db8::b, or the fence order, 'f'), `t` a
// tick, `f` a fence order, `b` the goodbye.
class PipeReader {
 public:
  PipeInput Input(const unsigned char* bytes, size_t length);
  // Bytes that were neither tick, goodbye nor peer list: daemon and guardian of different releases.
  size_t unknown_bytes = 0;
  // Lines that began as a peer list and were none: dropped.
  size_t bad_lines = 0;

 private:
  bool in_line_ = false;
  bool overlong_ = false;
  std::string line_;
};

}  // namespace guardian
