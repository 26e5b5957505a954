#include "sync-server/call_log.h"

#include <ctime>
#include <iostream>
#include <mutex>

namespace homevisit::server {

LogSink StderrLog() {
  return [](const std::string& line) {
    static std::mutex mu;
    std::lock_guard lock(mu);
    std::cerr << line << '\n';
  };
}

CallLog::CallLog(LogSink sink, std::string method)
    : sink_(std::move(sink)), method_(std::move(method)), start_(std::chrono::steady_clock::now()) {}

std::string LogSafe(const std::string& text, size_t max_bytes) {
  std::string out;
  for (unsigned char c : text) {
    if (out.size() >= max_bytes) {
      // Do not cut inside a UTF-8 sequence.
      while (!out.empty() && (static_cast<unsigned char>(out.back()) & 0xC0) == 0x80) out.pop_back();
      if (!out.empty() && static_cast<unsigned char>(out.back()) >= 0xC0) out.pop_back();
      return out + "...";
    }
    out += (c < 0x20 || c == 0x7F || c == ' ') ? '_' : static_cast<char>(c);
  }
  return out;
}

void CallLog::Finish(StatusCode code, const std::string& message) {
  if (!sink_) return;
  const auto elapsed = std::chrono::steady_clock::now() - start_;
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count();
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char when[32];
  std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &utc);
  std::string line = std::string(when) + " call=" + method_ + " user=" + LogSafe(user_, 64) +
                     " device=" + std::to_string(device_);
  for (const auto& [name, value] : counts_) line += " " + std::string(name) + "=" + std::to_string(value);
  line += " status=" + std::string(StatusCodeName(code));
  line += " ms=" + std::to_string(ms);
  if (code != StatusCode::kOk) line += " error=\"" + LogSafe(message) + "\"";
  sink_(line);
}

}  // namespace homevisit::server
