#include "sync-server/storage/record_codec.h"

namespace homevisit::server {

namespace {

constexpr char kFormat1 = 0x01;
// Bounds a damaged count before anything is reserved for it.
constexpr uint64_t kMaxFieldsPerRecord = 1u << 16;

void PutVarint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

class Reader {
 public:
  explicit Reader(std::string_view bytes) : p_(bytes.data()), end_(bytes.data() + bytes.size()) {}
  bool Varint(uint64_t* v) {
    uint64_t result = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (p_ == end_) return false;
      const auto byte = static_cast<unsigned char>(*p_++);
      result |= static_cast<uint64_t>(byte & 0x7F) << shift;
      if (!(byte & 0x80)) {
        *v = result;
        return true;
      }
    }
    return false;  // more than ten bytes
  }
  bool Bytes(std::string_view* out) {
    uint64_t n = 0;
    if (!Varint(&n) || n > static_cast<uint64_t>(end_ - p_)) return false;
    *out = std::string_view(p_, n);
    p_ += n;
    return true;
  }
  bool Byte(char* c) {
    if (p_ == end_) return false;
    *c = *p_++;
    return true;
  }
  bool AtEnd() const { return p_ == end_; }

 private:
  const char* p_;
  const char* end_;
};

Status Damaged(const char* what) {
  return Internal(std::string("database: a stored record row is damaged (") + what + ")");
}

}  // namespace

std::string EncodeRecordFields(const std::vector<EncodedField>& fields) {
  size_t size = 2;
  for (const EncodedField& f : fields) size += f.name.size() + f.value.size() + 24;
  std::string out;
  out.reserve(size);
  out.push_back(kFormat1);
  PutVarint(out, fields.size());
  for (const EncodedField& f : fields) {
    PutVarint(out, f.name.size());
    out.append(f.name);
    PutVarint(out, f.value.size());
    out.append(f.value);
    PutVarint(out, f.stamp.hlc);
    PutVarint(out, f.stamp.node);
    PutVarint(out, f.seq);
  }
  return out;
}

Status DecodeRecordFields(std::string_view bytes, std::vector<EncodedField>* out) {
  out->clear();
  Reader in(bytes);
  char format = 0;
  if (!in.Byte(&format) || format != kFormat1) return Damaged("unknown format");
  uint64_t count = 0;
  if (!in.Varint(&count) || count > kMaxFieldsPerRecord) return Damaged("field count");
  out->reserve(count);
  for (uint64_t i = 0; i < count; ++i) {
    EncodedField f;
    uint64_t node = 0;
    if (!in.Bytes(&f.name) || f.name.empty() || !in.Bytes(&f.value) ||
        !in.Varint(&f.stamp.hlc) || !in.Varint(&node) || node > UINT32_MAX ||
        !in.Varint(&f.seq)) {
      return Damaged("truncated field");
    }
    if (!out->empty() && !(out->back().name < f.name)) return Damaged("field order");
    f.stamp.node = static_cast<uint32_t>(node);
    out->push_back(f);
  }
  if (!in.AtEnd()) return Damaged("trailing bytes");
  return Status::Ok();
}

}  // namespace homevisit::server
