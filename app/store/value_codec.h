// How values are kept in the device database: as the serialized protocol Value, so a pulled
// field is stored as it arrived and a pushed one is sent as it was stored.
#pragma once

#include <optional>
#include <string>

#include "core/status.h"
#include "core/value.h"
#include "homevisit/v1/records.pb.h"

namespace homevisit::store {

// Largest serialized value the device accepts, from the user or from the network.
inline constexpr size_t kMaxValueBytes = 256 * 1024;

std::string EncodeValue(const Value& value);
// InvalidArgument if the bytes are not a valid protocol Value (see wire::FromProto).
Result<Value> DecodeValue(std::string_view bytes);

// The text a query key holds for a value: text, decimal and integers as written, booleans
// as "true"/"false", dates as "YYYY-MM-DD". nullopt for null and for kinds no filter uses
// (lists, points, blobs, rows): such a field has no key row.
std::optional<std::string> KeyText(const v1::Value& value);
std::optional<std::string> KeyText(const Value& value);

}  // namespace homevisit::store
