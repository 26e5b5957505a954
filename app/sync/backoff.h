// Exponential backoff with jitter for retrying a failed call: the n-th wait is drawn
// uniformly from [cap/2, cap] where cap = min(max_delay, initial_delay * 2^n), so devices
// that lost the network together do not all come back in the same millisecond, and a wait
// is never near zero.
#pragma once

#include <chrono>
#include <cstdint>
#include <random>

namespace homevisit::sync {

struct BackoffPolicy {
  std::chrono::milliseconds initial_delay{300};
  std::chrono::milliseconds max_delay{10'000};
  // Attempts of one call, the first included; at least 1.
  int max_attempts = 5;
};

class Backoff {
 public:
  Backoff(BackoffPolicy policy, uint64_t seed) : policy_(policy), rng_(seed) {}

  // True if another attempt is allowed after `attempts_made` attempts.
  bool ShouldRetry(int attempts_made) const { return attempts_made < policy_.max_attempts; }
  // The wait before attempt number `attempts_made + 1` (attempts_made >= 1).
  std::chrono::milliseconds Delay(int attempts_made);

 private:
  BackoffPolicy policy_;
  std::mt19937_64 rng_;
};

}  // namespace homevisit::sync
