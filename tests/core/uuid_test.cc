#include "core/uuid.h"

#include <gtest/gtest.h>

#include <set>

namespace homevisit {
namespace {

TEST(Uuid, V7HasVersionVariantAndTime) {
  Uuid u = Uuid::V7(1'790'000'000'123, 0xABC, 0x123456789ABCDEF0ull);
  EXPECT_EQ(u.version(), 7);
  EXPECT_EQ(u.bytes[8] & 0xC0, 0x80) << "RFC 9562 variant bits";
  EXPECT_EQ(u.unix_ms(), 1'790'000'000'123);
}

TEST(Uuid, TextRoundTrip) {
  Uuid u = Uuid::V7(1'790'000'000'123, 0x5A5, 0xFEDCBA9876543210ull);
  std::string text = u.ToString();
  ASSERT_EQ(text.size(), 36u);
  EXPECT_EQ(text[14], '7');
  auto parsed = Uuid::Parse(text);
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(*parsed, u);
}

TEST(Uuid, ParseRejectsMalformedText) {
  EXPECT_FALSE(Uuid::Parse("").has_value());
  EXPECT_FALSE(Uuid::Parse("0190f0c2-7b1a-7000-8000-00000000000").has_value());
  EXPECT_FALSE(Uuid::Parse("0190f0c2x7b1a-7000-8000-000000000000").has_value());
  EXPECT_FALSE(Uuid::Parse("0190f0c2-7b1a-7000-8000-00000000000g").has_value());
  EXPECT_FALSE(Uuid::FromBytes("short").has_value());
}

TEST(UuidGenerator, IdsAreUniqueAndIncreaseWithinOneMillisecond) {
  UuidGenerator gen(42);
  std::set<Uuid> seen;
  Uuid prev = gen.Next(1000);
  seen.insert(prev);
  for (int i = 0; i < 10'000; ++i) {
    Uuid next = gen.Next(1000);  // the same millisecond every time
    ASSERT_LT(prev, next) << "at " << i;
    ASSERT_TRUE(seen.insert(next).second);
    prev = next;
  }
}

TEST(UuidGenerator, TwoDevicesDoNotCollide) {
  UuidGenerator a(1), b(2);
  std::set<Uuid> seen;
  for (int i = 0; i < 5000; ++i) {
    ASSERT_TRUE(seen.insert(a.Next(2000 + i / 100)).second);
    ASSERT_TRUE(seen.insert(b.Next(2000 + i / 100)).second);
  }
}

TEST(Uuid, DerivedIsStableAndDistinct) {
  EXPECT_EQ(Uuid::Derived("conflict/x"), Uuid::Derived("conflict/x"));
  EXPECT_NE(Uuid::Derived("conflict/x"), Uuid::Derived("conflict/y"));
  EXPECT_EQ(Uuid::Derived("a").version(), 8);
}

}  // namespace
}  // namespace homevisit
