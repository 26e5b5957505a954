// The baseline of the blob benchmark: how common survey tools upload a visit — one HTTP/1.1
// multipart/form-data POST carrying the visit id and its photos — and a tiny receiver for
// it on 127.0.0.1. A cut loses the whole request: the client reconnects and posts the
// visit again from its first byte.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/status.h"

namespace homevisit::bench {

// Accepts "POST /submission" with a multipart/form-data body (keep-alive), and records,
// for every complete request, the visit id and the SHA-256 of each file part. Malformed
// requests get 400 and the connection is closed; oversize ones 413.
class MultipartReceiver {
 public:
  static Result<std::unique_ptr<MultipartReceiver>> Start(size_t max_body_bytes);
  ~MultipartReceiver();
  uint16_t port() const { return port_; }
  // visit id → SHA-256s (32 raw bytes) of its files, in order; complete requests only.
  std::map<std::string, std::vector<std::string>> visits();
  void Stop();

 private:
  MultipartReceiver() = default;
  void AcceptLoop();
  void Serve(int fd);

  size_t max_body_bytes_ = 0;
  int listener_ = -1;
  int wake_ = -1;
  uint16_t port_ = 0;
  std::thread acceptor_;
  std::mutex mu_;
  std::vector<std::thread> connections_;                    // guarded by mu_
  std::vector<int> open_fds_;                               // guarded by mu_; shut down by Stop()
  std::map<std::string, std::vector<std::string>> visits_;  // guarded by mu_
};

// Posts visits over one keep-alive connection to 127.0.0.1:port, reconnecting after a cut.
class MultipartPoster {
 public:
  MultipartPoster(uint16_t port, int max_attempts_per_visit)
      : port_(port), max_attempts_(max_attempts_per_visit) {}
  ~MultipartPoster();
  // Posts the visit until the server answers 201, restarting from zero after each failure.
  // kUnavailable after max_attempts_per_visit failures. `attempts` counts every try.
  Status PostVisit(const std::string& visit_id, const std::vector<std::string_view>& photos,
                   int* attempts);

 private:
  bool TryOnce(const std::string& head, const std::string& body);
  void Disconnect();

  uint16_t port_;
  int max_attempts_;
  int fd_ = -1;
};

}  // namespace homevisit::bench
