#include "core/checksum.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <random>
#include <string>

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


// FieldHash is part of the protocol: it must stay FNV-1a over exactly the bytes its comment
// names, however it is computed. The reference builds those bytes one by one.
uint64_t FieldHashOfSpelledOutBytes(const Uuid& id, const std::string& name, const Stamp& s) {
  std::string bytes(id.AsBytes());
  bytes += name;
  bytes += '\0';
  for (int i = 0; i < 8; ++i) bytes += static_cast<char>(s.hlc >> (8 * i));
  for (int i = 0; i < 4; ++i) bytes += static_cast<char>(s.node >> (8 * i));
  return Fnv1a64(bytes);
}

TEST(Checksum, FieldHashAndTheRecordHasherHashTheDocumentedBytes) {
  const uint64_t seed = std::random_device{}();
  std::printf("seed %llu\n", static_cast<unsigned long long>(seed));
  std::mt19937_64 rng(seed);
  for (int i = 0; i < 2000; ++i) {
    const Uuid id = Uuid::V7(rng() >> 20, rng(), rng());
    const RecordFieldHasher hasher(id);
    for (int j = 0; j < 5; ++j) {
      std::string name(rng() % 40, 'x');
      for (char& c : name) c = static_cast<char>('a' + rng() % 26);
      const Stamp stamp{rng(), static_cast<uint32_t>(rng())};
      const uint64_t want = FieldHashOfSpelledOutBytes(id, name, stamp);
      ASSERT_EQ(FieldHash(id, name, stamp), want) << "seed " << seed;
      ASSERT_EQ(hasher(name, stamp), want) << "seed " << seed;
    }
  }
}

}  // namespace
}  // namespace homevisit
