#include "core/checksum.h"

namespace homevisit {

uint64_t Fnv1a64(std::string_view data, uint64_t seed) {
  uint64_t h = seed;
  for (unsigned char c : data) {
    h ^= c;
    h *= 0x100000001B3ull;
  }
  return h;
}

uint64_t FieldHash(const Uuid& record_id, std::string_view field_name, const Stamp& stamp) {
  uint64_t h = Fnv1a64(record_id.AsBytes());
  h = Fnv1a64(field_name, h);
  char tail[13];
  tail[0] = 0;
  for (int i = 0; i < 8; ++i) tail[1 + i] = static_cast<char>(stamp.hlc >> (8 * i));
  for (int i = 0; i < 4; ++i) tail[9 + i] = static_cast<char>(stamp.node >> (8 * i));
  return Fnv1a64(std::string_view(tail, sizeof tail), h);
}

}  // namespace homevisit
