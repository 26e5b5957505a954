// Unsigned varints (base-128, low group first: the protobuf encoding) and length-prefixed
// byte strings, for the compact stored forms of a record's fields on the device and on the
// server. Pure functions, no I/O. Readers never step outside their input.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace homevisit {

inline void AppendVarint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

// Reads one varint from the front of *in and consumes it. False for a truncated varint or
// one of more than 64 bits (*in is then left somewhere inside it: the input is damaged).
inline bool ReadVarint(std::string_view* in, uint64_t* v) {
  uint64_t result = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (in->empty()) return false;
    const auto byte = static_cast<unsigned char>(in->front());
    in->remove_prefix(1);
    if (shift == 63 && byte > 1) return false;
    result |= static_cast<uint64_t>(byte & 0x7F) << shift;
    if ((byte & 0x80) == 0) {
      *v = result;
      return true;
    }
  }
  return false;
}

inline void AppendLengthPrefixed(std::string& out, std::string_view bytes) {
  AppendVarint(out, bytes.size());
  out.append(bytes);
}

// A varint length and that many bytes; *out views into the input. False when the length
// exceeds `max` or what is left.
inline bool ReadLengthPrefixed(std::string_view* in, uint64_t max, std::string_view* out) {
  uint64_t n = 0;
  if (!ReadVarint(in, &n) || n > max || n > in->size()) return false;
  *out = in->substr(0, n);
  in->remove_prefix(n);
  return true;
}

}  // namespace homevisit
