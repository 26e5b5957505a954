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

}  // namespace
}  // namespace homevisit::cli
