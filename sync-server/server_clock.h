// The server's hybrid logical clock (node 0), shared by every call. Observes the stamps that
// devices push, refusing ones too far ahead, and stamps what the server writes itself
// (conflict records, seeds).
#pragma once

#include <mutex>

#include "core/hlc.h"

namespace homevisit::server {

class ServerClock {
 public:
  explicit ServerClock(HybridClock::WallClock wall_clock = HybridClock::SystemMillis,
                       int64_t max_drift_ms = HybridClock::kDefaultMaxDriftMs)
      : wall_clock_(wall_clock), clock_(kServerNode, std::move(wall_clock), max_drift_ms) {}

  Stamp Now() {
    std::lock_guard lock(mu_);
    return clock_.Now();
  }
  // FailedPrecondition (saying by how much) if `hlc` is more than the drift ahead.
  Status Observe(uint64_t hlc) {
    std::lock_guard lock(mu_);
    return clock_.Observe(hlc);
  }
  // Wall time in ms, the time every response reports and throttling counts in.
  int64_t WallMs() const { return wall_clock_(); }

 private:
  const HybridClock::WallClock wall_clock_;
  std::mutex mu_;
  HybridClock clock_;  // guarded by mu_
};

}  // namespace homevisit::server
