// Packed fields (proto/packed.h) and zstd bodies (proto/zstd_frame.h): what a replica reads
// from a packed pull or push means exactly what it would read from Field messages, damaged
// input is refused (never read past, never half-used), and CheckEncodedValue accepts exactly
// the canonical bytes of a value FromProto accepts.
//
// The random corpus is seeded: the seed is printed and recorded as a test property, and
// HOMEVISIT_SEED=<n> repeats a run.
#include <gtest/gtest.h>
#include <zstd.h>

#include <algorithm>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <map>
#include <random>
#include <set>

#include "core/varint.h"
#include "homevisit/v1/sync.pb.h"
#include "packed.h"
#include "wire.h"
#include "zstd_frame.h"

namespace homevisit {
namespace {

using wire::NameList;

uint64_t SeedFromEnv() {
  static const uint64_t seed = [] {
    const char* s = std::getenv("HOMEVISIT_SEED");
    const uint64_t v = s && *s ? std::strtoull(s, nullptr, 10) : std::random_device{}();
    std::printf("packed_test: HOMEVISIT_SEED=%" PRIu64 "\n", v);
    return v;
  }();
  ::testing::Test::RecordProperty("HOMEVISIT_SEED", std::to_string(seed));
  return seed;
}

std::string Hex(std::string_view bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out.push_back(digits[c >> 4]);
    out.push_back(digits[c & 15]);
    out.push_back(' ');
  }
  return out;
}

std::string Bytes(const Value& value) {
  v1::Value p;
  wire::ToProto(value, &p);
  return p.SerializeAsString();
}

// Every kind, with edge cases (Chinese text, extremes, empty strings, nested rows).
std::vector<Value> SampleValues() {
  Row member;
  member.Set("name", "王芳").Set("age", 41).Set("income", Decimal{"8000.50"}).Set("ok", true);
  return {Value(),
          Value(""),
          Value("花山村 🌄"),
          Value(int64_t{0}),
          Value(int64_t{-1}),
          Value(std::numeric_limits<int64_t>::min()),
          Value(std::numeric_limits<int64_t>::max()),
          Value(Decimal{"-1234.50"}),
          Value(true),
          Value(false),
          Value(Date{std::numeric_limits<int32_t>::min()}),
          Value(Date{0}),
          Value(Date{std::numeric_limits<int32_t>::max()}),
          Value(StringList{}),
          Value(StringList{"dibao", "残疾", ""}),
          Value(GeoPoint{27.5, 109.9, 12}),
          Value(GeoPoint{-90, 180, 0}),
          Value(BlobRef{std::string(32, '\0')}),
          Value(Rows{}),
          Value(Rows{{member, Row{}}})};
}

// ---- pulls: Record.packed_fields ----

TEST(PackedFields, PullFieldsRoundTripWithOwnAndRecordStamps) {
  NameList names;
  wire::FieldNameTable table(&names);
  const Stamp record{Stamp::Pack(1'790'000'000'000, 3), 17};
  const std::vector<Value> values = SampleValues();
  std::string packed;
  struct Want {
    std::string name;
    std::string value;
    Stamp stamp;
  };
  std::vector<Want> want;
  for (size_t i = 0; i < values.size(); ++i) {
    Stamp stamp = record;
    if (i % 3 == 1) stamp.hlc += 1;    // a later write of the same device
    if (i % 3 == 2) stamp.node = 18;   // another node at the same hlc
    if (i == 4) stamp = Stamp{std::numeric_limits<uint64_t>::max(), UINT32_MAX};
    if (i == 5) stamp = Stamp{1, 0};
    const std::string name = "q" + std::to_string(i % 7);  // names repeat: one table entry each
    wire::AppendPackedField(&packed, table.IndexOf(name), Bytes(values[i]), stamp, record);
    want.push_back({name, Bytes(values[i]), stamp});
  }
  EXPECT_EQ(names.size(), 7) << "each name once in the table";

  std::vector<wire::PackedField> got;
  ASSERT_TRUE(wire::DecodePackedFields(packed, names, record, &got).ok());
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].name, want[i].name) << i;
    EXPECT_EQ(got[i].value, want[i].value) << i;
    EXPECT_EQ(got[i].stamp, want[i].stamp) << i;
    auto value = wire::ValueFromBytes(got[i].value);
    ASSERT_TRUE(value.ok()) << value.status().ToString();
    EXPECT_EQ(*value, values[i]) << i;
  }
}

TEST(PackedFields, AFieldWithTheRecordStampCostsNoStampBytes) {
  NameList names;
  names.Add("status");
  const Stamp record{Stamp::Pack(1'790'000'000'000, 0), 5};
  std::string shared, own;
  wire::AppendPackedField(&shared, 0, Bytes(Value("draft")), record, record);
  wire::AppendPackedField(&own, 0, Bytes(Value("draft")), Stamp{record.hlc, 6}, record);
  EXPECT_EQ(shared.size(), 1 + 1 + Bytes(Value("draft")).size());
  EXPECT_GT(own.size(), shared.size());
  // The same bytes read against another record stamp take that stamp: the stamp is not in them.
  std::vector<wire::PackedField> got;
  ASSERT_TRUE(wire::DecodePackedFields(shared, names, Stamp{42, 9}, &got).ok());
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].stamp, (Stamp{42, 9}));
}

