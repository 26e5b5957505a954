// One log line per call: method, user, device node, counts, status code, latency.
//
// What a line may hold is fixed here: names of users and methods, numbers, status codes and
// status messages. The server's own messages name fields, never their values, so no survey
// answer and no ID number (身份证号) can reach the log.
//
//   2025-03-14T08:15:02Z call=Push user=wang device=17 writes=12 applied=10 conflicts=1
//   rejected=1 status=OK ms=4
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/status.h"

namespace homevisit::server {

// Where lines go (stderr by default; tests capture them).
using LogSink = std::function<void(const std::string& line)>;
LogSink StderrLog();

class CallLog {
 public:
  CallLog(LogSink sink, std::string method);
  CallLog(const CallLog&) = delete;
  CallLog& operator=(const CallLog&) = delete;

  void set_user(std::string user) { user_ = std::move(user); }
  void set_device(uint32_t node) { device_ = node; }
  void Count(const char* name, uint64_t value) { counts_.emplace_back(name, value); }
  // Writes the line. Call once, when the call ends.
  void Finish(StatusCode code, const std::string& message);

 private:
  LogSink sink_;
  std::string method_;
  std::string user_ = "-";
  uint32_t device_ = 0;
  std::vector<std::pair<const char*, uint64_t>> counts_;
  std::chrono::steady_clock::time_point start_;
};

// Keeps a log field readable on one line: spaces and controls become '_', long text is cut.
std::string LogSafe(const std::string& text, size_t max_bytes = 200);

}  // namespace homevisit::server
