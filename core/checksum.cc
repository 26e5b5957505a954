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

uint64_t RecordFieldHasher::operator()(std::string_view field_name, const Stamp& stamp) const {
  uint64_t h = Fnv1a64(field_name, after_id_);
  constexpr uint64_t kPrime = 0x100000001B3ull;
  h *= kPrime;  // the 0 byte: h ^= 0 changes nothing
  for (int i = 0; i < 8; ++i) h = (h ^ ((stamp.hlc >> (8 * i)) & 0xFF)) * kPrime;
  for (int i = 0; i < 4; ++i) h = (h ^ ((stamp.node >> (8 * i)) & 0xFF)) * kPrime;
  return h;
}

uint64_t FieldHash(const Uuid& record_id, std::string_view field_name, const Stamp& stamp) {
  return RecordFieldHasher(record_id)(field_name, stamp);
}

}  // namespace homevisit
