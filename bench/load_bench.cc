// Load run: many devices syncing at once against real homevisit-server processes.
//
// Each simulated device logs in, then for every round pushes a batch of new visits and pulls
// its school until the end of the stream: one "sync", with the protocol the app uses (packed
// records in zstd frames, PushPacked). The run is repeated on three setups in
// the same process, so the figures compare under the same machine load:
//   sqlite   one server on an SQLite file            (the embedded default; the baseline)
//   pg1      one server on PostgreSQL
//   pg2      two servers on one PostgreSQL, devices split between them
// Prints JSON: visits/s sustained (visits pushed / wall time of the whole run), sync latency
// percentiles, and each setup's throughput relative to the sqlite baseline.
//
// Two ways to load: closed loop (default), every device syncs again as soon as its last
// sync ended, which measures capacity (latency is then just the queue: devices / syncs per
// second); or open loop with --rate V, syncs start on a fixed schedule offering V visits/s
// (device after device, round after round), and latency counts from the scheduled start,
// so time spent waiting behind a slow server is not hidden.
//
//   load_bench [--devices 200] [--visits 20] [--rounds 3] [--setups sqlite,pg1,pg2]
//              [--pool N]   (pool_max_conns of each PostgreSQL server; default the server's)
//              [--rate V]   (open loop: offer V visits/s; default closed loop)
// Needs PG_CONNINFO for the PostgreSQL setups (source scripts/lib/postgres.sh; pg_start).
#include <grpcpp/grpcpp.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "core/hlc.h"
#include "core/uuid.h"
#include "homevisit/v1/sync.grpc.pb.h"
#include "proto/packed.h"
#include "proto/wire.h"
#include "proto/zstd_frame.h"
#include "sync-server/auth.h"
#include "sync-server/storage/postgres_conn.h"
#include "sync-server/storage/storage.h"
#include "tests/pg/server_process.h"

using namespace homevisit;
using namespace homevisit::server;
using Clock = std::chrono::steady_clock;

