// How a backend stores values and stamps: backend-neutral helpers shared by the SQLite and
// PostgreSQL backends, so both store the same bytes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"
#include "core/value.h"

namespace homevisit::server {

// A value as the bytes of its protocol message (homevisit.v1.Value), lossless for every type.
std::string EncodeValue(const Value& value);
// kInternal if the stored bytes do not decode: the database is damaged.
Result<Value> DecodeValue(std::string_view bytes);

// SQL integers are signed 64-bit; hlc and checksums are unsigned. Stored as the same bits.
inline int64_t ToSql(uint64_t v) { return static_cast<int64_t>(v); }
inline uint64_t FromSql(int64_t v) { return static_cast<uint64_t>(v); }

// The bounds of the scope subtree of `scope` for a range query over scope text compared
// bytewise: a scope s is covered iff s == scope or lower <= s < upper ('/' + 1 == '0').
struct ScopeRange {
  std::string lower;  // scope + "/"
  std::string upper;  // scope + "0"
};
inline ScopeRange SubtreeRange(const std::string& scope) { return {scope + "/", scope + "0"}; }

}  // namespace homevisit::server
