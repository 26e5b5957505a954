// Hybrid logical clock (Kulkarni et al.): stamps that follow wall time when clocks are sane
// and stay monotonic and causal when they are not.
//
// Contract:
//  * Now() returns a stamp strictly greater than every stamp this clock returned or observed
//    before, even if the wall clock jumped backwards.
//  * Observe(hlc) merges a received stamp so that later Now() stamps are greater than it,
//    unless it is more than max_drift_ms ahead of the local wall clock: then it is refused
//    and the clock is unchanged. A phone with a clock set a year ahead must not win every
//    future merge, nor drag every other clock a year ahead.
//  * The 16-bit counter saturating within one millisecond advances the physical part by one
//    millisecond; stamps stay unique and increasing.
#pragma once

#include <cstdint>
#include <functional>

#include "core/stamp.h"
#include "core/status.h"

namespace homevisit {

class HybridClock {
 public:
  // Milliseconds since the Unix epoch. Injected so tests can move time freely.
  using WallClock = std::function<int64_t()>;

  static constexpr int64_t kDefaultMaxDriftMs = 5 * 60 * 1000;

  HybridClock(uint32_t node, WallClock wall_clock, int64_t max_drift_ms = kDefaultMaxDriftMs);

  // A stamp for a local write.
  Stamp Now();
  // Merges a stamp received from another node. FailedPrecondition if it is too far ahead.
  Status Observe(uint64_t remote_hlc);
  // The last hlc issued or observed (0 before any).
  uint64_t last() const { return last_; }
  // Restores the last value after a restart (from the device's store), so a restarted device
  // never reissues a stamp. Ignored if lower than the current last().
  void Restore(uint64_t last_hlc);
  uint32_t node() const { return node_; }
  void set_node(uint32_t node) { node_ = node; }
  int64_t max_drift_ms() const { return max_drift_ms_; }

  // The system wall clock.
  static int64_t SystemMillis();

 private:
  uint32_t node_;
  WallClock wall_clock_;
  int64_t max_drift_ms_;
  uint64_t last_ = 0;
};

}  // namespace homevisit
