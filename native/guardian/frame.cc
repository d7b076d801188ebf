// Frame encoding and checking for the guardian's notice, byte for byte as src/protocol/frame.ts and frame-message-codecs.ts.
#include "frame.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <cstring>

namespace guardian {
namespace {

constexpr uint16_t kMagic = 0x4650;
constexpr uint8_t kVersion = 1;

void PutU32(Bytes* out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out->push_back(static_cast<unsigned char>(v >> shift));
}

uint32_t GetU32(const unsigned char* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}

}  // namespace

Bytes Hmac(const Bytes& key, const Bytes& data) {
  Bytes out(kMacBytes);
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), data.data(), data.size(), out.data(), &length);
  return out;
}

Bytes Ascii(const char* text) { return Bytes(text, text + std::strlen(text)); }

Bytes HelloBody(const Hello& hello) {
  Bytes body;
  body.push_back(hello.role);
  PutU32(&body, hello.pnn);
  body.insert(body.end(), hello.fingerprint.begin(), hello.fingerprint.end());
  body.insert(body.end(), hello.nonce.begin(), hello.nonce.end());
  PutU32(&body, hello.max_frame_bytes);
  return body;
}

bool ParseHello(const Bytes& body, Hello* hello) {
  if (body.size() != 1 + 4 + kFingerprintBytes + kNonceBytes + 4) return false;
  const unsigned char* p = body.data();
  hello->role = p[0];
  hello->pnn = GetU32(p + 1);
  hello->fingerprint.assign(p + 5, p + 5 + kFingerprintBytes);
  hello->nonce.assign(p + 5 + kFingerprintBytes, p + 5 + kFingerprintBytes + kNonceBytes);
  hello->max_frame_bytes = GetU32(p + 5 + kFingerprintBytes + kNonceBytes);
  return hello->role <= kNotifier && hello->pnn != 0xffffffffU;
}

Bytes Fingerprint(const Bytes& cluster_key) {
  Bytes mac = Hmac(cluster_key, Ascii("floatip/1 fingerprint"));
  mac.resize(kFingerprintBytes);
  return mac;
}

Bytes EncodeFrame(uint8_t type, uint64_t seq, const Bytes& body, const Bytes& key) {
  Bytes frame;
  PutU32(&frame, static_cast<uint32_t>(kHeaderBytes + body.size() + kMacBytes));
  frame.push_back(kMagic >> 8);
  frame.push_back(kMagic & 0xff);
  frame.push_back(kVersion);
  frame.push_back(type);
  PutU32(&frame, static_cast<uint32_t>(seq >> 32));
  PutU32(&frame, static_cast<uint32_t>(seq));
  frame.insert(frame.end(), body.begin(), body.end());
  Bytes mac = Hmac(key, frame);
  frame.insert(frame.end(), mac.begin(), mac.end());
  return frame;
}

Take TakeFrame(Bytes* buffer, const Bytes& key, uint32_t max_frame_bytes, Frame* frame, std::string* error) {
  if (buffer->size() < 8) return Take::kNeedMore;
  const unsigned char* p = buffer->data();
  uint32_t length = GetU32(p);
  if (((p[4] << 8) | p[5]) != kMagic) {
    *error = "E_BAD_MAGIC: the peer does not speak floatip's mesh protocol";
    return Take::kBad;
  }
  if (p[6] != kVersion) {
    *error = "E_BAD_VERSION: the peer speaks frame version " + std::to_string(p[6]) + ", not 1";
    return Take::kBad;
  }
  if (length < kHeaderBytes + kMacBytes || length > max_frame_bytes) {
    *error = "E_BAD_LENGTH: a frame of " + std::to_string(length) + " bytes (" + std::to_string(kHeaderBytes + kMacBytes) + ".." +
             std::to_string(max_frame_bytes) + " allowed)";
    return Take::kBad;
  }
  if (buffer->size() < length) return Take::kNeedMore;
  Bytes signed_part(buffer->begin(), buffer->begin() + (length - kMacBytes));
  Bytes mac = Hmac(key, signed_part);
  if (CRYPTO_memcmp(mac.data(), buffer->data() + (length - kMacBytes), kMacBytes) != 0) {
    *error = "E_BAD_MAC: a frame failed its MAC (another cluster key, or not this connection's frame)";
    return Take::kBad;
  }
  frame->type = p[7];
  frame->seq = (uint64_t{GetU32(p + 8)} << 32) | GetU32(p + 12);
  frame->body.assign(buffer->begin() + kHeaderBytes, buffer->begin() + (length - kMacBytes));
  buffer->erase(buffer->begin(), buffer->begin() + length);
  return Take::kFrame;
}

}  // namespace guardian
