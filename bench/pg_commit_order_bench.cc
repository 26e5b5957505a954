// What commit-ordered change positions cost on PostgreSQL (postgres_storage.cc).
//
// Every committer of one database takes its positions under one row lock, held from the
// counter update to the end of COMMIT. This benchmark runs N writer threads pushing
// visit-sized transactions through the real PostgreSQL backend, twice in the same run:
//   shared    all writers in one schema: they serialize on its commit counter;
//   separate  each writer in a schema of its own: same code and statements, but every
//             writer has its own counter, so nobody waits on another's commit.
// The ratio shared/separate is the price of the ordering. The two modes alternate over
// several rounds and medians are reported, so load from other processes on the machine
// hits both alike. Prints JSON.
//
// Needs PostgreSQL: PG_CONNINFO (source scripts/lib/postgres.sh; pg_start).
//   pg_commit_order_bench [seconds_per_round=2] [rounds=5] [writer counts, default 1 4 16]
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "sync-server/storage/postgres_conn.h"
#include "sync-server/storage/postgres_storage.h"

using namespace homevisit;
using namespace homevisit::server;
using Clock = std::chrono::steady_clock;

namespace {

constexpr int kVisitsPerTxn = 5;
constexpr int kFieldsPerVisit = 20;

std::string WithSchema(const std::string& conninfo, const std::string& schema) {
  return conninfo + " options='-c search_path=" + schema + "'";
}

struct RunResult {
  double txn_per_s = 0;
  double fields_per_s = 0;
  double commit_p50_ms = 0;
  double commit_p99_ms = 0;
  // Mean number of writers waiting on a lock, sampled every 5 ms. Records never collide
  // here, so in the shared mode this is the queue on the commit counter.
  double writers_waiting = 0;
  int64_t failures = 0;
};

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
}

// One push-like transaction: a batch mark, then kVisitsPerTxn new visits of
// kFieldsPerVisit fields each. Returns the time Commit() took, or -1 on failure.
// Batch numbers and record ids never repeat within the process, so every round writes new
// records (a repeated write would be a no-op and measure nothing).
std::atomic<uint64_t> next_number{1};

double PushOnce(Storage& storage, uint32_t node) {
  auto txn = storage.BeginWrite();
  if (!txn.ok()) return -1;
  auto fresh = (*txn)->MarkBatch(node, next_number++);
  if (!fresh.ok() || !*fresh) return -1;
  for (int v = 0; v < kVisitsPerTxn; ++v) {
    const uint64_t n = next_number++;
    const Uuid id = Uuid::V7(1732780800000 + static_cast<int64_t>(n), n * 0x9E37u, node);
    const RecordHeader h{id, "visit", "bench/t/s" + std::to_string(node)};
    if (!(*txn)->LoadRecord(id).ok()) return -1;
    for (int f = 0; f < kFieldsPerVisit; ++f) {
      const FieldVersion version{Value("answer " + std::to_string(f)),
                                 Stamp{Stamp::Pack(1732780800000 + n, f), node}};
      if (!(*txn)->PutField(h, "q" + std::to_string(f), version, std::nullopt).ok()) return -1;
    }
  }
  const auto start = Clock::now();
  if (!(*txn)->Commit().ok()) return -1;
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

const pg::Statement kLockWaiters = {
    "lock_waiters",
    "SELECT count(*)::int8 FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
    "AND application_name = 'homevisit-sync-server'"};

RunResult Run(const std::vector<Storage*>& per_writer, double seconds, pg::Connection& probe) {
  const int writers = static_cast<int>(per_writer.size());
  std::vector<std::vector<double>> commits(writers);
  std::vector<int64_t> failures(writers, 0);
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  const auto start = Clock::now();
  for (int w = 0; w < writers; ++w) {
    threads.emplace_back([&, w] {
      while (!stop) {
        const double ms = PushOnce(*per_writer[w], static_cast<uint32_t>(w + 1));
        if (ms < 0) {
          ++failures[w];
        } else {
          commits[w].push_back(ms);
        }
      }
    });
  }
  int64_t waiting = 0, samples = 0;
  const auto until = start + std::chrono::duration<double>(seconds);
  while (Clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    auto rows = probe.Exec(kLockWaiters);
    if (rows.ok()) {
      waiting += rows->Int64(0, 0);
      ++samples;
    }
  }
  stop = true;
  for (auto& t : threads) t.join();
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  std::vector<double> all;
  RunResult r;
  for (int w = 0; w < writers; ++w) {
    all.insert(all.end(), commits[w].begin(), commits[w].end());
    r.failures += failures[w];
  }
  r.txn_per_s = static_cast<double>(all.size()) / elapsed;
  r.fields_per_s = r.txn_per_s * kVisitsPerTxn * kFieldsPerVisit;
  r.commit_p50_ms = Percentile(all, 0.50);
  r.commit_p99_ms = Percentile(all, 0.99);
  r.writers_waiting = samples ? static_cast<double>(waiting) / static_cast<double>(samples) : 0;
  return r;
}

// Field by field median over rounds; failures summed.
RunResult Median(const std::vector<RunResult>& runs) {
  auto median = [&](double RunResult::*field) {
    std::vector<double> v;
    for (const RunResult& r : runs) v.push_back(r.*field);
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  };
  RunResult m;
  m.txn_per_s = median(&RunResult::txn_per_s);
  m.fields_per_s = median(&RunResult::fields_per_s);
  m.commit_p50_ms = median(&RunResult::commit_p50_ms);
  m.commit_p99_ms = median(&RunResult::commit_p99_ms);
  m.writers_waiting = median(&RunResult::writers_waiting);
  for (const RunResult& r : runs) m.failures += r.failures;
  return m;
}

std::string Json(const RunResult& r) {
  char buf[320];
  std::snprintf(buf, sizeof buf,
                "{\"txn_per_s\": %.1f, \"fields_per_s\": %.0f, \"commit_p50_ms\": %.3f, "
                "\"commit_p99_ms\": %.3f, \"writers_waiting_on_locks\": %.2f, "
                "\"failures\": %lld}",
                r.txn_per_s, r.fields_per_s, r.commit_p50_ms, r.commit_p99_ms,
                r.writers_waiting, static_cast<long long>(r.failures));
  return buf;
}

}  // namespace