TEST(PackedFields, ManyNamesUseMultiByteIndexes) {
  NameList names;
  wire::FieldNameTable table(&names);
  const Stamp record{1000, 1};
  std::string packed;
  constexpr int kNames = 70'000;  // indexes above 2^16 need three varint bytes
  for (int i = 0; i < kNames; ++i) {
    const std::string name = "answer_" + std::to_string(i);
    ASSERT_EQ(table.IndexOf(name), static_cast<uint32_t>(i));
    wire::AppendPackedField(&packed, table.IndexOf(name), Bytes(Value(i)),
                            i % 2 ? Stamp{record.hlc + uint64_t(i), 2} : record, record);
  }
  EXPECT_EQ(table.IndexOf("answer_12345"), 12345u) << "a name asked again keeps its index";
  EXPECT_EQ(names.size(), kNames);
  std::vector<wire::PackedField> got;
  ASSERT_TRUE(wire::DecodePackedFields(packed, names, record, &got).ok());
  ASSERT_EQ(got.size(), static_cast<size_t>(kNames));
  for (int i : {0, 1, 63, 64, 127, 128, 8191, 8192, 16384, kNames - 1}) {
    EXPECT_EQ(got[i].name, "answer_" + std::to_string(i));
    EXPECT_EQ(*wire::ValueFromBytes(got[i].value), Value(i));
    EXPECT_EQ(got[i].stamp, (i % 2 ? Stamp{record.hlc + i, 2} : record));
  }
}

TEST(PackedFields, EmptyPackedFieldsHoldNoField) {
  NameList names;
  std::vector<wire::PackedField> got;
  EXPECT_TRUE(wire::DecodePackedFields("", names, Stamp{1, 1}, &got).ok());
  EXPECT_TRUE(got.empty());
}

TEST(PackedFields, PullNameIndexOutsideTheTableIsRefused) {
  NameList names;
  names.Add("a");
  names.Add("b");
  for (uint32_t index : {2u, 3u, 1000u, UINT32_MAX}) {
    std::string packed;
    wire::AppendPackedField(&packed, 0, Bytes(Value(1)), Stamp{1, 1}, Stamp{1, 1});
    wire::AppendPackedField(&packed, index, Bytes(Value(1)), Stamp{1, 1}, Stamp{1, 1});
    std::vector<wire::PackedField> got;
    Status s = wire::DecodePackedFields(packed, names, Stamp{1, 1}, &got);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << index;
  }
  // An empty table: every index is outside it.
  std::string packed;
  wire::AppendPackedField(&packed, 0, Bytes(Value(1)), Stamp{1, 1}, Stamp{1, 1});
  std::vector<wire::PackedField> got;
  EXPECT_EQ(wire::DecodePackedFields(packed, NameList(), Stamp{1, 1}, &got).code(),
            StatusCode::kInvalidArgument);
  // A head varint of more than 64 bits.
  EXPECT_EQ(wire::DecodePackedFields(std::string(11, '\xff'), names, Stamp{1, 1}, &got).code(),
            StatusCode::kInvalidArgument);
}

