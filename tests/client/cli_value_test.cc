// Values typed on the device CLI: every kind parses and prints back the same; bad input is
// refused with a hint.
#include <gtest/gtest.h>

#include "app/cli/value_text.h"

namespace homevisit::cli {
namespace {

TEST(CliValueText, EveryKindParsesAndPrintsBackTheSame) {
  const std::vector<std::pair<std::string, Value>> cases = {
      {"花山村", Value("花山村")},
      {"int:-3", Value(int64_t{-3})},
      {"dec:8000.50", Value(Decimal{"8000.50"})},
      {"bool:true", Value(true)},
      {"date:2026-03-01", Value(Date{DaysFromCivil(2026, 3, 1)})},
      {"list:dibao,orphan", Value(StringList{"dibao", "orphan"})},
      {"null", Value()},
  };
  for (const auto& [text, value] : cases) {
    auto parsed = ParseValueText(text);
    ASSERT_TRUE(parsed.ok()) << text << ": " << parsed.status().ToString();
    EXPECT_EQ(*parsed, value) << text;
    EXPECT_EQ(FormatValue(*parsed), text);
  }
  EXPECT_EQ(*ParseValueText("text:int:3"), Value("int:3"));
  EXPECT_EQ(*ParseValueText("geo:27.5,109.9"), Value(GeoPoint{27.5, 109.9, 0}));
}

TEST(CliValueText, MalformedTypedValuesAreRefusedWithAHint) {
  for (const char* bad : {"int:3x", "int:", "dec:1e5", "dec:.5", "bool:yes", "date:2026-13-01",
                          "geo:91,0", "geo:1"}) {
    auto parsed = ParseValueText(bad);
    EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_NE(parsed.status().message().find("e.g."), std::string::npos) << bad;
  }
}

TEST(CliValueText, RowsOfARepeatGroupParseCellByCell) {
  auto parsed = ParseValueText(
      R"(rows:[{"member_name":"王建国","age":"int:42","annual_income":"dec:30000"},)"
      R"({"member_name":"王小雨","age":"int:11"}])");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  Rows want;
  want.rows.push_back(Row().Set("member_name", "王建国").Set("age", int64_t{42})
                          .Set("annual_income", Decimal{"30000"}));
  want.rows.push_back(Row().Set("member_name", "王小雨").Set("age", int64_t{11}));
  EXPECT_EQ(*parsed, Value(want));
  EXPECT_EQ(FormatValue(*parsed), "(2 rows)");
}

TEST(CliValueText, MalformedRowsAreRefusedNamingTheRowAndCell) {
  for (const char* bad : {"rows:", "rows:{}", "rows:[1]", R"(rows:[{"age":42}])",
                          R"(rows:[{"a":"rows:[]"}])", R"(rows:[{"x":)"}) {
    EXPECT_EQ(ParseValueText(bad).status().code(), StatusCode::kInvalidArgument) << bad;
  }
  auto cell = ParseValueText(R"(rows:[{"age":"int:1"},{"age":"int:x"}])");
  EXPECT_NE(cell.status().message().find("row 2, 'age'"), std::string::npos)
      << cell.status().message();
}

}  // namespace
}  // namespace homevisit::cli
