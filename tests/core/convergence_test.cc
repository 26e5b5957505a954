// Randomized convergence of the merge rule (DESIGN.md "Testing strategy").
//
// Several simulated devices make random offline writes, many to the same fields, and sync
// through a simulated star server in random orders, with lost acknowledgements and clocks
// that are skewed or jump backwards. For each seed it asserts:
//   (a) after everyone has synced twice, every device's replica equals the server's state
//       and the per-scope checksums agree;
//   (b) every value any device pushed is accounted for: current, kept as a conflict's loser,
//       seen and replaced by a later writer, or equal to such a value;
//   (c) applying any batch a second time (bypassing the batch dedup) changes nothing.
// Run one seed:   HOMEVISIT_SEED=1234 ./convergence_test
// Run N seeds:    HOMEVISIT_SEEDS=10000 ./convergence_test
#include <gtest/gtest.h>

#include <cstdlib>
#include <map>
#include <random>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "core/checksum.h"
#include "core/hlc.h"
#include "core/merge.h"

namespace homevisit {
namespace {

struct SimWrite {
  Uuid id;
  std::string type;
  std::string scope;
  FieldWrite write;
};
using Batch = std::vector<SimWrite>;

std::map<std::string, ScopeChecksum> ChecksumsOf(const std::map<Uuid, Record>& records) {
  std::map<std::string, ScopeChecksum> sums;
  for (const auto& [id, rec] : records) {
    for (const auto& [name, fv] : rec.fields) sums[rec.scope].Add(FieldHash(id, name, fv.stamp));
  }
  return sums;
}

class SimServer {
 public:
  explicit SimServer(int64_t* wall) : clock_(kServerNode, [wall] { return *wall; }, 86'400'000) {}

  // Returns false if this (node, batch) had been applied before (acknowledged, not reapplied).
  bool Push(uint32_t node, uint64_t batch_seq, const Batch& batch) {
    if (!applied_batches_.insert({node, batch_seq}).second) return false;
    ApplyBatch(batch);
    return true;
  }

  // Merges without the batch dedup: used to show that reapplying changes nothing.
  void ApplyBatch(const Batch& batch) {
    for (const SimWrite& w : batch) Apply(w);
  }

