// The guardian's log lines: floatipd's JSON schema (level name, ISO time, pid, bindings, fields, msg) on stderr.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace guardian {

// One JSON value, already encoded (Json::Text, Json::Number, ...), under its key.
struct Field {
  std::string key;
  std::string json;
};

namespace Json {
std::string Text(const std::string& text);
std::string Number(double value);
std::string Integer(int64_t value);
std::string Bool(bool value);
// A JSON array of already encoded values.
std::string Array(const std::vector<std::string>& items);
// A JSON object of already encoded fields.
std::string Object(const std::vector<Field>& fields);
}  // namespace Json

// Writes whole lines with one write(2) each, so they do not mix with the daemon's lines on the shared stderr.
class Log {
 public:
  // Bound to every line after the pid (the daemon's `component`, then `pnn` once known).
  void Bind(const Field& field) { bindings_.push_back(field); }
  void Write(const char* level, const std::vector<Field>& fields, const std::string& message) const;
  void Info(const std::vector<Field>& fields, const std::string& message) const { Write("info", fields, message); }
  void Warn(const std::vector<Field>& fields, const std::string& message) const { Write("warn", fields, message); }
  void Error(const std::vector<Field>& fields, const std::string& message) const { Write("error", fields, message); }

 private:
  std::vector<Field> bindings_;
};

}  // namespace guardian