namespace {

constexpr char kPassword[] = "load bench password";
constexpr int kDevicesPerSchool = 10;
constexpr int kAnswersPerVisit = 10;
constexpr uint32_t kAppPullBatchFields = 5000;  // plus status, author, visit_date, student_id
constexpr auto kDeadline = std::chrono::seconds(60);

struct Options {
  int devices = 200;
  int visits = 20;
  int rounds = 3;
  int pool = 0;     // 0: the server's default
  double rate = 0;  // visits/s offered; 0: closed loop
  std::vector<std::string> setups = {"sqlite", "pg1", "pg2"};
};

std::string SchoolOf(int device) { return "lc/town/s" + std::to_string(device / kDevicesPerSchool); }

// A device talking to one server through its own channel.
class Device {
 public:
  Device(const std::string& address, int index) : index_(index) {
    grpc::ChannelArguments args;
    args.SetMaxReceiveMessageSize(64 << 20);
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);  // a connection of its own
    stub_ = v1::Sync::NewStub(
        grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args));
    std::random_device rd;
    ids_ = std::make_unique<UuidGenerator>((uint64_t{rd()} << 32) | rd());
  }

  // Logs in (retried on UNAVAILABLE, as the app does: 200 devices enrolling at once may
  // find the server still starting or busy).
  bool Login() {
    v1::LoginRequest request;
    request.set_user("teacher" + std::to_string(index_));
    request.set_password(kPassword);
    request.set_device_id(ids_->Next(HybridClock::SystemMillis()).ToString());
    request.set_device_name("load bench device");
    for (int attempt = 0; attempt < 20; ++attempt) {
      grpc::ClientContext context;
      context.set_deadline(std::chrono::system_clock::now() + kDeadline);
      v1::LoginResponse response;
      grpc::Status status = stub_->Login(&context, request, &response);
      if (status.ok()) {
        token_ = "Bearer " + ToHex(response.token());
        clock_.set_node(response.node());
        return true;
      }
      last_error_ = "login: " + std::to_string(status.error_code()) + " " + status.error_message();
      if (status.error_code() != grpc::StatusCode::UNAVAILABLE) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(50 * (attempt + 1)));
    }
    return false;
  }

  // Pushes `visits` new visits in one batch (resent on UNAVAILABLE, as the app does).
  // Like the app: a visit's fields share its hlc, packed, in one zstd frame through
  // PushPacked (app/sync/sync_client.cc).
  bool Push(int visits) {
    v1::PushRequest request;
    request.set_batch_seq(++batch_seq_);
    wire::FieldNameTable names(request.mutable_field_names());
    const std::string school = SchoolOf(index_);
    for (int v = 0; v < visits; ++v) {
      auto* record = request.add_writes();
      record->set_record_id(std::string(ids_->Next(HybridClock::SystemMillis()).AsBytes()));
      record->set_type("visit");
      record->set_scope(school);
      record->set_hlc(clock_.Now().hlc);
      auto add = [&](const std::string& name, const Value& value) {
        v1::Value proto;
        wire::ToProto(value, &proto);
        wire::AppendPackedWrite(record->mutable_packed_fields(), names.IndexOf(name),
                                proto.SerializeAsString(), 0, std::nullopt);
      };
      add("status", Value("draft"));
      add("author", Value("teacher" + std::to_string(index_)));
      add("visit_date", Value(Date{20400 + v}));
      add("student_id", Value(ids_->Next(HybridClock::SystemMillis()).ToString()));
      for (int q = 0; q < kAnswersPerVisit; ++q) {
        add("q" + std::to_string(q), Value("家里有" + std::to_string(q + v) + "口人"));
      }
    }
    v1::PushRequest compressed;
    compressed.set_batch_seq(request.batch_seq());
    compressed.set_zstd(wire::CompressMessage(request));
    for (int attempt = 0; attempt < 20; ++attempt) {
      grpc::ClientContext context;
      context.set_deadline(std::chrono::system_clock::now() + kDeadline);
      context.AddMetadata("authorization", token_);
      context.set_compression_algorithm(GRPC_COMPRESS_NONE);
      v1::PushResponse response;
      grpc::Status status = stub_->PushPacked(&context, compressed, &response);
      if (status.ok()) {
        (void)clock_.Observe(Stamp::Pack(response.server_time_ms(), 0));
        return true;
      }
      last_error_ = "push: " + std::to_string(status.error_code()) + " " + status.error_message();
      if (status.error_code() != grpc::StatusCode::UNAVAILABLE) return false;
      ++retries_;
      std::this_thread::sleep_for(std::chrono::milliseconds(20 * (attempt + 1)));
    }
    return false;
  }

  // Pulls the device's scopes from its cursor to the end of the stream; on UNAVAILABLE it
  // resumes from the last batch it got, as the app does.
  bool Pull() {
    for (int attempt = 0; attempt < 20; ++attempt) {
      grpc::ClientContext context;
      context.set_deadline(std::chrono::system_clock::now() + kDeadline);
      context.AddMetadata("authorization", token_);
      v1::PullRequest request;
      request.set_cursor(cursor_);
      // The batch size the app asks for (app/sync: SyncOptions::pull_batch_fields).
      request.set_max_batch_fields(kAppPullBatchFields);
      request.set_shared_stamps(true);
      request.set_packed(true);
      request.set_zstd(true);
      auto reader = stub_->Pull(&context, request);
      v1::PullResponse response;
      bool damaged = false;
      while (!damaged && reader->Read(&response)) {
        if (response.has_batch()) {
          // Unpacked and counted as the app reads them (without storing them).
          v1::ChangeBatch batch;
          if (!wire::DecompressMessage(response.batch().zstd(), 64 << 20, &batch).ok()) {
            damaged = true;
            break;
          }
          std::vector<wire::PackedField> fields;
          for (const auto& r : batch.records()) {
            fields.clear();
            if (!wire::DecodePackedFields(r.packed_fields(), batch.field_names(),
                                          wire::FromProto(r.stamp()), &fields).ok()) {
              damaged = true;
            }
            pulled_fields_ += static_cast<int64_t>(fields.size()) + r.fields_size();
          }
          cursor_ = response.batch().cursor();
        }
        if (response.has_end()) cursor_ = response.end().cursor();
      }
      if (damaged) {
        context.TryCancel();
        (void)reader->Finish();
        last_error_ = "pull: a batch did not decode";
        return false;
      }
      grpc::Status status = reader->Finish();
      if (status.ok()) return true;
      last_error_ = "pull: " + std::to_string(status.error_code()) + " " + status.error_message();
      if (status.error_code() != grpc::StatusCode::UNAVAILABLE) return false;
      ++retries_;
      std::this_thread::sleep_for(std::chrono::milliseconds(20 * (attempt + 1)));
    }
    return false;
  }

  int64_t pulled_fields() const { return pulled_fields_; }
  int64_t retries() const { return retries_; }
  const std::string& last_error() const { return last_error_; }

 private:
  int index_;
  std::unique_ptr<v1::Sync::Stub> stub_;
  std::unique_ptr<UuidGenerator> ids_;
  HybridClock clock_{0, HybridClock::SystemMillis};
  std::string token_;
  uint64_t batch_seq_ = 0;
  uint64_t cursor_ = 0;
  int64_t pulled_fields_ = 0;
  int64_t retries_ = 0;  // calls repeated after UNAVAILABLE
  std::string last_error_;
};

