// The guardian's FENCED notice: after its deletes, it tells every peer so they need not wait out crash_grace.
//
// Each peer is dialled as this node in the role `notifier`, with the mesh's authenticated
// handshake (fresh nonces on both sides, so a recorded notice cannot be replayed), one
// FENCED, then the peer closes. All peers at once, one deadline for all.
#pragma once

#include <string>
#include <vector>

#include "args.h"
#include "frame.h"

namespace guardian {

struct NoticeOutcome {
  uint32_t pnn = 0;
  bool ok = false;
  double ms = 0;
  std::string error;
};

struct FencedNotice {
  uint32_t pnn = 0;
  WireCause cause = kPipeClosed;
  uint32_t removed = 0;
};

// Never fails as a whole: one outcome per peer, in the order of `settings.peers`.
std::vector<NoticeOutcome> SendNotices(const NoticeSettings& settings, const Bytes& cluster_key, const FencedNotice& fenced, int deadline_ms);

}  // namespace guardian
