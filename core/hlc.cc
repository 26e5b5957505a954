#include "core/hlc.h"

#include <algorithm>
#include <chrono>
#include <string>

namespace homevisit {

std::string Stamp::ToString() const {
  return std::to_string(physical_ms()) + "." + std::to_string(counter()) + "@" +
         std::to_string(node);
}

HybridClock::HybridClock(uint32_t node, WallClock wall_clock, int64_t max_drift_ms)
    : node_(node), wall_clock_(std::move(wall_clock)), max_drift_ms_(max_drift_ms) {}

int64_t HybridClock::SystemMillis() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

namespace {
uint64_t WallAsHlc(int64_t wall_ms) {
  return Stamp::Pack(static_cast<uint64_t>(std::max<int64_t>(wall_ms, 0)), 0);
}
}  // namespace

Stamp HybridClock::Now() {
  const uint64_t wall = WallAsHlc(wall_clock_());
  // Either the wall clock moved past everything seen (counter resets to 0) or it did not
  // (same millisecond, or it went backwards): then count up from the last value. Adding one
  // to the packed value carries a full counter into the millisecond part.
  last_ = wall > last_ ? wall : last_ + 1;
  return Stamp{last_, node_};
}

Status HybridClock::Observe(uint64_t remote_hlc) {
  const int64_t wall_ms = wall_clock_();
  const int64_t remote_ms = static_cast<int64_t>(remote_hlc >> 16);
  if (remote_ms - wall_ms > max_drift_ms_) {
    return FailedPrecondition("received stamp is " + std::to_string(remote_ms - wall_ms) +
                              " ms ahead of this clock (limit " +
                              std::to_string(max_drift_ms_) +
                              " ms); the sender's clock is wrong");
  }
  last_ = std::max(last_, remote_hlc);
  return Status::Ok();
}

void HybridClock::Restore(uint64_t last_hlc) { last_ = std::max(last_, last_hlc); }

}  // namespace homevisit