struct SetupResult {
  std::string name;
  int servers = 0;
  double seconds = 0;
  double visits_per_s = 0;
  double sync_p50_ms = 0, sync_p99_ms = 0, sync_max_ms = 0;
  int64_t visits = 0, pulled_fields = 0, retries = 0, errors = 0;
  std::string first_error;
};

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
}

// A fresh database for one setup: its --db URL, seeded with scopes and one teacher per device.
Result<std::string> SeedDatabase(const std::string& setup, const Options& o,
                                 const std::string& password_hash) {
  std::string url;
  if (setup == "sqlite") {
    url = "sqlite:/tmp/homevisit-load-" + std::to_string(getpid()) + ".db";
  } else {
    const char* pg = std::getenv("PG_CONNINFO");
    if (!pg || !*pg) return FailedPrecondition("PG_CONNINFO is not set");
    const std::string schema = "load_" + std::to_string(getpid()) + "_" + setup;
    auto admin = pg::Connection::Open(pg);
    if (!admin.ok()) return admin.status();
    (void)(*admin)->Run("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
    if (auto r = (*admin)->Run("CREATE SCHEMA " + schema); !r.ok()) return r.status();
    url = std::string(pg) + " options='-c search_path=" + schema + "'";
    if (o.pool > 0) url += " pool_max_conns=" + std::to_string(o.pool);
  }
  auto storage = OpenStorage(url);
  if (!storage.ok()) return storage.status();
  if (Status s = (*storage)->Migrate(); !s.ok()) return s;
  Storage& db = **storage;
  if (Status s = db.AddScope({"lc", "临川县"}); !s.ok()) return s;
  if (Status s = db.AddScope({"lc/town", "城关镇"}); !s.ok()) return s;
  for (int d = 0; d < o.devices; d += kDevicesPerSchool) {
    if (Status s = db.AddScope({SchoolOf(d), "学校"}); !s.ok()) return s;
  }
  for (int d = 0; d < o.devices; ++d) {
    User u;
    u.name = u.display_name = "teacher" + std::to_string(d);
    u.role = Role::kTeacher;
    u.password_hash = password_hash;
    u.scopes = {SchoolOf(d)};
    if (auto id = db.AddUser(u); !id.ok()) return id.status();
  }
  return url;
}

void DropDatabase(const std::string& setup) {
  if (setup == "sqlite") {
    const std::string path = "/tmp/homevisit-load-" + std::to_string(getpid()) + ".db";
    for (const char* suffix : {"", "-wal", "-shm"}) unlink((path + suffix).c_str());
    return;
  }
  if (const char* pg = std::getenv("PG_CONNINFO")) {
    if (auto admin = pg::Connection::Open(pg); admin.ok()) {
      (void)(*admin)->Run("DROP SCHEMA IF EXISTS load_" + std::to_string(getpid()) + "_" + setup +
                          " CASCADE");
    }
  }
}

Result<SetupResult> RunSetup(const std::string& setup, const Options& o,
                             const std::string& password_hash) {
  SetupResult result;
  result.name = setup;
  result.servers = setup == "pg2" ? 2 : 1;
  auto url = SeedDatabase(setup, o, password_hash);
  if (!url.ok()) return url.status();
  std::vector<std::unique_ptr<testing::ServerProcess>> servers;
  for (int i = 0; i < result.servers; ++i) {
    auto s = testing::ServerProcess::Start(HOMEVISIT_SERVER_BINARY, *url);
    if (!s.ok()) return s.status();
    servers.push_back(std::move(s).value());
  }
  std::vector<std::unique_ptr<Device>> devices;
  for (int d = 0; d < o.devices; ++d) {
    devices.push_back(std::make_unique<Device>(servers[d % servers.size()]->address(), d));
  }
  // Logins are not part of the measured run (a device logs in once per enrolment).
  std::atomic<int64_t> errors{0};
  {
    std::vector<std::thread> threads;
    for (auto& device : devices) {
      threads.emplace_back([&] {
        if (!device->Login()) ++errors;
      });
    }
    for (auto& t : threads) t.join();
  }
  if (errors > 0) {
    std::string first;
    for (const auto& device : devices) {
      if (!device->last_error().empty()) {
        first = device->last_error();
        break;
      }
    }
    return Status(StatusCode::kUnavailable,
                  std::to_string(errors.load()) + " logins failed; first: " + first);
  }

  std::vector<std::vector<double>> latencies(devices.size());
  std::vector<std::thread> threads;
  const auto start = Clock::now();
  // Open loop: sync number r * devices + d starts at start + that number * interval.
  const auto interval = std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double>(o.rate > 0 ? o.visits / o.rate : 0));
  for (size_t d = 0; d < devices.size(); ++d) {
    threads.emplace_back([&, d] {
      for (int r = 0; r < o.rounds; ++r) {
        auto sync_start = Clock::now();
        if (o.rate > 0) {
          sync_start = start + interval * static_cast<int64_t>(r * devices.size() + d);
          std::this_thread::sleep_until(sync_start);
        }
        if (!devices[d]->Push(o.visits) || !devices[d]->Pull()) {
          ++errors;
          return;
        }
        latencies[d].push_back(
            std::chrono::duration<double, std::milli>(Clock::now() - sync_start).count());
      }
    });
  }
  for (auto& t : threads) t.join();
  result.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  for (auto& s : servers) s->Stop();
  DropDatabase(setup);

  std::vector<double> all;
  for (size_t d = 0; d < devices.size(); ++d) {
    all.insert(all.end(), latencies[d].begin(), latencies[d].end());
    result.visits += static_cast<int64_t>(latencies[d].size()) * o.visits;
    result.pulled_fields += devices[d]->pulled_fields();
    result.retries += devices[d]->retries();
    if (result.first_error.empty()) result.first_error = devices[d]->last_error();
  }
  result.errors = errors;
  result.visits_per_s = static_cast<double>(result.visits) / result.seconds;
  result.sync_p50_ms = Percentile(all, 0.50);
  result.sync_p99_ms = Percentile(all, 0.99);
  result.sync_max_ms = all.empty() ? 0 : *std::max_element(all.begin(), all.end());
  return result;
}

