// The few peer-mesh frames a guardian's notice needs (docs/protocol.md): HELLO, PROOF, FENCED, each HMAC-SHA256'd.
//
// The layouts are the TypeScript codec's (src/protocol/frame*.ts); test/integration/guardian
// proves them against the daemon's real mesh.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace guardian {

using Bytes = std::vector<unsigned char>;

constexpr size_t kHeaderBytes = 16;
constexpr size_t kMacBytes = 32;
constexpr size_t kNonceBytes = 32;
constexpr size_t kFingerprintBytes = 8;
// What this guardian announces, and so the most it buffers of one peer frame.
constexpr uint32_t kOwnMaxFrameBytes = 4096;

enum MessageType : uint8_t { kHello = 0x01, kProof = 0x02, kFenced = 0x15 };
enum Role : uint8_t { kInitiator = 0, kResponder = 1, kNotifier = 2 };
// FenceCause on the wire: the order of enumeration(['pipe-closed', 'no-ticks']).
enum WireCause : uint8_t { kPipeClosed = 0, kNoTicks = 1 };

Bytes Hmac(const Bytes& key, const Bytes& data);
Bytes Ascii(const char* text);

struct Hello {
  uint8_t role = kNotifier;
  uint32_t pnn = 0;
  Bytes fingerprint;  // kFingerprintBytes
  Bytes nonce;        // kNonceBytes
  uint32_t max_frame_bytes = kOwnMaxFrameBytes;
};

Bytes HelloBody(const Hello& hello);
bool ParseHello(const Bytes& body, Hello* hello);

// HMAC(cluster key, "floatip/1 fingerprint")[0..8]: equal on nodes that share the key.
Bytes Fingerprint(const Bytes& cluster_key);

// A whole frame: header, body, MAC under `key`.
Bytes EncodeFrame(uint8_t type, uint64_t seq, const Bytes& body, const Bytes& key);

// One frame taken from the front of a byte stream.
struct Frame {
  uint8_t type = 0;
  uint64_t seq = 0;
  Bytes body;
};

enum class Take { kNeedMore, kFrame, kBad };

// Takes the first frame of `buffer` (removed from it) if it is whole; kBad with `error` set
// when the bytes are no valid frame under `key` (magic, version, length, MAC).
Take TakeFrame(Bytes* buffer, const Bytes& key, uint32_t max_frame_bytes, Frame* frame, std::string* error);

}  // namespace guardian