TEST(PackedFields, EveryTruncationOfAPullIsRefused) {
  NameList names;
  wire::FieldNameTable table(&names);
  const Stamp record{Stamp::Pack(1'790'000'000'000, 1), 300};
  std::string packed;
  std::set<size_t> boundaries = {0};
  const std::vector<Value> values = SampleValues();
  for (size_t i = 0; i < values.size(); ++i) {
    wire::AppendPackedField(&packed, table.IndexOf("f" + std::to_string(i * 40)), Bytes(values[i]),
                            i % 2 ? Stamp{record.hlc + 1000, 70'000} : record, record);
    boundaries.insert(packed.size());
  }
  for (size_t n = 1; n < packed.size(); ++n) {
    std::vector<wire::PackedField> got;
    Status s = wire::DecodePackedFields(std::string_view(packed).substr(0, n), names, record, &got);
    if (boundaries.count(n)) {
      EXPECT_TRUE(s.ok()) << "a prefix of whole fields, " << n << " bytes: " << s.ToString();
    } else {
      EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << "truncated to " << n << " bytes";
    }
  }
}

TEST(PackedFields, APullStampNodeAbove32BitsIsRefused) {
  NameList names;
  names.Add("x");
  const std::string value = Bytes(Value("a"));
  for (uint64_t node : {uint64_t{UINT32_MAX}, uint64_t{UINT32_MAX} + 1, uint64_t{1} << 40,
                        std::numeric_limits<uint64_t>::max()}) {
    std::string packed;
    AppendVarint(packed, (0u << 1) | 1);  // index 0, own stamp
    AppendVarint(packed, 12345);
    AppendVarint(packed, node);
    AppendLengthPrefixed(packed, value);
    std::vector<wire::PackedField> got;
    Status s = wire::DecodePackedFields(packed, names, Stamp{1, 1}, &got);
    if (node <= UINT32_MAX) {
      ASSERT_TRUE(s.ok()) << s.ToString();
      EXPECT_EQ(got.at(0).stamp, (Stamp{12345, UINT32_MAX}));
    } else {
      EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << node;
    }
  }
}

TEST(PackedFields, APulledValueThatFromProtoRefusesIsRefused) {
  NameList names;
  names.Add("x");
  v1::Value bad_geo;
  bad_geo.mutable_geopoint()->set_latitude(91);
  v1::Value short_blob;
  short_blob.set_blob_sha256(std::string(31, 'a'));
  for (const std::string& value :
       {std::string(), bad_geo.SerializeAsString(), short_blob.SerializeAsString(),
        std::string("\x12\x01\xff", 3), std::string("\x18\x80\x00", 3)}) {
    std::string packed;
    wire::AppendPackedField(&packed, 0, value, Stamp{1, 1}, Stamp{1, 1});
    std::vector<wire::PackedField> got;
    EXPECT_EQ(wire::DecodePackedFields(packed, names, Stamp{1, 1}, &got).code(),
              StatusCode::kInvalidArgument)
        << Hex(value);
  }
  // A value longer than the bound a stored value has.
  std::string packed;
  wire::AppendPackedField(&packed, 0, Bytes(Value(std::string(300 * 1024, 'a'))), Stamp{1, 1},
                          Stamp{1, 1});
  std::vector<wire::PackedField> got;
  EXPECT_EQ(wire::DecodePackedFields(packed, names, Stamp{1, 1}, &got).code(),
            StatusCode::kInvalidArgument);
}

// ---- pushes: RecordWrite.packed_fields ----

TEST(PackedWrites, PushWritesRoundTripWithOwnHlcAndBase) {
  NameList names;
  wire::FieldNameTable table(&names);
  const std::vector<Value> values = SampleValues();
  struct Want {
    std::string name, value;
    uint64_t hlc;
    std::optional<Stamp> base;
  };
  std::vector<Want> want;
  std::string packed;
  for (size_t i = 0; i < values.size(); ++i) {
    const uint64_t hlc = i % 2 ? Stamp::Pack(1'790'000'000'000, static_cast<uint16_t>(i)) : 0;
    std::optional<Stamp> base;
    if (i % 3 == 0) base = Stamp{Stamp::Pack(1'780'000'000'000, 9), static_cast<uint32_t>(i)};
    if (i == 3) base = Stamp{std::numeric_limits<uint64_t>::max(), UINT32_MAX};
    if (i == 6) base = Stamp{0, 0};  // a base of zeros is still a base
    // i == 7: an hlc of the maximum is still its own.
    const uint64_t own = i == 7 ? std::numeric_limits<uint64_t>::max() : hlc;
    const std::string name = i == 8 ? std::string("household_member_名字") : "f" + std::to_string(i % 5);
    wire::AppendPackedWrite(&packed, table.IndexOf(name), Bytes(values[i]), own, base);
    want.push_back({name, Bytes(values[i]), own, base});
  }
  std::vector<wire::PackedWrite> got;
  ASSERT_TRUE(wire::DecodePackedWrites(packed, names, &got).ok());
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].name, want[i].name) << i;
    EXPECT_EQ(got[i].value, want[i].value) << i;
    EXPECT_EQ(got[i].hlc, want[i].hlc) << i;
    EXPECT_EQ(got[i].base, want[i].base) << i;
  }
}

TEST(PackedWrites, ManyNamesRoundTrip) {
  NameList names;
  wire::FieldNameTable table(&names);
  std::string packed;
  constexpr int kNames = 20'000;
  for (int i = 0; i < kNames; ++i) {
    wire::AppendPackedWrite(&packed, table.IndexOf("n" + std::to_string(i)), Bytes(Value(i)),
                            i % 3 ? 0 : 1000 + i,
                            i % 2 ? std::optional<Stamp>(Stamp{uint64_t(i), uint32_t(i)}) : std::nullopt);
  }
  std::vector<wire::PackedWrite> got;
  ASSERT_TRUE(wire::DecodePackedWrites(packed, names, &got).ok());
  ASSERT_EQ(got.size(), static_cast<size_t>(kNames));
  for (int i : {0, 1, 2, 31, 32, 4095, 4096, kNames - 1}) {
    EXPECT_EQ(got[i].name, "n" + std::to_string(i));
    EXPECT_EQ(*wire::ValueFromBytes(got[i].value), Value(i));
    EXPECT_EQ(got[i].hlc, i % 3 ? 0u : 1000u + i);
    EXPECT_EQ(got[i].base.has_value(), i % 2 == 1);
  }
}

TEST(PackedWrites, PushNameIndexOutsideTheTableIsRefused) {
  NameList names;
  names.Add("a");
  for (uint32_t index : {1u, 2u, 5000u, UINT32_MAX}) {
    std::string packed;
    wire::AppendPackedWrite(&packed, 0, Bytes(Value(1)), 0, std::nullopt);
    wire::AppendPackedWrite(&packed, index, Bytes(Value(1)), 7, Stamp{1, 2});
    std::vector<wire::PackedWrite> got;
    EXPECT_EQ(wire::DecodePackedWrites(packed, names, &got).code(), StatusCode::kInvalidArgument)
        << index;
  }
}

