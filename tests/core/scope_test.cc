#include "core/scope.h"

#include <gtest/gtest.h>

#include <string>

namespace homevisit {
namespace {

TEST(Scope, CoversItselfAndDescendantsOnly) {
  EXPECT_TRUE(ScopeCovers("qx", "qx"));
  EXPECT_TRUE(ScopeCovers("qx", "qx/hs/s1"));
  EXPECT_TRUE(ScopeCovers("qx/hs", "qx/hs/s1"));
  EXPECT_FALSE(ScopeCovers("qx/hs/s1", "qx/hs/s10"));
  EXPECT_FALSE(ScopeCovers("qx/hs/s1", "qx/hs"));
  EXPECT_FALSE(ScopeCovers("", "qx"));
  EXPECT_TRUE(AnyScopeCovers({"a/b", "c"}, "c/d/e"));
  EXPECT_FALSE(AnyScopeCovers({"a/b"}, "a/c"));
}

TEST(Scope, ValidatesPaths) {
  EXPECT_TRUE(IsValidScopePath("青溪县"));
  EXPECT_TRUE(IsValidScopePath("青溪县/花山镇/花山中心小学"));
  EXPECT_FALSE(IsValidScopePath(""));
  EXPECT_FALSE(IsValidScopePath("/a"));
  EXPECT_FALSE(IsValidScopePath("a/"));
  EXPECT_FALSE(IsValidScopePath("a//b"));
  EXPECT_FALSE(IsValidScopePath("a/b/c/d"));
  EXPECT_FALSE(IsValidScopePath("a\n"));
  EXPECT_EQ(ScopeDepth("a/b/c"), 3);
}

TEST(Scope, GlobalScopeIsAValidPathThatNoSchoolOrCountyCovers) {
  EXPECT_TRUE(IsValidScopePath(kGlobalScope)) << "devices check pulled scopes with this";
  EXPECT_TRUE(IsGlobalScope(kGlobalScope));
  EXPECT_TRUE(IsGlobalScope(std::string(kGlobalScope) + "/x"));
  EXPECT_FALSE(IsGlobalScope("青溪县"));
  EXPECT_FALSE(IsGlobalScope(std::string(kGlobalScope) + "x"));
  EXPECT_FALSE(AnyScopeCovers({"青溪县", "青溪县/花山镇"}, kGlobalScope));
}

}  // namespace
}  // namespace homevisit