  // Fields changed after `cursor`, as (seq, record id, field name), in commit order.
  std::vector<std::tuple<uint64_t, Uuid, std::string>> ChangesAfter(uint64_t cursor) const {
    std::vector<std::tuple<uint64_t, Uuid, std::string>> out;
    for (const auto& [key, seq] : field_seq_) {
      if (seq > cursor) out.emplace_back(seq, key.first, key.second);
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  const std::map<Uuid, Record>& records() const { return records_; }
  const std::map<std::string, ScopeChecksum>& checksums() const { return checksums_; }
  uint64_t seq() const { return seq_; }
  int64_t wall_hlc() { return static_cast<int64_t>(clock_.Now().hlc); }

 private:
  void Apply(const SimWrite& w) {
    (void)clock_.Observe(w.write.stamp.hlc);
    Record& rec = Upsert(w.id, w.type, w.scope);
    std::optional<uint64_t> old_hash;
    if (const FieldVersion* fv = rec.Find(w.write.name)) {
      old_hash = FieldHash(w.id, w.write.name, fv->stamp);
    }
    MergeDecision d = ApplyFieldWrite(rec, w.write, [&](const std::string& f, const Stamp& s) {
      return recorded_.count({w.id, f, s}) > 0;
    });
    recorded_.insert({w.id, w.write.name, w.write.stamp});
    if (d.changed_current()) Touch(rec, w.write.name, old_hash);
    if (d.has_conflict()) {
      Record c = MakeConflictRecord(rec, w.write.name, *d.winner, *d.loser, clock_.Now());
      Record& stored = Upsert(c.id, c.type, c.scope);
      for (auto& [name, fv] : c.fields) {
        if (stored.Find(name)) continue;  // derived id: the same loss is the same record
        stored.fields[name] = fv;
        Touch(stored, name, std::nullopt);
      }
    }
  }

  Record& Upsert(const Uuid& id, const std::string& type, const std::string& scope) {
    Record& rec = records_[id];
    if (rec.type.empty()) {
      rec.id = id;
      rec.type = type;
      rec.scope = scope;
    }
    return rec;
  }

  void Touch(const Record& rec, const std::string& field, std::optional<uint64_t> old_hash) {
    ScopeChecksum& sum = checksums_[rec.scope];
    if (old_hash) sum.Remove(*old_hash);
    sum.Add(FieldHash(rec.id, field, rec.fields.at(field).stamp));
    field_seq_[{rec.id, field}] = ++seq_;
  }

  HybridClock clock_;
  std::map<Uuid, Record> records_;
  std::set<std::tuple<Uuid, std::string, Stamp>> recorded_;
  std::map<std::pair<Uuid, std::string>, uint64_t> field_seq_;
  std::map<std::string, ScopeChecksum> checksums_;
  std::set<std::pair<uint32_t, uint64_t>> applied_batches_;
  uint64_t seq_ = 0;
};

class SimDevice {
 public:
  SimDevice(uint32_t node, int64_t skew_ms, int64_t* world_ms)
      : node_(node), skew_(skew_ms), world_(world_ms),
        clock_(node, [this] { return *world_ + skew_ + jump_; }, 86'400'000) {}

  void Edit(const Uuid& id, const std::string& type, const std::string& scope,
            const std::string& field, Value value) {
    for (auto it = outbox_.rbegin(); it != outbox_.rend(); ++it) {
      if (it->w.id != id || it->w.write.name != field) continue;
      if (!it->in_flight) {  // coalesce: keep the first base, take the latest value
        it->w.write.value = std::move(value);
        it->w.write.stamp = clock_.Now();
        return;
      }
      // The earlier write is already sent: this one is based on it.
      const Stamp base = it->w.write.stamp;
      outbox_.push_back({{id, type, scope, {field, std::move(value), clock_.Now(), base}}, false});
      return;
    }
    std::optional<Stamp> base;
    if (auto rec = confirmed_.find(id); rec != confirmed_.end()) {
      if (const FieldVersion* fv = rec->second.Find(field)) base = fv->stamp;
    }
    outbox_.push_back({{id, type, scope, {field, std::move(value), clock_.Now(), base}}, false});
  }

  void JumpClockBackwards(int64_t ms) { jump_ -= ms; }

  // One sync: push (maybe losing the ack), then pull in batches.
  void Sync(SimServer& server, std::mt19937_64& rng, bool lose_ack,
            std::vector<Batch>* pushed_log) {
    if (in_flight_.empty()) {
      const size_t max_batch = 1 + rng() % 6;
      for (auto& e : outbox_) {
        if (in_flight_.size() >= max_batch) break;
        e.in_flight = true;
        in_flight_.push_back(e.w);
      }
      if (!in_flight_.empty()) in_flight_seq_ = next_batch_seq_++;
    }
    if (!in_flight_.empty()) {
      if (server.Push(node_, in_flight_seq_, in_flight_)) pushed_log->push_back(in_flight_);
      if (lose_ack) return;  // the reply never arrived: resend the same batch next time
      // Acknowledged: the server answered these writes; drop them from the outbox.
      std::erase_if(outbox_, [](const Entry& e) { return e.in_flight; });
      in_flight_.clear();
    }
    Pull(server, rng);
  }

  const std::map<Uuid, Record>& confirmed() const { return confirmed_; }
  bool outbox_empty() const { return outbox_.empty(); }

 private:
  struct Entry {
    SimWrite w;
    bool in_flight;
  };

  void Pull(SimServer& server, std::mt19937_64& rng) {
    auto changes = server.ChangesAfter(cursor_);
    const size_t batch = 1 + rng() % 8;
    for (size_t i = 0; i < changes.size(); i += batch) {
      // Apply a batch and its cursor together (one transaction on a real device).
      for (size_t j = i; j < std::min(changes.size(), i + batch); ++j) {
        const auto& [seq, id, field] = changes[j];
        const Record& src = server.records().at(id);
        Record& dst = confirmed_[id];
        dst.id = id;
        dst.type = src.type;
        dst.scope = src.scope;
        const FieldVersion& fv = src.fields.at(field);
        dst.fields[field] = fv;
        (void)clock_.Observe(fv.stamp.hlc);
        cursor_ = seq;
      }
    }
  }

  uint32_t node_;
  int64_t skew_;
  int64_t* world_;
  int64_t jump_ = 0;
  HybridClock clock_;
  std::map<Uuid, Record> confirmed_;
  std::vector<Entry> outbox_;
  Batch in_flight_;
  uint64_t in_flight_seq_ = 0;
  uint64_t next_batch_seq_ = 1;
  uint64_t cursor_ = 0;
};

struct SharedRecord {
  Uuid id;
  std::string type;
  std::string scope;
};

// Runs one seed; returns an empty string on success, else what went wrong.
std::string RunSeed(uint64_t seed) {
  std::mt19937_64 rng(seed);
  int64_t world = 1'790'000'000'000;
  SimServer server(&world);
  const int devices_n = 5 + static_cast<int>(rng() % 3);
  std::vector<SimDevice> devices;
  devices.reserve(devices_n);  // devices' clocks refer to them: they must not move
  for (int i = 0; i < devices_n; ++i) {
    const int64_t skew = static_cast<int64_t>(rng() % 600'000) - 300'000;  // ±5 min
    devices.emplace_back(static_cast<uint32_t>(i + 1), skew, &world);
  }
  std::vector<SharedRecord> shared;
  const int records_n = 2 + static_cast<int>(rng() % 3);
  for (int i = 0; i < records_n; ++i) {
    shared.push_back({Uuid::V7(world, rng(), rng()), i % 2 ? "visit" : "household",
                      i % 2 ? "qx/hs/s1" : "qx/hs/s2"});
  }
  const std::vector<std::string> fields = {"income", "tier", "village", kDeletedField};
  const std::vector<std::string> pool = {"甲", "乙", "丙"};
  std::vector<Batch> pushed;
  int unique = 0;

  const int steps = 40 + static_cast<int>(rng() % 60);
  for (int step = 0; step < steps; ++step) {
    world += static_cast<int64_t>(rng() % 50);
    SimDevice& dev = devices[rng() % devices.size()];
    const int action = static_cast<int>(rng() % 10);
    if (action < 6) {
      const SharedRecord& r = shared[rng() % shared.size()];
      const std::string& field = fields[rng() % fields.size()];
      Value v;
      if (field == kDeletedField) {
        v = Value(rng() % 2 == 0);
      } else if (rng() % 3 == 0) {
        v = Value("v" + std::to_string(++unique));
      } else {
        v = Value(pool[rng() % pool.size()]);
      }
      dev.Edit(r.id, r.type, r.scope, field, v);
    } else if (action < 9) {
      dev.Sync(server, rng, /*lose_ack=*/rng() % 5 == 0, &pushed);
    } else {
      dev.JumpClockBackwards(static_cast<int64_t>(rng() % 120'000));
    }
  }
  // Everyone syncs until their outbox is empty, then once more to pull the last changes.
  for (int round = 0; round < 100; ++round) {
    bool all_empty = true;
    for (auto& d : devices) {
      d.Sync(server, rng, false, &pushed);
      all_empty = all_empty && d.outbox_empty();
    }
    if (all_empty) break;
  }
  for (auto& d : devices) d.Sync(server, rng, false, &pushed);

  // (a) every replica equals the server, checksums agree.
  for (size_t i = 0; i < devices.size(); ++i) {
    if (!devices[i].outbox_empty()) return "device " + std::to_string(i + 1) + " kept writes";
    if (devices[i].confirmed() != server.records()) {
      std::string diff = "device " + std::to_string(i + 1) + " differs from the server\n";
      for (const auto& [id, rec] : server.records()) {
        auto it = devices[i].confirmed().find(id);
        if (it == devices[i].confirmed().end() || it->second != rec) {
          diff += "server: " + rec.DebugString();
          if (it != devices[i].confirmed().end()) diff += "device: " + it->second.DebugString();
        }
      }
      return diff;
    }
    if (ChecksumsOf(devices[i].confirmed()) != server.checksums()) {
      return "checksums of device " + std::to_string(i + 1) + " differ";
    }
  }

  // (b) every pushed value is accounted for.
  std::set<std::tuple<Uuid, std::string, Stamp>> seen_bases;
  for (const Batch& b : pushed)
    for (const SimWrite& w : b)
      if (w.write.base) seen_bases.insert({w.id, w.write.name, *w.write.base});
  std::set<std::tuple<Uuid, std::string, std::string>> kept_values;  // (id, field, value)
  for (const auto& [id, rec] : server.records()) {
    if (rec.type == "conflict") {
      const auto target = Uuid::Parse(std::get<std::string>(rec.Find("record_id")->value.variant()));
      const auto& field = std::get<std::string>(rec.Find("field")->value.variant());
      kept_values.insert({*target, field, rec.Find("loser")->value.DebugString()});
      kept_values.insert({*target, field, rec.Find("winner")->value.DebugString()});
      continue;
    }
    for (const auto& [name, fv] : rec.fields) kept_values.insert({id, name, fv.value.DebugString()});
  }
  // A value that someone saw and knowingly replaced is not lost either; equal values
  // typed twice are one value.
  for (const Batch& b : pushed)
    for (const SimWrite& w : b)
      if (seen_bases.count({w.id, w.write.name, w.write.stamp}))
        kept_values.insert({w.id, w.write.name, w.write.value.DebugString()});
  for (const Batch& b : pushed) {
    for (const SimWrite& w : b) {
      if (kept_values.count({w.id, w.write.name, w.write.value.DebugString()})) continue;
      return "value " + w.write.value.DebugString() + " written to " + w.write.name + " at " +
             w.write.stamp.ToString() + " was lost";
    }
  }

  // (c) applying every batch again changes nothing.
  const auto before = server.records();
  const uint64_t seq_before = server.seq();
  for (const Batch& b : pushed) server.ApplyBatch(b);
  if (server.records() != before || server.seq() != seq_before) {
    return "re-applying batches changed the server";
  }
  return {};
}

uint64_t EnvOr(const char* name, uint64_t fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::strtoull(v, nullptr, 10) : fallback;
}

TEST(Convergence, RandomOfflineWritesConvergeWithNothingLost) {
  if (const char* one = std::getenv("HOMEVISIT_SEED"); one && *one) {
    const uint64_t seed = std::strtoull(one, nullptr, 10);
    const std::string failure = RunSeed(seed);
    EXPECT_TRUE(failure.empty()) << "seed " << seed << ": " << failure;
    return;
  }
  const uint64_t base = EnvOr("HOMEVISIT_SEED_BASE", 20261128);
  const uint64_t count = EnvOr("HOMEVISIT_SEEDS", 1000);
  int failures = 0;
  for (uint64_t i = 0; i < count && failures < 3; ++i) {
    const uint64_t seed = base + i;
    const std::string failure = RunSeed(seed);
    if (!failure.empty()) {
      ++failures;
      ADD_FAILURE() << "seed " << seed << " (replay: HOMEVISIT_SEED=" << seed
                    << " ./convergence_test): " << failure;
    }
  }
  std::printf("convergence: %llu seeds from %llu, %d failed\n",
              static_cast<unsigned long long>(count), static_cast<unsigned long long>(base),
              failures);
}

}  // namespace
}  // namespace homevisit
