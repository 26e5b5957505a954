#include "sync-server/storage/record_codec.h"

#include "core/varint.h"
#include "sync-server/storage/value_codec.h"

namespace homevisit::server {

namespace {

constexpr char kFormat1 = 0x01;
constexpr char kFormat2 = 0x02;
// Format 2's byte after a field's value.
constexpr char kOwnStampAndPosition = 0x00;
constexpr char kAsTheFieldBefore = 0x01;
// Bounds a damaged count before anything is reserved for it.
constexpr uint64_t kMaxFieldsPerRecord = 1u << 16;

Status Damaged(const char* what) {
  return Internal(std::string("database: a stored record row is damaged (") + what + ")");
}

}  // namespace

std::string EncodeRecordFields(const std::vector<EncodedField>& fields) {
  size_t size = 2;
  for (const EncodedField& f : fields) size += f.name.size() + f.value.size() + 24;
  std::string out;
  out.reserve(size);
  out.push_back(kFormat2);
  AppendVarint(out, fields.size());
  for (size_t i = 0; i < fields.size(); ++i) {
    const EncodedField& f = fields[i];
    AppendLengthPrefixed(out, f.name);
    AppendLengthPrefixed(out, f.value);
    if (i > 0 && fields[i - 1].stamp == f.stamp && fields[i - 1].seq == f.seq) {
      out.push_back(kAsTheFieldBefore);
      continue;
    }
    out.push_back(kOwnStampAndPosition);
    AppendVarint(out, f.stamp.hlc);
    AppendVarint(out, f.stamp.node);
    AppendVarint(out, f.seq);
  }
  return out;
}

RecordSummary SummarizeRecord(std::string_view type, const std::vector<EncodedField>& fields) {
  static const std::string kTrue = EncodeValue(Value(true));
  static const std::string kOpen = EncodeValue(Value("open"));
  RecordSummary summary;
  summary.field_count = static_cast<int64_t>(fields.size());
  for (const EncodedField& f : fields) {
    if (f.name == "_deleted") summary.deleted = f.value == kTrue;
    if (type == "conflict" && f.name == "status") summary.open_conflict = f.value == kOpen;
  }
  return summary;
}

Status DecodeRecordFields(std::string_view bytes, std::vector<EncodedField>* out) {
  out->clear();
  std::string_view in = bytes;
  if (in.empty() || (in.front() != kFormat1 && in.front() != kFormat2)) {
    return Damaged("unknown format");
  }
  const bool format2 = in.front() == kFormat2;
  in.remove_prefix(1);
  uint64_t count = 0;
  // Every field takes at least four bytes (five in format 1): a larger count is damage, not a
  // reason to reserve.
  if (!ReadVarint(&in, &count) || count > kMaxFieldsPerRecord || count > in.size() / 4) {
    return Damaged("field count");
  }
  out->reserve(count);
  for (uint64_t i = 0; i < count; ++i) {
    EncodedField f;
    if (!ReadLengthPrefixed(&in, in.size(), &f.name) || f.name.empty() ||
        !ReadLengthPrefixed(&in, in.size(), &f.value)) {
      return Damaged("truncated field");
    }
    bool own = true;
    if (format2) {
      if (in.empty() || (in.front() != kOwnStampAndPosition && in.front() != kAsTheFieldBefore)) {
        return Damaged("stamp marker");
      }
      own = in.front() == kOwnStampAndPosition;
      in.remove_prefix(1);
      if (!own && out->empty()) return Damaged("the first field has no stamp");
    }
    if (!own) {
      f.stamp = out->back().stamp;
      f.seq = out->back().seq;
    } else if (uint64_t node = 0; !ReadVarint(&in, &f.stamp.hlc) || !ReadVarint(&in, &node) ||
                                  node > UINT32_MAX || !ReadVarint(&in, &f.seq)) {
      return Damaged("truncated field");
    } else {
      f.stamp.node = static_cast<uint32_t>(node);
    }
    if (!out->empty() && !(out->back().name < f.name)) return Damaged("field order");
    out->push_back(f);
  }
  if (!in.empty()) return Damaged("trailing bytes");
  return Status::Ok();
}

}  // namespace homevisit::server
