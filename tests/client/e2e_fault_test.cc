// Fault tests with real processes: the device binary killed with SIGKILL in the middle of a
// push, and the server binary killed in the middle of a pull; after a restart and another
// sync nothing is lost and nothing is duplicated.
#include <chrono>
#include <random>
#include <thread>

#include "app/store/record_fields.h"
#include "e2e_fixture.h"

#ifndef HOMEVISIT_DEVICE_BIN
#error "HOMEVISIT_DEVICE_BIN must name the homevisit-device binary"
#endif
#ifndef HOMEVISIT_SERVER_BIN
#error "HOMEVISIT_SERVER_BIN must name the homevisit-server binary"
#endif

namespace homevisit::e2e {
namespace {

using namespace std::chrono_literals;
using store::FieldValues;

constexpr int kQuestions = 36;  // + student_id, household_id, status, author = 40 fields

FieldValues VisitFields(const Uuid& student, int i) {
  FieldValues f = {{"student_id", Value(student.ToString())},
                   {"status", Value("draft")},
                   {"author", Value("wang")},
                   {"household_id", Value("none")}};
  for (int q = 0; q < kQuestions; ++q) f["q" + std::to_string(q)] = Value(int64_t{i} * 100 + q);
  return f;
}

// Every visit of the snapshot, with its field count; checks each value is the one written.
void ExpectVisitsIntact(const std::map<std::string, std::string>& snapshot,
                        const std::vector<Uuid>& visits) {
  std::map<std::string, int> fields_per_record;
  for (const auto& [key, line] : snapshot) fields_per_record[key.substr(0, 36)]++;
  for (size_t i = 0; i < visits.size(); ++i) {
    const std::string id = visits[i].ToString();
    ASSERT_EQ(fields_per_record[id], kQuestions + 4) << "visit " << i << " is incomplete";
    const std::string q7 = snapshot.at(id + " q7");
    EXPECT_NE(q7.find(" " + std::to_string(int64_t(i) * 100 + 7) + " "), std::string::npos)
        << "visit " << i << " q7 holds " << q7;
  }
}

class FaultTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<ServerHarness>(dir_.file("server.db"));
    server_->Start();
    server_->SeedAccounts();
    student_ = server_->SeedRecord(store::type::kStudent, kSchool, {{"name", Value("李明")}});
  }

  // A device of `user` with `n` 40-field visits waiting in its outbox; returns their ids.
  std::vector<Uuid> PrepareDevice(const std::string& dir, const std::string& user, int n) {
    store::DeviceStore::Options bulk;
    bulk.durable_local_writes = false;
    Device d(dir, server_->address(), Device::Fast(), bulk);
    EXPECT_TRUE(d.Login(user).ok());
    EXPECT_TRUE(d.Sync().ok());
    std::vector<Uuid> ids;
    for (int i = 0; i < n; ++i) {
      auto id = d.store().Create(store::type::kVisit, kSchool, VisitFields(student_, i));
      EXPECT_TRUE(id.ok()) << id.status().ToString();
      if (id.ok()) ids.push_back(*id);
    }
    return ids;
  }

  TempDir dir_;
  std::unique_ptr<ServerHarness> server_;
  Uuid student_;
};

TEST_F(FaultTest, ADeviceKilledInTheMiddleOfAPushLosesNothingAndDuplicatesNothing) {
  const uint64_t seed = std::random_device{}();
  std::printf("seed %llu\n", static_cast<unsigned long long>(seed));
  std::mt19937_64 rng(seed);
  const std::string dir = dir_.file("wang");
  const std::vector<Uuid> visits = PrepareDevice(dir, "wang", 1000);  // 40,000 writes, 5 batches
  ASSERT_EQ(visits.size(), 1000u);

  int kills = 0;
  for (int round = 0; round < 2; ++round) {
    const uint64_t before = server_->storage().GetStats()->last_seq;
    // Kill once the server has applied somewhere between 1 and 800 more of the 1,000 visits
    // (a batch takes one change position per visit): after the batch that crosses that
    // point, with the rest still to send.
    const uint64_t kill_after = before + 1 + rng() % 800;
    ChildProcess device({HOMEVISIT_DEVICE_BIN, "--data", dir, "--server", server_->address(), "sync"},
                        dir_.file("device.log"));
    const auto give_up = std::chrono::steady_clock::now() + 60s;
    while (device.Running() && std::chrono::steady_clock::now() < give_up) {
      if (server_->storage().GetStats()->last_seq >= kill_after) {
        device.Kill(SIGKILL);
        break;
      }
      std::this_thread::sleep_for(1ms);
    }
    const int code = device.Wait();
    if (code == 128 + SIGKILL) ++kills;
    std::printf("round %d: device exit %d after the server reached seq %llu\n", round, code,
                static_cast<unsigned long long>(server_->storage().GetStats()->last_seq));
  }
  ASSERT_GE(kills, 1) << "the device finished before it could be killed:\n"
                      << ReadFileText(dir_.file("device.log"));

  Device d(dir, server_->address());
  auto r = d.Sync();
  ASSERT_TRUE(r.ok()) << r.error.detail;
  EXPECT_EQ(*d.reader().PendingCount(), 0);
  EXPECT_TRUE(d.reader().RejectedWrites(10)->empty());
  EXPECT_EQ(server_->storage().GetStats()->open_conflicts, 0) << "a resent write conflicted with itself";
  const auto on_server = server_->Snapshot(kSchool);
  ExpectVisitsIntact(on_server, visits);
  EXPECT_EQ(on_server.size(), visits.size() * (kQuestions + 4) + 1) << "duplicates or strays on the server";
  EXPECT_TRUE(on_server == d.Snapshot(kSchool));
  EXPECT_EQ(d.reader().Drafts("wang")->size(), visits.size());
}

