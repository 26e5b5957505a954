#include "core/uuid.h"

#include <cstring>

#include "core/checksum.h"

namespace homevisit {

Uuid Uuid::V7(int64_t unix_ms, uint64_t random_a, uint64_t random_b) {
  Uuid u;
  const uint64_t ms = static_cast<uint64_t>(unix_ms) & 0xFFFFFFFFFFFFull;
  for (int i = 0; i < 6; ++i) u.bytes[i] = static_cast<uint8_t>(ms >> (8 * (5 - i)));
  u.bytes[6] = static_cast<uint8_t>(0x70 | ((random_a >> 8) & 0x0F));
  u.bytes[7] = static_cast<uint8_t>(random_a);
  for (int i = 0; i < 8; ++i) u.bytes[8 + i] = static_cast<uint8_t>(random_b >> (8 * (7 - i)));
  u.bytes[8] = static_cast<uint8_t>(0x80 | (u.bytes[8] & 0x3F));
  return u;
}

Uuid Uuid::Derived(std::string_view name) {
  const uint64_t a = Fnv1a64(name);
  const uint64_t b = Fnv1a64(name, a ^ 0x9E3779B97F4A7C15ull);
  Uuid u;
  for (int i = 0; i < 8; ++i) u.bytes[i] = static_cast<uint8_t>(a >> (8 * (7 - i)));
  for (int i = 0; i < 8; ++i) u.bytes[8 + i] = static_cast<uint8_t>(b >> (8 * (7 - i)));
  u.bytes[6] = static_cast<uint8_t>(0x80 | (u.bytes[6] & 0x0F));
  u.bytes[8] = static_cast<uint8_t>(0x80 | (u.bytes[8] & 0x3F));
  return u;
}

std::optional<Uuid> Uuid::FromBytes(std::string_view raw) {
  if (raw.size() != 16) return std::nullopt;
  Uuid u;
  std::memcpy(u.bytes.data(), raw.data(), 16);
  return u;
}

namespace {
int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

std::optional<Uuid> Uuid::Parse(std::string_view text) {
  if (text.size() != 36) return std::nullopt;
  Uuid u;
  size_t out = 0;
  for (size_t i = 0; i < text.size();) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (text[i] != '-') return std::nullopt;
      ++i;
      continue;
    }
    const int hi = HexDigit(text[i]);
    const int lo = HexDigit(text[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    u.bytes[out++] = static_cast<uint8_t>(hi << 4 | lo);
    i += 2;
  }
  return u;
}

int64_t Uuid::unix_ms() const {
  uint64_t ms = 0;
  for (int i = 0; i < 6; ++i) ms = ms << 8 | bytes[i];
  return static_cast<int64_t>(ms);
}

std::string Uuid::ToString() const {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s;
  s.reserve(36);
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) s.push_back('-');
    s.push_back(kHex[bytes[i] >> 4]);
    s.push_back(kHex[bytes[i] & 0xF]);
  }
  return s;
}

UuidGenerator::UuidGenerator(uint64_t seed) : state_(seed ? seed : 0x853C49E6748FEA9Bull) {}

uint64_t UuidGenerator::NextRandom() {
  // splitmix64: small, fast, good enough to spread ids; uniqueness comes from the counter.
  uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

Uuid UuidGenerator::Next(int64_t unix_ms) {
  if (unix_ms > last_ms_) {
    last_ms_ = unix_ms;
    counter_ = static_cast<uint16_t>(NextRandom() & 0x3FF);  // leave room to count up
  } else if (++counter_ > 0xFFF) {
    // 4096 ids in one millisecond: borrow the next millisecond.
    ++last_ms_;
    counter_ = 0;
  }
  return Uuid::V7(last_ms_, counter_, NextRandom());
}

}  // namespace homevisit
