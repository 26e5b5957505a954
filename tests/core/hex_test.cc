// Hex text of tokens and digests: every byte round-trips; anything but pairs of hex digits is
// refused.
#include <gtest/gtest.h>

#include "core/hex.h"

namespace homevisit {
namespace {

TEST(Hex, EveryByteRoundTripsThroughLowerCaseText) {
  std::string all;
  for (int b = 0; b < 256; ++b) all.push_back(static_cast<char>(b));
  const std::string text = ToHex(all);
  EXPECT_EQ(text.size(), 512u);
  EXPECT_EQ(text.substr(0, 6), "000102");
  EXPECT_EQ(text.substr(text.size() - 4), "feff");
  std::string back;
  ASSERT_TRUE(FromHex(text, &back));
  EXPECT_EQ(back, all);
  ASSERT_TRUE(FromHex("ABcd", &back));
  EXPECT_EQ(back, "\xab\xcd");
}

TEST(Hex, OddLengthsAndNonDigitsAreRefused) {
  std::string out;
  for (const char* bad : {"a", "abc", "0g", "zz", " 0", "0x12"}) {
    EXPECT_FALSE(FromHex(bad, &out)) << bad;
  }
  EXPECT_TRUE(FromHex("", &out));
  EXPECT_EQ(out, "");
}

}  // namespace
}  // namespace homevisit
