#include "core/hlc.h"

#include <gtest/gtest.h>

namespace homevisit {
namespace {

constexpr int64_t kT0 = 1'790'000'000'000;  // a fixed wall time in 2026, ms

struct FakeWall {
  int64_t ms = kT0;
  HybridClock::WallClock fn() { return [this] { return ms; }; }
};

TEST(HybridClock, FollowsWallClockWhenItMovesForward) {
  FakeWall wall;
  HybridClock clock(7, wall.fn());
  Stamp a = clock.Now();
  EXPECT_EQ(a.physical_ms(), static_cast<uint64_t>(kT0));
  EXPECT_EQ(a.counter(), 0);
  EXPECT_EQ(a.node, 7u);
  wall.ms += 10;
  Stamp b = clock.Now();
  EXPECT_EQ(b.physical_ms(), static_cast<uint64_t>(kT0 + 10));
  EXPECT_EQ(b.counter(), 0);
}

TEST(HybridClock, IsStrictlyMonotonicWithinOneMillisecond) {
  FakeWall wall;
  HybridClock clock(1, wall.fn());
  Stamp prev = clock.Now();
  for (int i = 0; i < 1000; ++i) {
    Stamp next = clock.Now();
    ASSERT_LT(prev, next) << "at step " << i;
    prev = next;
  }
  EXPECT_EQ(prev.physical_ms(), static_cast<uint64_t>(kT0));
  EXPECT_EQ(prev.counter(), 1000);
}

TEST(HybridClock, StaysMonotonicWhenWallClockJumpsBackwards) {
  FakeWall wall;
  HybridClock clock(1, wall.fn());
  Stamp before = clock.Now();
  wall.ms -= 3'600'000;  // the phone's clock was corrected by an hour
  Stamp after = clock.Now();
  EXPECT_GT(after, before);
  EXPECT_EQ(after.physical_ms(), before.physical_ms());
  wall.ms = kT0 + 5;  // once wall time passes the last stamp, it is followed again
  Stamp later = clock.Now();
  EXPECT_EQ(later.physical_ms(), static_cast<uint64_t>(kT0 + 5));
  EXPECT_EQ(later.counter(), 0);
}

TEST(HybridClock, CounterOverflowCarriesIntoMilliseconds) {
  FakeWall wall;
  HybridClock clock(1, wall.fn());
  Stamp prev = clock.Now();
  for (int i = 0; i < 70'000; ++i) {
    Stamp next = clock.Now();
    ASSERT_LT(prev, next);
    prev = next;
  }
  EXPECT_EQ(prev.physical_ms(), static_cast<uint64_t>(kT0 + 1));
}

TEST(HybridClock, ObserveMakesLaterStampsGreaterThanReceived) {
  FakeWall wall;
  HybridClock clock(1, wall.fn());
  const uint64_t remote = Stamp::Pack(kT0 + 2000, 5);  // 2 s ahead: within drift
  ASSERT_TRUE(clock.Observe(remote).ok());
  Stamp next = clock.Now();
  EXPECT_GT(next.hlc, remote);
  EXPECT_EQ(next.physical_ms(), static_cast<uint64_t>(kT0 + 2000));
  EXPECT_EQ(next.counter(), 6);
}

TEST(HybridClock, ObserveOfAnOlderStampChangesNothing) {
  FakeWall wall;
  HybridClock clock(1, wall.fn());
  Stamp a = clock.Now();
  ASSERT_TRUE(clock.Observe(Stamp::Pack(kT0 - 100000, 0)).ok());
  EXPECT_EQ(clock.last(), a.hlc);
}

TEST(HybridClock, RefusesStampTooFarAheadAndStaysUnchanged) {
  FakeWall wall;
  HybridClock clock(1, wall.fn(), /*max_drift_ms=*/60'000);
  Stamp a = clock.Now();
  Status s = clock.Observe(Stamp::Pack(kT0 + 365LL * 24 * 3600 * 1000, 0));  // a year ahead
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(s.message().find("ahead"), std::string::npos) << s.message();
  EXPECT_EQ(clock.last(), a.hlc);
  Stamp b = clock.Now();
  EXPECT_LT(b.physical_ms(), static_cast<uint64_t>(kT0 + 1000));
}

TEST(HybridClock, AcceptsStampExactlyAtDriftLimit) {
  FakeWall wall;
  HybridClock clock(1, wall.fn(), 60'000);
  EXPECT_TRUE(clock.Observe(Stamp::Pack(kT0 + 60'000, 0)).ok());
  EXPECT_FALSE(clock.Observe(Stamp::Pack(kT0 + 60'001, 0)).ok());
}

TEST(HybridClock, RestoreNeverReissuesAStamp) {
  FakeWall wall;
  HybridClock first(1, wall.fn());
  Stamp a = first.Now();
  a = first.Now();
  HybridClock restarted(1, wall.fn());
  restarted.Restore(first.last());
  EXPECT_GT(restarted.Now(), a);
}

TEST(Stamp, OrdersByHlcThenNode) {
  EXPECT_LT((Stamp{5, 9}), (Stamp{6, 1}));
  EXPECT_LT((Stamp{5, 1}), (Stamp{5, 2}));
  EXPECT_EQ((Stamp{5, 1}), (Stamp{5, 1}));
  EXPECT_EQ((Stamp{Stamp::Pack(1000, 3), 4}).ToString(), "1000.3@4");
}

TEST(HybridClock, TwoNodesExchangingStampsKeepCausality) {
  FakeWall wall_a, wall_b;
  wall_b.ms = kT0 - 30'000;  // b's clock is 30 s slow
  HybridClock a(1, wall_a.fn()), b(2, wall_b.fn());
  Stamp sa = a.Now();
  ASSERT_TRUE(b.Observe(sa.hlc).ok());
  Stamp sb = b.Now();  // b's write after seeing a's must order after it
  EXPECT_GT(sb, sa);
  ASSERT_TRUE(a.Observe(sb.hlc).ok());
  EXPECT_GT(a.Now(), sb);
}

}  // namespace
}  // namespace homevisit
