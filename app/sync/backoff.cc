#include "app/sync/backoff.h"

#include <algorithm>

namespace homevisit::sync {

std::chrono::milliseconds Backoff::Delay(int attempts_made) {
  const int64_t initial = std::max<int64_t>(policy_.initial_delay.count(), 1);
  const int64_t max = std::max<int64_t>(policy_.max_delay.count(), initial);
  const int doublings = std::clamp(attempts_made - 1, 0, 30);
  const int64_t cap = std::min<int64_t>(max, initial << doublings);
  std::uniform_int_distribution<int64_t> jitter(cap / 2, cap);
  return std::chrono::milliseconds(jitter(rng_));
}

}  // namespace homevisit::sync
