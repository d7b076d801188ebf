// JSON lines in floatipd's log schema (src/daemon/logging.ts): jq and the lab read the guardian's lines like the daemon's.
#include "log.h"

#include <sys/time.h>
#include <unistd.h>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <ctime>

namespace guardian {
namespace Json {

std::string Text(const std::string& text) {
  std::string out = "\"";
  for (unsigned char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          char escaped[8];
          std::snprintf(escaped, sizeof escaped, "\\u%04x", c);
          out += escaped;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

std::string Number(double value) {
  if (!std::isfinite(value)) return "null";
  char text[32];
  // Two decimals at most, as the daemon rounds its millisecond figures; no trailing zeros.
  std::snprintf(text, sizeof text, "%.2f", value);
  std::string out = text;
  while (!out.empty() && out.back() == '0') out.pop_back();
  if (!out.empty() && out.back() == '.') out.pop_back();
  return out == "-0" ? "0" : out;
}

std::string Integer(int64_t value) { return std::to_string(value); }

std::string Bool(bool value) { return value ? "true" : "false"; }

std::string Array(const std::vector<std::string>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); i++) out += (i ? "," : "") + items[i];
  return out + "]";
}

std::string Object(const std::vector<Field>& fields) {
  std::string out = "{";
  for (size_t i = 0; i < fields.size(); i++) out += (i ? "," : "") + Text(fields[i].key) + ":" + fields[i].json;
  return out + "}";
}

}  // namespace Json

namespace {

std::string IsoTimeNow() {
  struct timeval now;
  gettimeofday(&now, nullptr);
  struct tm utc;
  gmtime_r(&now.tv_sec, &utc);
  char text[64];
  std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", utc.tm_year + 1900, utc.tm_mon + 1, utc.tm_mday,
                utc.tm_hour, utc.tm_min, utc.tm_sec, static_cast<long>(now.tv_usec / 1000));
  return text;
}

}  // namespace

void Log::Write(const char* level, const std::vector<Field>& fields, const std::string& message) const {
  std::string line = "{\"level\":" + Json::Text(level) + ",\"time\":" + Json::Text(IsoTimeNow()) + ",\"pid\":" + Json::Integer(getpid());
  // A call's field replaces a binding of the same key, as in the daemon's logger.
  for (const Field& bound : bindings_) {
    bool replaced = false;
    for (const Field& field : fields) replaced = replaced || field.key == bound.key;
    if (!replaced) line += "," + Json::Text(bound.key) + ":" + bound.json;
  }
  for (const Field& field : fields) line += "," + Json::Text(field.key) + ":" + field.json;
  line += ",\"msg\":" + Json::Text(message) + "}\n";
  const char* at = line.data();
  size_t left = line.size();
  while (left > 0) {
    ssize_t wrote = write(STDERR_FILENO, at, left);
    if (wrote < 0 && errno == EINTR) continue;
    if (wrote <= 0) return;  // Nowhere to log to: the fence itself matters more than its line.
    at += wrote;
    left -= static_cast<size_t>(wrote);
  }
}

}  // namespace guardian
