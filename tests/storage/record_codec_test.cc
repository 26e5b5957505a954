// The SQLite backend's record rows (record_codec.h): every row written decodes to exactly
// the fields it was made of; rows of format 1, written before format 2, still decode; a
// damaged row is refused, never read past its end.
#include "sync-server/storage/record_codec.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <random>
#include <set>

#include "core/varint.h"

namespace homevisit::server {
namespace {

struct Field {
  std::string name, value;
  Stamp stamp;
  uint64_t seq;
  bool operator==(const Field&) const = default;
};
void PrintTo(const Field& f, std::ostream* os) {
  *os << f.name << " (" << f.value.size() << " bytes) " << f.stamp.ToString() << " @" << f.seq;
}

std::vector<EncodedField> Views(const std::vector<Field>& fields) {
  std::vector<EncodedField> out;
  for (const Field& f : fields) out.push_back({f.name, f.value, f.stamp, f.seq});
  return out;
}

std::vector<Field> Copies(const std::vector<EncodedField>& fields) {
  std::vector<Field> out;
  for (const EncodedField& f : fields) {
    out.push_back({std::string(f.name), std::string(f.value), f.stamp, f.seq});
  }
  return out;
}

// Random fields in name order, most sharing the stamp and position of the field before
// them (as fields written together do), some not.
std::vector<Field> RandomFields(std::mt19937_64& rng) {
  std::set<std::string> names;
  const int n = static_cast<int>(rng() % 50);
  while (static_cast<int>(names.size()) < n) names.insert("f" + std::to_string(rng() % 500));
  std::vector<Field> out;
  Stamp stamp{rng(), static_cast<uint32_t>(rng())};
  uint64_t seq = rng() % 100000;
  for (const std::string& name : names) {
    if (rng() % 4 == 0) stamp = Stamp{rng() >> (rng() % 64), static_cast<uint32_t>(rng() % 3)};
    if (rng() % 5 == 0) seq = rng() >> (rng() % 64);
    out.push_back({name, std::string(rng() % 20, static_cast<char>(rng())), stamp, seq});
  }
  return out;
}

// The same fields as a format-1 row, byte by byte from the format's description.
std::string Format1(const std::vector<Field>& fields) {
  std::string out(1, '\x01');
  AppendVarint(out, fields.size());
  for (const Field& f : fields) {
    AppendLengthPrefixed(out, f.name);
    AppendLengthPrefixed(out, f.value);
    AppendVarint(out, f.stamp.hlc);
    AppendVarint(out, f.stamp.node);
    AppendVarint(out, f.seq);
  }
  return out;
}

TEST(RecordCodecTest, RowsDecodeToTheirFieldsInBothFormatsAndDamageIsRefused) {
  const uint64_t seed = std::random_device{}();
  std::printf("seed %llu\n", static_cast<unsigned long long>(seed));
  std::mt19937_64 rng(seed);
  for (int i = 0; i < 500; ++i) {
    SCOPED_TRACE("seed " + std::to_string(seed) + " record " + std::to_string(i));
    const std::vector<Field> fields = RandomFields(rng);
    const std::string row = EncodeRecordFields(Views(fields));
    std::vector<EncodedField> decoded;
    ASSERT_TRUE(DecodeRecordFields(row, &decoded).ok());
    ASSERT_EQ(Copies(decoded), fields);
    const std::string old = Format1(fields);
    ASSERT_TRUE(DecodeRecordFields(old, &decoded).ok());
    ASSERT_EQ(Copies(decoded), fields);
    EXPECT_LE(row.size(), old.size() + fields.size()) << "at most one marker byte per field more";
    // Every cut row is refused; so is a row with a byte changed, unless what it decodes to
    // is itself well formed (checked by the round trip of its own encoding).
    for (size_t cut = 0; cut < row.size(); ++cut) {
      ASSERT_FALSE(DecodeRecordFields(std::string_view(row).substr(0, cut), &decoded).ok()) << cut;
    }
    std::string changed = row;
    if (!changed.empty()) changed[rng() % changed.size()] ^= static_cast<char>(1 + rng() % 255);
    if (DecodeRecordFields(changed, &decoded).ok()) {
      const std::vector<Field> again = Copies(decoded);
      const std::string rewritten = EncodeRecordFields(Views(again));
      std::vector<EncodedField> twice;
      ASSERT_TRUE(DecodeRecordFields(rewritten, &twice).ok());
      EXPECT_EQ(Copies(twice), again);
    }
  }
}

TEST(RecordCodecTest, FieldsWrittenTogetherStoreTheirStampOnce) {
  std::vector<Field> visit;
  for (int i = 0; i < 40; ++i) {
    visit.push_back({"q" + std::to_string(100 + i), std::string("\x18\x04", 2),
                     Stamp{0x0190'0000'0000'0001ull, 7}, 123456});
  }
  const std::string row = EncodeRecordFields(Views(visit));
  // Per field: name (1 + 4), value (1 + 2), one marker byte; one stamp and position.
  EXPECT_LT(row.size(), 40u * 9 + 20);
  EXPECT_LT(row.size() * 2, Format1(visit).size());
}

}  // namespace
}  // namespace homevisit::server
