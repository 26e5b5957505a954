#include "wire.h"

#include <gtest/gtest.h>

namespace homevisit {
namespace {

TEST(Wire, EveryValueTypeRoundTrips) {
  Row member;
  member.Set("name", "王芳").Set("age", 41).Set("income", Decimal{"8000.50"});
  const std::vector<Value> values = {
      Value(), Value("花山村"), Value(int64_t{-42}), Value(Decimal{"12.30"}), Value(true),
      Value(Date{20000}), Value(StringList{"dibao", "disabled"}),
      Value(GeoPoint{27.5, 109.9, 12}), Value(BlobRef{std::string(32, '\x7f')}),
      Value(Rows{{member, Row{}}})};
  for (const Value& v : values) {
    v1::Value p;
    wire::ToProto(v, &p);
    std::string bytes = p.SerializeAsString();
    v1::Value back;
    ASSERT_TRUE(back.ParseFromString(bytes));
    auto r = wire::FromProto(back);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(*r, v) << v.DebugString();
  }
}

TEST(Wire, MalformedValuesAreRefusedWithAReason) {
  v1::Value empty;
  EXPECT_EQ(wire::FromProto(empty).status().code(), StatusCode::kInvalidArgument);
  v1::Value blob;
  blob.set_blob_sha256("short");
  EXPECT_NE(wire::FromProto(blob).status().message().find("32 bytes"), std::string::npos);
  v1::Value geo;
  geo.mutable_geopoint()->set_latitude(91);
  EXPECT_FALSE(wire::FromProto(geo).ok());
  v1::Value nested;
  auto* cell = nested.mutable_rows()->add_rows()->add_cells();
  cell->set_name("x");
  cell->mutable_value()->mutable_rows();
  EXPECT_FALSE(wire::FromProto(nested).ok());
}

TEST(Wire, RecordRoundTripsAndBadIdIsRefused) {
  Record r;
  r.id = Uuid::V7(1'790'000'000'000, 1, 2);
  r.type = "student";
  r.scope = "qx/hs/s1";
  r.fields["name"] = {Value("李小龙"), Stamp{99, 3}};
  v1::Record p;
  wire::ToProto(r, &p);
  auto back = wire::FromProto(p);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, r);
  p.set_id("123");
  EXPECT_FALSE(wire::FromProto(p).ok());
}

}  // namespace
}  // namespace homevisit
