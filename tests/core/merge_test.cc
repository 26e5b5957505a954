#include "core/merge.h"

#include <gtest/gtest.h>

#include <set>

namespace homevisit {
namespace {

Stamp S(uint64_t ms, uint32_t node) { return Stamp{Stamp::Pack(ms, 0), node}; }

FieldWrite W(const std::string& name, Value v, Stamp stamp, std::optional<Stamp> base) {
  return FieldWrite{name, std::move(v), stamp, base};
}

// A record plus the set of (field, stamp) it has recorded, as a server keeps it.
struct Replica {
  Record record;
  std::set<std::pair<std::string, Stamp>> recorded;
  std::vector<Record> conflicts;

  MergeDecision Apply(const FieldWrite& w) {
    MergeDecision d = ApplyFieldWrite(record, w, [&](const std::string& f, const Stamp& s) {
      return recorded.count({f, s}) > 0;
    });
    recorded.insert({w.name, w.stamp});
    if (d.has_conflict()) {
      conflicts.push_back(MakeConflictRecord(record, w.name, *d.winner, *d.loser, S(999, 0)));
    }
    return d;
  }
};

Replica NewReplica() {
  Replica r;
  r.record.id = Uuid::V7(1, 2, 3);
  r.record.type = "household";
  r.record.scope = "qx/hs/s1";
  return r;
}

TEST(Merge, FirstWriteOfAFieldFastForwards) {
  Replica r = NewReplica();
  auto d = r.Apply(W("village", "花山村", S(100, 1), std::nullopt));
  EXPECT_EQ(d.kind, MergeKind::kFastForward);
  EXPECT_EQ(r.record.Find("village")->value, Value("花山村"));
  EXPECT_TRUE(r.conflicts.empty());
}

TEST(Merge, WriteBasedOnCurrentFastForwardsEvenWithSmallerStamp) {
  Replica r = NewReplica();
  r.Apply(W("village", "花山村", S(100, 1), std::nullopt));
  // A writer who saw the current value replaces it: its intent is clear, no conflict.
  auto d = r.Apply(W("village", "石门村", S(200, 2), S(100, 1)));
  EXPECT_EQ(d.kind, MergeKind::kFastForward);
  EXPECT_EQ(r.record.Find("village")->value, Value("石门村"));
  EXPECT_TRUE(r.conflicts.empty());
}

TEST(Merge, ConcurrentWritesGreaterStampWinsAndLoserIsKept) {
  Replica r = NewReplica();
  r.Apply(W("income", Decimal{"12000"}, S(100, 1), std::nullopt));
  // Two teachers edit offline, both having seen the value at stamp 100@1.
  r.Apply(W("income", Decimal{"9000"}, S(300, 2), S(100, 1)));
  auto d = r.Apply(W("income", Decimal{"15000"}, S(200, 3), S(100, 1)));
  EXPECT_EQ(d.kind, MergeKind::kConcurrentLost);
  EXPECT_EQ(r.record.Find("income")->value, Value(Decimal{"9000"}));
  ASSERT_EQ(r.conflicts.size(), 1u);
  const Record& c = r.conflicts[0];
  EXPECT_EQ(c.type, "conflict");
  EXPECT_EQ(c.scope, "qx/hs/s1");
  EXPECT_EQ(c.Find("loser")->value, Value(Decimal{"15000"}));
  EXPECT_EQ(c.Find("winner")->value, Value(Decimal{"9000"}));
  EXPECT_EQ(c.Find("field")->value, Value("income"));
  EXPECT_EQ(c.Find("record_id")->value, Value(r.record.id.ToString()));
}

TEST(Merge, ConcurrentWriteWithGreaterStampArrivingLaterWins) {
  Replica r = NewReplica();
  r.Apply(W("income", Decimal{"12000"}, S(100, 1), std::nullopt));
  r.Apply(W("income", Decimal{"15000"}, S(200, 3), S(100, 1)));
  auto d = r.Apply(W("income", Decimal{"9000"}, S(300, 2), S(100, 1)));
  EXPECT_EQ(d.kind, MergeKind::kConcurrentWon);
  EXPECT_EQ(r.record.Find("income")->value, Value(Decimal{"9000"}));
  ASSERT_EQ(r.conflicts.size(), 1u);
  EXPECT_EQ(r.conflicts[0].Find("loser")->value, Value(Decimal{"15000"}));
}

TEST(Merge, ArrivalOrderDoesNotChangeTheOutcome) {
  Replica a = NewReplica(), b = NewReplica();
  auto w0 = W("phone", "1", S(100, 1), std::nullopt);
  auto w1 = W("phone", "2", S(300, 2), S(100, 1));
  auto w2 = W("phone", "3", S(200, 3), S(100, 1));
  a.Apply(w0); a.Apply(w1); a.Apply(w2);
  b.Apply(w0); b.Apply(w2); b.Apply(w1);
  EXPECT_EQ(a.record, b.record);
  ASSERT_EQ(a.conflicts.size(), 1u);
  ASSERT_EQ(b.conflicts.size(), 1u);
  EXPECT_EQ(a.conflicts[0].id, b.conflicts[0].id);
  EXPECT_EQ(a.conflicts[0].Find("loser")->value, b.conflicts[0].Find("loser")->value);
}

TEST(Merge, EqualStampsTieBreakOnNodeDeterministically) {
  Replica r = NewReplica();
  r.Apply(W("f", "base", S(100, 1), std::nullopt));
  r.Apply(W("f", "from-4", S(200, 4), S(100, 1)));
  r.Apply(W("f", "from-5", S(200, 5), S(100, 1)));
  EXPECT_EQ(r.record.Find("f")->value, Value("from-5"));
  ASSERT_EQ(r.conflicts.size(), 1u);
  EXPECT_EQ(r.conflicts[0].Find("loser")->value, Value("from-4"));
}

TEST(Merge, ConcurrentEqualValuesAreNoConflict) {
  Replica r = NewReplica();
  r.Apply(W("boarding", false, S(100, 1), std::nullopt));
  r.Apply(W("boarding", true, S(200, 2), S(100, 1)));
  auto d = r.Apply(W("boarding", true, S(300, 3), S(100, 1)));
  EXPECT_EQ(d.kind, MergeKind::kConcurrentSame);
  EXPECT_TRUE(r.conflicts.empty());
  EXPECT_EQ(r.record.Find("boarding")->value, Value(true));
  EXPECT_EQ(r.record.Find("boarding")->stamp, S(300, 3)) << "greater stamp is current";
}

TEST(Merge, ReapplyingAWriteChangesNothing) {
  Replica r = NewReplica();
  auto w0 = W("f", "a", S(100, 1), std::nullopt);
  auto w1 = W("f", "b", S(200, 2), S(100, 1));
  auto w2 = W("f", "c", S(150, 3), S(100, 1));  // loses to w1
  auto w3 = W("f", "d", S(400, 2), S(200, 2));  // fast-forward over w1
  for (const auto& w : {w0, w1, w2, w3}) r.Apply(w);
  const Record before = r.record;
  const size_t conflicts_before = r.conflicts.size();
  ASSERT_EQ(conflicts_before, 1u);
  for (const auto& w : {w0, w1, w2, w3}) {
    auto d = r.Apply(w);
    EXPECT_EQ(d.kind, MergeKind::kDuplicate) << w.stamp.ToString();
  }
  EXPECT_EQ(r.record, before);
  EXPECT_EQ(r.conflicts.size(), conflicts_before);
}

TEST(Merge, DeleteAgainstEditKeepsTheEditAndDeletes) {
  Replica r = NewReplica();
  r.Apply(W("name", "张伟", S(100, 1), std::nullopt));
  // A coordinator deletes the record while a teacher, offline, corrects the name.
  r.Apply(W(kDeletedField, true, S(200, 2), std::nullopt));
  r.Apply(W("name", "张玮", S(250, 3), S(100, 1)));
  EXPECT_TRUE(r.record.deleted());
  EXPECT_EQ(r.record.Find("name")->value, Value("张玮")) << "the edit is not lost";
  // Undelete is an ordinary write of the deletion field.
  r.Apply(W(kDeletedField, false, S(300, 2), S(200, 2)));
  EXPECT_FALSE(r.record.deleted());
}

TEST(Merge, ConcurrentDeleteAndUndeleteConflict) {
  Replica r = NewReplica();
  r.Apply(W(kDeletedField, false, S(100, 1), std::nullopt));
  r.Apply(W(kDeletedField, true, S(200, 2), S(100, 1)));
  r.Apply(W(kDeletedField, false, S(210, 3), S(100, 1)));
  // The later undelete wins; the delete is kept for a coordinator to confirm.
  EXPECT_FALSE(r.record.deleted());
  ASSERT_EQ(r.conflicts.size(), 1u);
  EXPECT_EQ(r.conflicts[0].Find("loser")->value, Value(true));
}

TEST(Merge, ThreeWritersOnOneFieldKeepTwoLosers) {
  Replica r = NewReplica();
  r.Apply(W("tier", "一般困难", S(100, 1), std::nullopt));
  r.Apply(W("tier", "困难", S(200, 2), S(100, 1)));
  r.Apply(W("tier", "特别困难", S(300, 3), S(100, 1)));
  r.Apply(W("tier", "不困难", S(250, 4), S(100, 1)));
  EXPECT_EQ(r.record.Find("tier")->value, Value("特别困难"));
  ASSERT_EQ(r.conflicts.size(), 2u);
  std::set<std::string> losers;
  for (const auto& c : r.conflicts) losers.insert(c.Find("loser")->value.DebugString());
  EXPECT_EQ(losers, (std::set<std::string>{"'困难'", "'不困难'"}));
}

TEST(Merge, ConflictIdIsDerivedFromTheLosingWrite) {
  Uuid id = Uuid::V7(1, 2, 3);
  EXPECT_EQ(ConflictId(id, "f", S(1, 2)), ConflictId(id, "f", S(1, 2)));
  EXPECT_NE(ConflictId(id, "f", S(1, 2)), ConflictId(id, "f", S(1, 3)));
  EXPECT_NE(ConflictId(id, "f", S(1, 2)), ConflictId(id, "g", S(1, 2)));
}

}  // namespace
}  // namespace homevisit