TEST(PackedWrites, EveryTruncationOfAPushIsRefused) {
  NameList names;
  wire::FieldNameTable table(&names);
  std::string packed;
  std::set<size_t> boundaries = {0};
  const std::vector<Value> values = SampleValues();
  for (size_t i = 0; i < values.size(); ++i) {
    wire::AppendPackedWrite(&packed, table.IndexOf("w" + std::to_string(i * 50)), Bytes(values[i]),
                            i % 2 ? Stamp::Pack(1'790'000'000'000, 1) : 0,
                            i % 3 ? std::optional<Stamp>(Stamp{Stamp::Pack(1'780'000'000'000, 2), 99'999})
                                  : std::nullopt);
    boundaries.insert(packed.size());
  }
  for (size_t n = 1; n < packed.size(); ++n) {
    std::vector<wire::PackedWrite> got;
    Status s = wire::DecodePackedWrites(std::string_view(packed).substr(0, n), names, &got);
    if (boundaries.count(n)) {
      EXPECT_TRUE(s.ok()) << n << ": " << s.ToString();
    } else {
      EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << "truncated to " << n << " bytes";
    }
  }
}

TEST(PackedWrites, ABaseStampNodeAbove32BitsIsRefused) {
  NameList names;
  names.Add("x");
  for (uint64_t node : {uint64_t{UINT32_MAX}, uint64_t{UINT32_MAX} + 1,
                        std::numeric_limits<uint64_t>::max()}) {
    std::string packed;
    AppendVarint(packed, (0u << 2) | 2 | 1);  // index 0, own hlc, base
    AppendVarint(packed, 777);
    AppendVarint(packed, 555);
    AppendVarint(packed, node);
    AppendLengthPrefixed(packed, Bytes(Value("a")));
    std::vector<wire::PackedWrite> got;
    Status s = wire::DecodePackedWrites(packed, names, &got);
    if (node <= UINT32_MAX) {
      ASSERT_TRUE(s.ok()) << s.ToString();
      EXPECT_EQ(got.at(0).hlc, 777u);
      EXPECT_EQ(got.at(0).base, (Stamp{555, UINT32_MAX}));
    } else {
      EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << node;
    }
  }
}

// ---- CheckEncodedValue against protobuf itself ----

// What CheckEncodedValue promises to accept: bytes that protobuf parses, that FromProto
// accepts, and that protobuf writes back byte for byte.
bool Oracle(std::string_view bytes) {
  v1::Value p;
  if (!p.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) return false;
  if (!wire::FromProto(p).ok()) return false;
  return p.SerializeAsString() == bytes;
}

std::string Raw(unsigned char tag, std::string_view payload) {
  std::string out(1, static_cast<char>(tag));
  AppendLengthPrefixed(out, payload);
  return out;
}

class Corpus {
 public:
  explicit Corpus(uint64_t seed) : rng_(seed) {}

  std::string Text() {
    static const std::vector<std::string> pool = {
        "", "a", "花山村", "最低生活保障家庭", "王芳 🌄", std::string(200, 'x'), "\t\n", "é"};
    return pool[Pick(pool.size())];
  }
  // Structurally invalid UTF-8: a lone byte, overlong, surrogate, above U+10FFFF, cut.
  std::string BadUtf8() {
    static const std::vector<std::string> pool = {
        "\xff", "\xc0\xaf", "\xe0\x80\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xe8\x8a",
        "ok\x80", "\xf8\x88\x80\x80\x80", "\xc2"};
    return Text() + pool[Pick(pool.size())] + Text();
  }

  // One value as bytes: mostly valid ones (as ToProto writes them), some that FromProto or
  // protobuf refuses.
  std::string Next(bool allow_rows = true) {
    switch (Pick(allow_rows ? 12 : 11)) {
      case 0: return Bytes(Value());
      case 1: return Bytes(Value(Text()));
      case 2: return Raw(Pick(2) ? 0x12 : 0x22, BadUtf8());  // text or decimal
      case 3: {
        static const std::vector<int64_t> pool = {0, 1, -1, 63, -64, 64, 1 << 20,
                                                  std::numeric_limits<int64_t>::min(),
                                                  std::numeric_limits<int64_t>::max()};
        return Bytes(Value(Pick(2) ? pool[Pick(pool.size())] : static_cast<int64_t>(rng_())));
      }
      case 4: {
        static const std::vector<std::string> pool = {"0", "12.30", "-1234.50", "", "1e9", "壹"};
        return Bytes(Value(Decimal{pool[Pick(pool.size())]}));
      }
      case 5: return Bytes(Value(Pick(2) == 1));
      case 6: {
        static const std::vector<int32_t> pool = {0, -1, 1, 20'000,
                                                  std::numeric_limits<int32_t>::min(),
                                                  std::numeric_limits<int32_t>::max()};
        return Bytes(Value(Date{Pick(2) ? pool[Pick(pool.size())] : static_cast<int32_t>(rng_())}));
      }
      case 7: {
        if (Pick(5) == 0) {  // one item not UTF-8
          std::string list;
          list += Raw(0x0A, Text());
          list += Raw(0x0A, BadUtf8());
          return Raw(0x3A, list);
        }
        StringList items;
        for (size_t i = Pick(5); i > 0; --i) items.push_back(Text());
        return Bytes(Value(items));
      }
      case 8: {
        v1::Value p;
        auto* g = p.mutable_geopoint();
        static const std::vector<double> lat = {0, -90, 90, 27.5, 90.0001, -91,
                                                std::numeric_limits<double>::quiet_NaN(), -0.0};
        static const std::vector<double> lon = {0, -180, 180, 109.9, 180.5, -181,
                                                std::numeric_limits<double>::infinity()};
        static const std::vector<double> acc = {0, 5, 1e6, -1, -0.0};
        g->set_latitude(lat[Pick(lat.size())]);
        g->set_longitude(lon[Pick(lon.size())]);
        g->set_accuracy_m(acc[Pick(acc.size())]);
        return p.SerializeAsString();
      }
      case 9: {
        static const std::vector<size_t> sizes = {32, 32, 32, 0, 1, 31, 33, 64};
        std::string sha(sizes[Pick(sizes.size())], '\0');
        for (char& c : sha) c = static_cast<char>(rng_());
        return Raw(0x4A, sha);
      }
      case 10: {
        // Some other kind of damage a sender could write.
        static const std::vector<std::string> pool = {
            std::string(),                        // no kind
            std::string("\x18\x80\x00", 3),        // an integer padded to two bytes
            std::string("\x28\x02", 2),            // a boolean of 2
            std::string("\x30\x80\x80\x80\x80\x10", 6),  // a date above 32 bits
            std::string("\x12\x81\x00\x41", 4),    // a text with a padded length
            std::string("\x12\x01\x41\x12\x01\x42", 6),  // text twice
            std::string("\x12\x01\x41\x18\x02", 5),      // text then integer
            std::string("\x0a\x00", 2),            // null
            std::string("\x0a\x02\x08\x01", 4),    // null with a field inside
            std::string("\x08\x01", 2),            // field 1 as a varint
            std::string("\x58\x01", 2),            // an unknown field only
            std::string("\x18\x01\x58\x01", 4),    // integer, then an unknown field
            std::string("\x12\x01\x41\x58\x01", 5),  // text, then an unknown field
            std::string("\x3a\x00\x58\x01", 4),    // empty list, then an unknown field
            std::string("\x3a\x03\x58\x01\x0a", 5),  // list truncated inside
            std::string("\x42\x00", 2),            // geopoint at 0,0
            std::string("\x52\x00", 2),            // no rows
            std::string("\xff", 1),
        };
        return pool[Pick(pool.size())];
      }
      default: {
        v1::Value p;
        auto* rows = p.mutable_rows();
        const size_t n = Pick(4);
        for (size_t r = 0; r < n; ++r) {
          auto* row = rows->add_rows();
          for (size_t c = Pick(4); c > 0; --c) {
            auto* cell = row->add_cells();
            const int k = static_cast<int>(Pick(10));
            cell->set_name(k == 0 ? "" : "c" + std::to_string(Pick(3)));  // unsorted, repeated
            if (k == 1) {
              cell->mutable_value()->mutable_rows();  // rows in a cell
            } else if (k == 2) {
              // no kind in the cell
              cell->mutable_value();
            } else {
              v1::Value inner;
              const std::string bytes = Next(false);
              if (!inner.ParseFromString(bytes)) inner.set_text("x");
              *cell->mutable_value() = inner;
            }
          }
        }
        return p.SerializeAsString();
      }
    }
  }

  std::string Mutate(std::string bytes) {
    const size_t kind = Pick(8);
    auto pos = [&] { return bytes.empty() ? 0 : Pick(bytes.size()); };
    switch (kind) {
      case 0:
        if (!bytes.empty()) bytes[pos()] ^= static_cast<char>(1u << Pick(8));
        break;
      case 1:
        if (!bytes.empty()) bytes[pos()] = static_cast<char>(rng_());
        break;
      case 2:
        if (!bytes.empty()) bytes.erase(pos(), 1);
        break;
      case 3: bytes.insert(bytes.begin() + static_cast<long>(pos()), static_cast<char>(rng_())); break;
      case 4: bytes.resize(pos()); break;
      case 5:
        for (size_t i = 1 + Pick(3); i > 0; --i) bytes.push_back(static_cast<char>(rng_()));
        break;
      case 6: bytes += Next(); break;  // two values one after another
      default:
        // A length or varint byte off by one.
        if (bytes.size() > 1) bytes[1] = static_cast<char>(bytes[1] + (Pick(2) ? 1 : -1));
        break;
    }
    return bytes;
  }

 private:
  size_t Pick(size_t n) { return static_cast<size_t>(rng_() % n); }
  std::mt19937_64 rng_;
};

// True when `bytes` are one kind's field followed only by fields v1.Value does not know
// (protobuf keeps those and writes them back).
bool TrailingUnknownFields(std::string_view bytes) {
  std::string_view rest = bytes;
  uint64_t tag = 0, n = 0;
  if (!ReadVarint(&rest, &tag)) return false;
  if ((tag & 7) == 0) {
    if (!ReadVarint(&rest, &n)) return false;
  } else if ((tag & 7) == 2) {
    std::string_view payload;
    if (!ReadLengthPrefixed(&rest, rest.size(), &payload)) return false;
  } else {
    return false;
  }
  v1::Value tail;
  return !rest.empty() && tail.ParseFromArray(rest.data(), static_cast<int>(rest.size())) &&
         tail.kind_case() == v1::Value::KIND_NOT_SET;
}

struct Disagreement {
  std::string bytes;
  bool check = false, oracle = false;
  std::string message;
};

// Runs CheckEncodedValue and the oracle over the seeded corpus and its mutations; returns
// where they differ.
std::vector<Disagreement> Compare(uint64_t seed, int values, int mutations_each,
                                  size_t* compared, size_t* accepted) {
  Corpus corpus(seed);
  std::vector<Disagreement> out;
  auto one = [&](const std::string& bytes) {
    const Status s = wire::CheckEncodedValue(bytes);
    const bool oracle = Oracle(bytes);
    ++*compared;
    if (oracle) ++*accepted;
    if (s.ok() != oracle) out.push_back({bytes, s.ok(), oracle, s.message()});
    if (!s.ok()) {
      EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << Hex(bytes);
    }
  };
  for (int i = 0; i < values; ++i) {
    const std::string bytes = corpus.Next();
    one(bytes);
    std::string mutated = bytes;
    for (int m = 0; m < mutations_each; ++m) {
      // Mostly one mutation of the original, sometimes a second on top of the last.
      mutated = corpus.Mutate(m % 4 == 3 ? mutated : bytes);
      one(mutated);
    }
  }
  return out;
}

class SilenceProtobufLogs {
 public:
  SilenceProtobufLogs() { old_ = google::protobuf::SetLogHandler(nullptr); }
  ~SilenceProtobufLogs() { google::protobuf::SetLogHandler(old_); }

 private:
  google::protobuf::LogHandler* old_;
};

TEST(CheckEncodedValue, EveryValueToProtoWritesIsAccepted) {
  for (const Value& v : SampleValues()) {
    EXPECT_TRUE(wire::CheckEncodedValue(Bytes(v)).ok()) << v.DebugString();
    EXPECT_TRUE(Oracle(Bytes(v))) << v.DebugString();
  }
}

TEST(CheckEncodedValue, InvalidUtf8TextIsRefusedLikeProtobufRefusesIt) {
  SilenceProtobufLogs quiet;
  for (const std::string& bad : {std::string("\xff"), std::string("\xed\xa0\x80"),
                                 std::string("\xc0\xaf"), std::string("\xf4\x90\x80\x80")}) {
    for (unsigned char tag : {0x12, 0x22}) {
      const std::string bytes = Raw(tag, "花" + bad);
      EXPECT_EQ(wire::CheckEncodedValue(bytes).code(), StatusCode::kInvalidArgument) << Hex(bytes);
      EXPECT_FALSE(Oracle(bytes)) << "protobuf accepted invalid UTF-8: " << Hex(bytes);
    }
  }
}

// A receiver stores bytes IsCanonicalScalar accepts as they came (the server's PushPacked):
// they must be exactly what encoding the decoded value gives, or two devices would see two
// encodings of one value. Checked on the seeded corpus and its mutations.
// The table guesses the next name from the last one; whatever the order of the names asked
// for (repeating record layouts, records with fewer or other fields, random), every name
// keeps one index and the list holds each name once.
TEST(FieldNameTable, EveryNameKeepsOneIndexWhateverTheOrderOfLookups) {
  const uint64_t seed = SeedFromEnv();
  std::mt19937_64 rng(seed);
  const std::vector<std::string> pool = {"a", "author", "b", "household_id", "income_total",
                                         "status", "student_id", "visit_date", "z"};
  wire::NameList names;
  wire::FieldNameTable table(&names);
  std::map<std::string, uint32_t> seen;
  for (int round = 0; round < 2000; ++round) {
    std::vector<std::string> layout = pool;
    const int kind = static_cast<int>(rng() % 3);
    if (kind == 1) layout.resize(1 + rng() % pool.size());  // a record with fewer fields
    if (kind == 2) std::shuffle(layout.begin(), layout.end(), rng);
    for (const std::string& name : layout) {
      const uint32_t index = table.IndexOf(name);
      auto [it, fresh] = seen.emplace(name, index);
      ASSERT_EQ(it->second, index) << "seed " << seed << ": '" << name << "' changed index";
      ASSERT_LT(index, static_cast<uint32_t>(names.size()));
      ASSERT_EQ(names.Get(static_cast<int>(index)), name) << "seed " << seed;
    }
  }
  EXPECT_EQ(static_cast<size_t>(names.size()), pool.size()) << "a name was added twice";
}

TEST(IsCanonicalScalar, AcceptedBytesReadInPlaceAsProtobufReadsThemAndEncodeBackUnchanged) {
  SilenceProtobufLogs quiet;
  const uint64_t seed = SeedFromEnv();
  Corpus corpus(seed);
  size_t canonical = 0, failures = 0;
  auto one = [&](const std::string& bytes) {
    if (!wire::IsCanonicalScalar(bytes)) return;
    ++canonical;
    auto value = wire::ValueFromBytes(bytes);
    // The in-place read gives what protobuf parsing gives.
    v1::Value parsed;
    ASSERT_TRUE(parsed.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) << Hex(bytes);
    auto by_protobuf = wire::FromProto(parsed);
    ASSERT_TRUE(by_protobuf.ok()) << Hex(bytes);
    if (!value.ok() || !(*value == *by_protobuf)) {
      ADD_FAILURE() << "seed " << seed << ": " << Hex(bytes) << " reads as "
                    << (value.ok() ? value->DebugString() : value.status().ToString())
                    << " in place but as " << by_protobuf->DebugString() << " by protobuf";
    }
    std::string again;
    if (value.ok()) {
      v1::Value proto;
      wire::ToProto(*value, &proto);
      proto.SerializeToString(&again);
    }
    if ((!value.ok() || again != bytes) && ++failures <= 15) {
      ADD_FAILURE() << "seed " << seed << ": " << Hex(bytes) << " counts as canonical but "
                    << (value.ok() ? "encodes again as " + Hex(again) : value.status().ToString());
    }
  };
  for (const Value& v : SampleValues()) one(Bytes(v));
  for (int i = 0; i < 4000; ++i) {
    const std::string bytes = corpus.Next();
    one(bytes);
    for (int m = 0; m < 12; ++m) one(corpus.Mutate(bytes));
  }
  std::printf("packed_test: %zu canonical scalars checked (seed %" PRIu64 ")\n", canonical, seed);
  EXPECT_GT(canonical, 4000u) << "the corpus hardly holds canonical scalars";
}

TEST(CheckEncodedValue, AgreesWithProtobufOnASeededCorpusAndItsMutations) {
  SilenceProtobufLogs quiet;
  const uint64_t seed = SeedFromEnv();
  size_t compared = 0, accepted = 0;
  auto differ = Compare(seed, 4000, 12, &compared, &accepted);
  // The most telling first: disagreements other than trailing unknown fields.
  std::stable_partition(differ.begin(), differ.end(),
                        [](const Disagreement& d) { return !TrailingUnknownFields(d.bytes); });
  size_t trailing = 0;
  for (const Disagreement& d : differ) trailing += TrailingUnknownFields(d.bytes) ? 1 : 0;
  std::printf("packed_test: %zu inputs compared, %zu canonical, %zu disagreements (%zu of them a "
              "value followed by unknown fields) (seed %" PRIu64 ")\n",
              compared, accepted, differ.size(), trailing, seed);
  EXPECT_GT(accepted, compared / 10) << "the corpus hardly holds valid values";
  EXPECT_GT(compared - accepted, compared / 10) << "the corpus hardly holds invalid values";
  size_t shown = 0;
  for (const Disagreement& d : differ) {
    if (++shown > 15) break;
    ADD_FAILURE() << "seed " << seed << ": CheckEncodedValue " << (d.check ? "accepts" : "refuses")
                  << " but protobuf parse+FromProto+reserialize " << (d.oracle ? "accepts" : "refuses")
                  << ": " << Hex(d.bytes) << (d.check ? "" : " (" + d.message + ")")
                  << (TrailingUnknownFields(d.bytes) ? " [a value followed by unknown fields]" : "");
  }
}

// The same unknown field after a scalar kind and after a list: protobuf (and so FromProto on
// a Field message) reads both, and writes both back as they came. CheckEncodedValue should
// judge them alike; it refuses the scalar's and accepts the list's, so a packed pull refuses
// a batch that the same batch unpacked applies.
TEST(CheckEncodedValue, AKindFollowedByAnUnknownFieldIsJudgedAsProtobufJudgesIt) {
  const std::string unknown("\x58\x01", 2);  // field 11, varint 1
  for (const Value& v : {Value("花山村"), Value(int64_t{1}), Value(true), Value(Date{3}),
                         Value(Decimal{"1.5"}), Value(BlobRef{std::string(32, 'b')}), Value(),
                         Value(StringList{"a"}), Value(GeoPoint{1, 2, 3}), Value(Rows{})}) {
    const std::string bytes = Bytes(v) + unknown;
    ASSERT_TRUE(Oracle(bytes)) << Hex(bytes);
    EXPECT_EQ(wire::CheckEncodedValue(bytes).ok(), Oracle(bytes))
        << v.DebugString() << " + an unknown field: " << Hex(bytes) << " ("
        << wire::CheckEncodedValue(bytes).ToString() << ")";
  }
}

// ---- zstd bodies ----

v1::ChangeBatch SampleBatch(int records) {
  v1::ChangeBatch batch;
  wire::FieldNameTable names(batch.mutable_field_names());
  for (int r = 0; r < records; ++r) {
    auto* record = batch.add_records();
    record->set_id(std::string(16, static_cast<char>(r)));
    record->set_type("visit");
    record->set_scope("qx/hs/a");
    wire::ToProto(Stamp{1000u + r, 3}, record->mutable_stamp());
    for (int f = 0; f < 30; ++f) {
      wire::AppendPackedField(record->mutable_packed_fields(), names.IndexOf("q" + std::to_string(f)),
                              Bytes(Value("回答 " + std::to_string(r * f))), Stamp{1000u + r, 3},
                              Stamp{1000u + r, 3});
    }
  }
  batch.set_cursor(99);
  return batch;
}

TEST(ZstdFrame, RoundTripsAMessage) {
  const v1::ChangeBatch batch = SampleBatch(50);
  const std::string frame = wire::CompressMessage(batch);
  EXPECT_LT(frame.size(), batch.ByteSizeLong() / 2) << "repetitive records compress";
  v1::ChangeBatch back;
  ASSERT_TRUE(wire::DecompressMessage(frame, batch.ByteSizeLong(), &back).ok());
  EXPECT_EQ(back.SerializeAsString(), batch.SerializeAsString());
  // An empty message is a valid frame too.
  v1::ChangeBatch empty;
  v1::ChangeBatch empty_back;
  const std::string empty_frame = wire::CompressMessage(empty);
  EXPECT_FALSE(empty_frame.empty());
  EXPECT_TRUE(wire::DecompressMessage(empty_frame, 0, &empty_back).ok());
}

TEST(ZstdFrame, AFrameStatingMoreThanTheLimitIsResourceExhausted) {
  const v1::ChangeBatch batch = SampleBatch(20);
  const size_t size = batch.ByteSizeLong();
  const std::string frame = wire::CompressMessage(batch);
  v1::ChangeBatch back;
  EXPECT_TRUE(wire::DecompressMessage(frame, size, &back).ok()) << "exactly the limit is fine";
  Status s = wire::DecompressMessage(frame, size - 1, &back);
  EXPECT_EQ(s.code(), StatusCode::kResourceExhausted) << s.ToString();

  // A small frame that would expand to 1 GiB is refused without expanding it.
  v1::PushRequest bomb;
  bomb.mutable_writes()->Add()->set_packed_fields(std::string(64u << 20, '\0'));
  const std::string bomb_frame = wire::CompressMessage(bomb);
  EXPECT_LT(bomb_frame.size(), 64u << 10);
  v1::PushRequest out;
  EXPECT_EQ(wire::DecompressMessage(bomb_frame, 4u << 20, &out).code(),
            StatusCode::kResourceExhausted);
}

TEST(ZstdFrame, TruncatedOrDamagedFramesAreInvalidArgument) {
  const v1::ChangeBatch batch = SampleBatch(10);
  const std::string frame = wire::CompressMessage(batch);
  const size_t max = 1u << 20;
  v1::ChangeBatch out;
  EXPECT_EQ(wire::DecompressMessage("", max, &out).code(), StatusCode::kInvalidArgument);
  for (size_t n = 1; n < frame.size(); ++n) {
    Status s = wire::DecompressMessage(std::string_view(frame).substr(0, n), max, &out);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << "truncated to " << n << " of " << frame.size();
  }
  // Not a zstd frame at all (the magic number damaged), or not one at all.
  std::string bad_magic = frame;
  bad_magic[0] ^= 0x01;
  EXPECT_EQ(wire::DecompressMessage(bad_magic, max, &out).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(wire::DecompressMessage(batch.SerializeAsString(), max, &out).code(),
            StatusCode::kInvalidArgument);
  // Another frame or bytes after the frame.
  EXPECT_EQ(wire::DecompressMessage(frame + frame, max, &out).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(wire::DecompressMessage(frame + "junk", max, &out).code(), StatusCode::kInvalidArgument);

  // A frame that decompresses but does not hold a message.
  const std::string junk = "\xff\xff\xff\xff";
  std::string junk_frame(ZSTD_compressBound(junk.size()), '\0');
  junk_frame.resize(ZSTD_compress(junk_frame.data(), junk_frame.size(), junk.data(), junk.size(), 1));
  EXPECT_EQ(wire::DecompressMessage(junk_frame, max, &out).code(), StatusCode::kInvalidArgument);

  // A frame that does not state its size (streamed without a pledged size).
  const std::string plain = batch.SerializeAsString();
  ZSTD_CCtx* cctx = ZSTD_createCCtx();
  std::string streamed(ZSTD_compressBound(plain.size()) + 64, '\0');
  ZSTD_outBuffer output{streamed.data(), streamed.size(), 0};
  ZSTD_inBuffer input{plain.data(), plain.size(), 0};
  ASSERT_FALSE(ZSTD_isError(ZSTD_compressStream2(cctx, &output, &input, ZSTD_e_continue)));
  size_t left = 0;
  do {
    left = ZSTD_compressStream2(cctx, &output, &input, ZSTD_e_end);
    ASSERT_FALSE(ZSTD_isError(left));
  } while (left != 0);
  ZSTD_freeCCtx(cctx);
  streamed.resize(output.pos);
  ASSERT_EQ(ZSTD_getFrameContentSize(streamed.data(), streamed.size()), ZSTD_CONTENTSIZE_UNKNOWN);
  Status s = wire::DecompressMessage(streamed, max, &out);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << s.ToString();
}

TEST(ZstdFrame, ADamagedFrameIsRefusedOrDecodesButNeverCrashes) {
  // The frames carry no content checksum (the transport protects the bytes), so not every
  // flipped bit can be noticed; but every damaged frame is either refused as InvalidArgument
  // (or ResourceExhausted, when the damage is in its stated size) or decodes to some message.
  SilenceProtobufLogs quiet;
  const v1::ChangeBatch batch = SampleBatch(10);
  const std::string frame = wire::CompressMessage(batch);
  std::mt19937_64 rng(SeedFromEnv());
  int refused = 0, unnoticed = 0;
  for (int i = 0; i < 2000; ++i) {
    std::string damaged = frame;
    damaged[rng() % damaged.size()] ^= static_cast<char>(1u << (rng() % 8));
    v1::ChangeBatch out;
    Status s = wire::DecompressMessage(damaged, 1u << 20, &out);
    if (!s.ok()) {
      ++refused;
      EXPECT_TRUE(s.code() == StatusCode::kInvalidArgument ||
                  s.code() == StatusCode::kResourceExhausted)
          << s.ToString();
    } else if (out.SerializeAsString() != batch.SerializeAsString()) {
      ++unnoticed;
    }
  }
  std::printf("packed_test: of 2000 one-bit damages to a zstd frame %d were refused, %d decoded "
              "to another message\n", refused, unnoticed);
  EXPECT_GT(refused, 0);
}

// The header promises InvalidArgument for a damaged frame, and the transport's gzip that zstd
// replaces carried a CRC-32: a bit flipped in the compressed data should be noticed rather
// than delivered as other values under the same stamps (which the stamp checksums cannot
// see). Frames are written without zstd's content checksum, so it is not.
TEST(ZstdFrame, ABitFlippedInsideTheCompressedDataIsNoticed) {
  v1::PushRequest request;
  std::mt19937_64 rng(7);
  std::string bytes(1000, '\0');
  for (char& c : bytes) c = static_cast<char>(rng());  // incompressible: kept as a raw block
  request.add_writes()->set_packed_fields(bytes);
  std::string frame = wire::CompressMessage(request);
  frame[frame.size() - 100] ^= 0x10;
  v1::PushRequest out;
  Status s = wire::DecompressMessage(frame, 1u << 20, &out);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument)
      << "a damaged frame decoded; the message differs from the one sent: "
      << (out.SerializeAsString() != request.SerializeAsString());
}

}  // namespace
}  // namespace homevisit
