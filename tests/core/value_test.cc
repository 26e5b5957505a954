#include "core/value.h"

#include <gtest/gtest.h>

namespace homevisit {
namespace {

TEST(Value, DefaultIsExplicitNull) {
  Value v;
  EXPECT_TRUE(v.is_null());
  EXPECT_EQ(v.type(), ValueType::kNull);
}

TEST(Value, TextAndDecimalOfSameDigitsDiffer) {
  EXPECT_NE(Value("12.50"), Value(Decimal{"12.50"}));
  EXPECT_EQ(Value(Decimal{"12.50"}), Value(Decimal{"12.50"}));
  EXPECT_NE(Value(int64_t{1}), Value(true));
}

TEST(Value, RowCellsStaySortedAndComparable) {
  Row a, b;
  a.Set("name", "李梅").Set("age", 12);
  b.Set("age", 12).Set("name", "李梅");
  EXPECT_EQ(a, b);
  ASSERT_EQ(a.cells.size(), 2u);
  EXPECT_EQ(a.cells[0].name, "age");
  ASSERT_NE(a.Find("name"), nullptr);
  EXPECT_EQ(*a.Find("name"), Value("李梅"));
  EXPECT_EQ(a.Find("income"), nullptr);
  a.Set("age", 13);
  EXPECT_NE(a, b);
  EXPECT_EQ(Value(Rows{{a}}).type(), ValueType::kRows);
}

TEST(Date, CivilRoundTripAcrossLeapYears) {
  EXPECT_EQ(DaysFromCivil(1970, 1, 1), 0);
  EXPECT_EQ(DaysFromCivil(2000, 3, 1), 11017);
  for (int32_t d = -800000; d < 800000; d += 97) {
    int y;
    unsigned m, day;
    CivilFromDays(d, &y, &m, &day);
    ASSERT_EQ(DaysFromCivil(y, m, day), d);
  }
}

TEST(Date, ParseAndFormat) {
  Date d;
  ASSERT_TRUE(ParseDate("2026-11-28", &d));
  EXPECT_EQ(FormatDate(d), "2026-11-28");
  EXPECT_TRUE(ParseDate("2024-02-29", &d));
  EXPECT_FALSE(ParseDate("2026-02-29", &d));
  EXPECT_FALSE(ParseDate("2026-13-01", &d));
  EXPECT_FALSE(ParseDate("2026-1-1", &d));
  EXPECT_FALSE(ParseDate("2026-11-28x", &d));
}

TEST(Value, DebugStringNamesTypes) {
  EXPECT_EQ(Value().DebugString(), "null");
  EXPECT_EQ(Value(StringList{"a", "b"}).DebugString(), "[a,b]");
  EXPECT_EQ(Value(Date{0}).DebugString(), "1970-01-01");
  EXPECT_STREQ(ValueTypeName(ValueType::kGeoPoint), "geopoint");
}

}  // namespace
}  // namespace homevisit