bool ParseOptions(int argc, char** argv, Options* o) {
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--devices") {
      o->devices = std::max(1, std::atoi(value.c_str()));
    } else if (flag == "--visits") {
      o->visits = std::max(1, std::atoi(value.c_str()));
    } else if (flag == "--rate") {
      o->rate = std::max(0.0, std::atof(value.c_str()));
    } else if (flag == "--pool") {
      o->pool = std::max(1, std::atoi(value.c_str()));
    } else if (flag == "--rounds") {
      o->rounds = std::max(1, std::atoi(value.c_str()));
    } else if (flag == "--setups") {
      o->setups.clear();
      size_t start = 0;
      while (start <= value.size()) {
        const size_t comma = std::min(value.find(',', start), value.size());
        const std::string name = value.substr(start, comma - start);
        if (name != "sqlite" && name != "pg1" && name != "pg2") return false;
        o->setups.push_back(name);
        start = comma + 1;
      }
    } else {
      return false;
    }
  }
  return argc % 2 == 1;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (!ParseOptions(argc, argv, &o)) {
    std::fprintf(stderr,
                 "usage: load_bench [--devices N] [--visits N] [--rounds N] "
                 "[--setups sqlite,pg1,pg2] [--pool N]\n");
    return 2;
  }
  if (!InitCrypto().ok()) return 1;
  auto hash = HashPassword(kPassword, PasswordCost::kMinimum);
  if (!hash.ok()) return 1;

  std::vector<SetupResult> results;
  for (const std::string& setup : o.setups) {
    auto r = RunSetup(setup, o, *hash);
    if (r.ok() && !r->first_error.empty()) {
      std::fprintf(stderr, "%s: a call failed: %s\n", setup.c_str(), r->first_error.c_str());
    }
    if (!r.ok()) {
      std::fprintf(stderr, "%s: %s\n", setup.c_str(), r.status().ToString().c_str());
      DropDatabase(setup);
      return 1;
    }
    results.push_back(*r);
  }
  const SetupResult* baseline = nullptr;
  for (const auto& r : results) {
    if (r.name == "sqlite") baseline = &r;
  }
  std::printf("{\n  \"benchmark\": \"load\",\n  \"devices\": %d,\n  \"visits_per_sync\": %d,\n"
              "  \"rounds\": %d,\n  \"fields_per_visit\": %d,\n  \"pool_max_conns\": %d,\n"
              "  \"load\": \"%s\",\n  \"offered_visits_per_s\": %.0f,\n  \"cores\": %u,\n"
              "  \"setups\": [\n",
              o.devices, o.visits, o.rounds, 4 + kAnswersPerVisit, o.pool,
              o.rate > 0 ? "open loop" : "closed loop", o.rate,
              std::thread::hardware_concurrency());
  for (size_t i = 0; i < results.size(); ++i) {
    const SetupResult& r = results[i];
    std::printf("    {\"setup\": \"%s\", \"servers\": %d, \"seconds\": %.2f, \"visits\": %lld, "
                "\"visits_per_s\": %.0f, \"sync_p50_ms\": %.0f, \"sync_p99_ms\": %.0f, "
                "\"sync_max_ms\": %.0f, \"pulled_fields\": %lld, \"retried_calls\": %lld, "
                "\"errors\": %lld",
                r.name.c_str(), r.servers, r.seconds, static_cast<long long>(r.visits),
                r.visits_per_s, r.sync_p50_ms, r.sync_p99_ms, r.sync_max_ms,
                static_cast<long long>(r.pulled_fields), static_cast<long long>(r.retries),
                static_cast<long long>(r.errors));
    if (baseline) {
      std::printf(", \"throughput_vs_sqlite\": %.2f", r.visits_per_s / baseline->visits_per_s);
    }
    std::printf("}%s\n", i + 1 < results.size() ? "," : "");
  }
  std::printf("  ]\n}\n");
  return 0;
}
