// Order-independent, incremental checksums of a scope's state (DESIGN.md "Sync protocol").
//
// The checksum of a set of fields is the sum modulo 2^64 of FieldHash over them. A sum does
// not depend on order and is maintained incrementally: when a field's stamp changes, subtract
// the old hash and add the new one. The server keeps it as it merges; a device computes it
// from its confirmed replica and compares after a pull.
#pragma once

#include <cstdint>
#include <string_view>

#include "core/stamp.h"
#include "core/uuid.h"

namespace homevisit {

inline constexpr uint64_t kFnvOffset = 0xCBF29CE484222325ull;

// FNV-1a, 64 bit. Stable across platforms and versions: it is part of the protocol.
uint64_t Fnv1a64(std::string_view data, uint64_t seed = kFnvOffset);

// Hash of one field version: FNV-1a-64 over the 16 id bytes, the name, a 0 byte, then hlc
// and node as little-endian 8 and 4 bytes.
uint64_t FieldHash(const Uuid& record_id, std::string_view field_name, const Stamp& stamp);

// FieldHash of many fields of one record: the id's part of the hash is taken once.
// RecordFieldHasher(id)(name, stamp) == FieldHash(id, name, stamp).
class RecordFieldHasher {
 public:
  explicit RecordFieldHasher(const Uuid& record_id) : after_id_(Fnv1a64(record_id.AsBytes())) {}
  uint64_t operator()(std::string_view field_name, const Stamp& stamp) const;

 private:
  uint64_t after_id_;
};

// A running checksum of a set of field versions.
struct ScopeChecksum {
  uint64_t sum = 0;
  uint64_t count = 0;
  void Add(uint64_t field_hash) { sum += field_hash; ++count; }
  void Remove(uint64_t field_hash) { sum -= field_hash; --count; }
  friend bool operator==(const ScopeChecksum&, const ScopeChecksum&) = default;
};

}  // namespace homevisit