TEST_F(FaultTest, AServerKilledInTheMiddleOfAPullIsRestartedAndTheDeviceResumesWithoutGapsOrDuplicates) {
  // Enough visits that the server cannot have handed the whole pull to the kernel's socket
  // buffers (which deliver it even after the kill) by the time the device has applied its
  // first batches: the pull is packed and compressed, so 1,000 visits are only ~100 KB.
  constexpr int kVisits = 3000;
  constexpr uint64_t kFields = uint64_t{kVisits} * (kQuestions + 4);
  const std::vector<Uuid> visits = PrepareDevice(dir_.file("wang"), "wang", kVisits);
  {
    Device wang(dir_.file("wang"), server_->address());
    ASSERT_TRUE(wang.Sync().ok());
  }
  const int port = server_->port();
  server_.reset();  // the real binary serves the same database from now on

  const std::string db = dir_.file("server.db");
  const std::string listen = "127.0.0.1:" + std::to_string(port);
  int starts = 0;
  auto start_server = [&] {
    const std::string log = dir_.file("server" + std::to_string(++starts) + ".log");
    auto child = std::make_unique<ChildProcess>(
        std::vector<std::string>{HOMEVISIT_SERVER_BIN, "serve", "--db", "sqlite:" + db, "--listen", listen},
        log);
    for (int i = 0; i < 500 && ReadFileText(log).find("listening") == std::string::npos; ++i) {
      std::this_thread::sleep_for(10ms);
    }
    EXPECT_NE(ReadFileText(log).find("listening"), std::string::npos) << ReadFileText(log);
    return child;
  };
  auto server = start_server();

  auto options = Device::Fast();
  options.pull_batch_fields = 500;
  Device li(dir_.file("li"), listen, options);
  ASSERT_TRUE(li.Login("li").ok());
  uint64_t killed_at = 0;
  auto cut = li.Sync([&](const sync::SyncProgress& p) {
    if (p.phase == sync::SyncPhase::kPull && p.done >= 1'000 && !killed_at) {
      server->Kill(SIGKILL);
      killed_at = p.done;
    }
  });
  server->Wait();
  ASSERT_GT(killed_at, 0u);
  EXPECT_EQ(cut.error.kind, sync::SyncErrorKind::kOffline) << cut.error.detail;
  const uint64_t cursor_at_cut = li.store().State()->cursor;
  EXPECT_GT(cursor_at_cut, 0u) << "what was pulled before the cut is kept";
  EXPECT_LT(cut.pulled, kFields);

  server = start_server();
  auto rest = li.Sync();
  ASSERT_TRUE(rest.ok()) << rest.error.detail;
  EXPECT_EQ(rest.repaired_scopes, 0u) << "the resumed pull must verify without a repair";
  EXPECT_LT(rest.pulled, kFields + 1 - cut.pulled + 500) << "the pull resumed from its cursor";

  auto storage = server::OpenStorage("sqlite:" + db);
  ASSERT_TRUE(storage.ok());
  const auto on_server = SnapshotOf(**storage, kSchool);
  const auto on_device = li.Snapshot(kSchool);
  EXPECT_EQ(on_device.size(), on_server.size());
  EXPECT_TRUE(on_device == on_server) << "the device's replica differs from the server's";
  ExpectVisitsIntact(on_device, visits);
  EXPECT_EQ(li.reader().Drafts("wang")->size(), visits.size()) << "no visit twice, none missing";
  server->Kill(SIGTERM);
  server->Wait();
}

}  // namespace
}  // namespace homevisit::e2e
