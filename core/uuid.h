// UUIDv7 record ids (RFC 9562): 48 bits of Unix milliseconds, then random bits. Made where a
// record is created, so devices that are offline for days never collide, and ids sort
// roughly by creation time (good locality in database indexes).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace homevisit {

struct Uuid {
  std::array<uint8_t, 16> bytes{};

  friend auto operator<=>(const Uuid&, const Uuid&) = default;
  friend bool operator==(const Uuid&, const Uuid&) = default;

  // Builds a version-7 UUID from a time and 74 random bits taken from the two words.
  static Uuid V7(int64_t unix_ms, uint64_t random_a, uint64_t random_b);
  // A name-based id: the same (namespace, name) always gives the same UUID (version 8,
  // FNV-based). Used for records whose identity is derived, such as the conflict record of
  // one losing write, so that recording the same conflict twice writes the same record.
  static Uuid Derived(std::string_view name);
  // Parses the 16 raw bytes; nullopt if the size is not 16.
  static std::optional<Uuid> FromBytes(std::string_view raw);
  // Parses "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" (hex, either case).
  static std::optional<Uuid> Parse(std::string_view text);

  int version() const { return bytes[6] >> 4; }
  int64_t unix_ms() const;
  std::string ToString() const;
  std::string_view AsBytes() const {
    return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
  }
  bool IsNil() const { return *this == Uuid{}; }
};

// Makes UUIDv7 ids that increase strictly within one generator, even within one millisecond
// (the 12-bit rand_a field is used as a counter seeded randomly each millisecond).
class UuidGenerator {
 public:
  // seed: random bits from the platform (the caller does the I/O).
  explicit UuidGenerator(uint64_t seed);
  Uuid Next(int64_t unix_ms);

 private:
  uint64_t NextRandom();
  uint64_t state_;
  int64_t last_ms_ = -1;
  uint16_t counter_ = 0;
};

}  // namespace homevisit
