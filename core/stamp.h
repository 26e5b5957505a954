// Stamps: the total order of writes shared by every replica.
#pragma once

#include <compare>
#include <cstdint>
#include <string>

namespace homevisit {

// Node 0 is the server itself (seeding, administrative writes, conflict records).
inline constexpr uint32_t kServerNode = 0;

// A hybrid logical clock value plus the node that wrote. Ordered by hlc, then node, so two
// different writers never tie and every replica orders the same writes the same way.
struct Stamp {
  // Upper 48 bits: physical milliseconds since the Unix epoch; lower 16 bits: counter.
  uint64_t hlc = 0;
  uint32_t node = 0;

  friend auto operator<=>(const Stamp&, const Stamp&) = default;
  friend bool operator==(const Stamp&, const Stamp&) = default;

  uint64_t physical_ms() const { return hlc >> 16; }
  uint16_t counter() const { return static_cast<uint16_t>(hlc & 0xFFFF); }
  static uint64_t Pack(uint64_t physical_ms, uint16_t counter) {
    return (physical_ms << 16) | counter;
  }
  // "1732780800000.3@17" (physical ms, counter, node): for logs and test diffs.
  std::string ToString() const;
};

}  // namespace homevisit