int main(int argc, char** argv) {
  const char* base = std::getenv("PG_CONNINFO");
  if (!base || !*base) {
    std::fprintf(stderr, "PG_CONNINFO is not set: source scripts/lib/postgres.sh; pg_start\n");
    return 1;
  }
  const double seconds = argc > 1 ? std::atof(argv[1]) : 2.0;
  const int rounds = argc > 2 ? std::max(1, std::atoi(argv[2])) : 5;
  std::vector<int> writer_counts;
  for (int i = 3; i < argc; ++i) writer_counts.push_back(std::atoi(argv[i]));
  if (writer_counts.empty()) writer_counts = {1, 4, 16};
  const int max_writers = *std::max_element(writer_counts.begin(), writer_counts.end());

  auto admin = pg::Connection::Open(base);
  if (!admin.ok()) {
    std::fprintf(stderr, "%s\n", admin.status().ToString().c_str());
    return 1;
  }
  const std::string tag = "bench_" + std::to_string(::getpid());
  std::vector<std::string> schemas;
  auto open = [&](const std::string& schema, int connections) -> std::unique_ptr<Storage> {
    schemas.push_back(schema);
    if (!(*admin)->Run("CREATE SCHEMA " + schema).ok()) return nullptr;
    auto s = OpenPostgresStorage(WithSchema(base, schema), {.max_connections = connections});
    if (!s.ok() || !(*s)->Migrate().ok()) return nullptr;
    return std::move(s).value();
  };
  auto shared = open(tag + "_shared", max_writers);
  std::vector<std::unique_ptr<Storage>> separate;
  for (int w = 0; w < max_writers; ++w) separate.push_back(open(tag + "_w" + std::to_string(w), 1));
  bool ok = shared != nullptr;
  for (auto& s : separate) ok = ok && s != nullptr;

  std::string runs;
  if (ok) {
    for (int writers : writer_counts) {
      std::vector<Storage*> one(writers, shared.get()), own;
      for (int w = 0; w < writers; ++w) own.push_back(separate[w].get());
      std::vector<RunResult> shared_runs, separate_runs;
      for (int r = 0; r < rounds; ++r) {
        shared_runs.push_back(Run(one, seconds, **admin));
        separate_runs.push_back(Run(own, seconds, **admin));
      }
      const RunResult a = Median(shared_runs);
      const RunResult b = Median(separate_runs);
      char ratio[64];
      std::snprintf(ratio, sizeof ratio, "%.3f", b.txn_per_s > 0 ? a.txn_per_s / b.txn_per_s : 0);
      runs += std::string(runs.empty() ? "" : ",\n    ") + "{\"writers\": " +
              std::to_string(writers) + ", \"shared_counter\": " + Json(a) +
              ", \"separate_counters\": " + Json(b) + ", \"throughput_ratio\": " + ratio + "}";
    }
  }
  for (const auto& s : schemas) (void)(*admin)->Run("DROP SCHEMA IF EXISTS " + s + " CASCADE");
  if (!ok) {
    std::fprintf(stderr, "could not set up the benchmark schemas\n");
    return 1;
  }
  std::printf(
      "{\n  \"benchmark\": \"pg_commit_order\",\n  \"fields_per_txn\": %d,\n"
      "  \"seconds_per_round\": %.1f,\n  \"rounds\": %d,\n  \"runs\": [\n    %s\n  ]\n}\n",
      kVisitsPerTxn * kFieldsPerVisit, seconds, rounds, runs.c_str());
  return 0;
}
