#include "core/checksum.h"

#include <gtest/gtest.h>

namespace homevisit {
namespace {

TEST(Checksum, FnvMatchesPublishedVectors) {
  EXPECT_EQ(Fnv1a64(""), 0xCBF29CE484222325ull);
  EXPECT_EQ(Fnv1a64("a"), 0xAF63DC4C8601EC8Cull);
  EXPECT_EQ(Fnv1a64("foobar"), 0x85944171F73967E8ull);
}

TEST(Checksum, SumIsOrderIndependentAndIncremental) {
  Uuid a = Uuid::V7(1, 1, 1), b = Uuid::V7(2, 2, 2);
  uint64_t h1 = FieldHash(a, "name", {10, 1});
  uint64_t h2 = FieldHash(b, "name", {11, 2});
  uint64_t h3 = FieldHash(a, "age", {12, 1});
  ScopeChecksum x, y;
  x.Add(h1); x.Add(h2); x.Add(h3);
  y.Add(h3); y.Add(h1); y.Add(h2);
  EXPECT_EQ(x, y);
  // Replacing a field's stamp: remove the old hash, add the new one.
  uint64_t h1b = FieldHash(a, "name", {13, 2});
  x.Remove(h1); x.Add(h1b);
  ScopeChecksum z;
  z.Add(h2); z.Add(h3); z.Add(h1b);
  EXPECT_EQ(x, z);
  EXPECT_NE(x, y);
}

TEST(Checksum, FieldHashDependsOnEveryPart) {
  Uuid a = Uuid::V7(1, 1, 1), b = Uuid::V7(1, 1, 2);
  uint64_t base = FieldHash(a, "f", {1, 1});
  EXPECT_NE(base, FieldHash(b, "f", {1, 1}));
  EXPECT_NE(base, FieldHash(a, "g", {1, 1}));
  EXPECT_NE(base, FieldHash(a, "f", {2, 1}));
  EXPECT_NE(base, FieldHash(a, "f", {1, 2}));
}

}  // namespace
}  // namespace homevisit
