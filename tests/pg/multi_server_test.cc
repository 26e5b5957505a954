// Two homevisit-server processes on one PostgreSQL: eight devices push while two devices pull,
// each through a different process, all at the same time. Every puller must end with exactly
// the server's state, by the checksums a device compares at the end of a pull and field by
// field against the database; its cursor must only ever move forward. This is what
// commit-ordered change positions (sync-server/storage/postgres_storage.cc) guarantee; with
// positions taken at the start of a transaction, pullers here end up missing fields.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <random>
#include <thread>

#include "core/scope.h"
#include "sync-server/auth.h"
#include "tests/pg/pg_test_support.h"
#include "tests/pg/server_process.h"
#include "tests/server/server_harness.h"

namespace homevisit::server::testing {
namespace {

using namespace std::chrono_literals;

constexpr int kPushers = 8;
constexpr int kBatchesPerPusher = 50;
constexpr int kVisitsPerBatch = 5;
constexpr int kAnswersPerVisit = 8;  // plus status and author: 10 fields per visit
constexpr int kHouseholdsPerSchool = 3;
constexpr uint32_t kPullBatchFields = 200;
const std::vector<std::string> kSchools = {"qx/hs/s0", "qx/hs/s1", "qx/hs/s2", "qx/hs/s3"};
constexpr char kTownshipScope[] = "qx/hs";

std::unique_ptr<TestDevice> DeviceOn(const ServerProcess& server) {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(16 << 20);
  return std::make_unique<TestDevice>(
      grpc::CreateCustomChannel(server.address(), grpc::InsecureChannelCredentials(), args));
}

struct PusherResult {
  int64_t writes = 0;     // field writes the server applied or kept as conflicts
  int64_t conflicts = 0;
  int64_t resends = 0;    // batches sent again after UNAVAILABLE
  std::string error;
};

// Pushes kBatchesPerPusher batches of new visits plus an edit of a household that the other
// teachers of the school edit too (so conflict records are made while others pull).
void Push(TestDevice& device, const std::string& teacher, const std::string& school,
          const std::vector<Uuid>& households, uint64_t seed, PusherResult& out) {
  std::mt19937_64 rng(seed);
  std::map<Uuid, Stamp> last_written;
  for (int b = 1; b <= kBatchesPerPusher; ++b) {
    // Devices do not push back to back; the pause also lets the pullers catch up with the
    // newest commits, where a late commit could be skipped.
    std::this_thread::sleep_for(std::chrono::milliseconds(rng() % 25));
    v1::PushRequest request;
    request.set_batch_seq(static_cast<uint64_t>(b));
    int writes = 0;
    for (int v = 0; v < kVisitsPerBatch; ++v) {
      auto* visit = AddRecord(request, NewRecordId(), "visit", school);
      AddField(visit, "status", Value("draft"), device.NextHlc());
      AddField(visit, "author", Value(teacher), device.NextHlc());
      for (int q = 0; q < kAnswersPerVisit; ++q) {
        AddField(visit, "q" + std::to_string(q), Value("answer " + std::to_string(b * 100 + q)),
                 device.NextHlc());
      }
      writes += 2 + kAnswersPerVisit;
    }
    const Uuid& household = households[static_cast<size_t>(b) % households.size()];
    auto* edit = AddRecord(request, household, "household", school);
    const uint64_t hlc = device.NextHlc();
    auto base = last_written.count(household) ? std::optional<Stamp>(last_written[household])
                                              : std::nullopt;
    AddField(edit, "phone", Value(teacher + "-" + std::to_string(b)), hlc, base);
    last_written[household] = Stamp{hlc, device.node()};
    ++writes;

    v1::PushResponse response;
    for (int attempt = 0;; ++attempt) {
      response.Clear();
      grpc::Status status = device.Push(request, &response);
      if (status.ok()) break;
      // A deadlock between two batches aborts one: the device resends it, as the app does.
      if ((status.error_code() != grpc::StatusCode::UNAVAILABLE &&
           status.error_code() != grpc::StatusCode::DEADLINE_EXCEEDED) ||
          attempt == 20) {
        out.error = teacher + " batch " + std::to_string(b) + ": " + Describe(status);
        return;
      }
      ++out.resends;
      std::this_thread::sleep_for(std::chrono::milliseconds(20 * (attempt + 1)));
    }
    for (const auto& o : response.outcomes()) {
      if (o.status() == v1::WRITE_REJECTED) {
        out.error = teacher + " batch " + std::to_string(b) + ": a write was rejected: " +
                    o.reason();
        return;
      }
      if (o.status() == v1::WRITE_CONFLICT) ++out.conflicts;
    }
    if (response.applied_count() + static_cast<uint32_t>(response.outcomes_size()) !=
        static_cast<uint32_t>(writes)) {
      out.error = teacher + " batch " + std::to_string(b) + ": not every write was answered";
      return;
    }
    out.writes += writes;
  }
}

struct PullerResult {
  int64_t pulls = 0;
  int64_t cut = 0;  // pulls broken off mid-stream, as by a lost connection
  int64_t batches = 0;
  std::vector<v1::ScopeChecksum> last_checksums;
  std::string error;
};

// A coordinator's device following the township's changes. It applies each batch and keeps
// its cursor (the harness's Replica), and while writers are busy it breaks most pulls off
// after a few batches, so it keeps resuming from a stored cursor the way a device on a bad
// network does.
class Puller {
 public:
  Puller(const ServerProcess& server, const std::string& token, uint64_t seed)
      : stub_(v1::Sync::NewStub(
            grpc::CreateChannel(server.address(), grpc::InsecureChannelCredentials()))),
        token_(token),
        rng_(seed) {}

  // One pull; with `cut` set, it stops reading after 1 to 8 batches. False on a failure
  // that ends the test (recorded in out.error).
  bool PullOnce(bool cut, PullerResult& out) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + 60s);
    context.AddMetadata("authorization", "Bearer " + ToHex(token_));
    v1::PullRequest request;
    request.set_cursor(replica_.cursor);
    request.set_max_batch_fields(kPullBatchFields);
    auto reader = stub_->Pull(&context, request);
    const int stop_after = cut ? 1 + static_cast<int>(rng_() % 8) : -1;
    int batches = 0;
    bool ended = false;
    v1::PullResponse response;
    while (reader->Read(&response)) {
      if (response.has_batch()) {
        if (response.batch().cursor() <= replica_.cursor) {
          out.error = "the cursor went from " + std::to_string(replica_.cursor) + " to " +
                      std::to_string(response.batch().cursor());
          context.TryCancel();
          return false;
        }
        replica_.Apply(response.batch());
        ++out.batches;
        if (++batches == stop_after) {
          context.TryCancel();
          break;
        }
      }
      if (response.has_end()) {
        replica_.cursor = response.end().cursor();
        out.last_checksums.assign(response.end().checksums().begin(),
                                  response.end().checksums().end());
        ended = true;
      }
    }
    while (reader->Read(&response)) {
    }
    grpc::Status status = reader->Finish();
    ++out.pulls;
    if (ended) return true;
    ++out.cut;
    const grpc::StatusCode code = status.error_code();
    if (status.ok() || code == grpc::StatusCode::CANCELLED ||
        code == grpc::StatusCode::UNAVAILABLE) {
      return true;  // resumed from the stored cursor next time
    }
    out.error = "pull failed: " + Describe(status);
    return false;
  }

  const Replica& replica() const { return replica_; }

 private:
  std::unique_ptr<v1::Sync::Stub> stub_;
  std::string token_;
  std::mt19937_64 rng_;
  Replica replica_;
};

class MultiServerTest : public PostgresTest {};

TEST_F(MultiServerTest, PullersOnTwoServersEndWithExactlyTheStateEightPushersWrote) {
  auto storage = OpenMigrated();
  ASSERT_TRUE(storage);
  ASSERT_TRUE(storage->AddScope({"qx", "清溪县"}).ok());
  ASSERT_TRUE(storage->AddScope({kTownshipScope, "花山镇"}).ok());
  for (const auto& s : kSchools) ASSERT_TRUE(storage->AddScope({s, s}).ok());
  ASSERT_TRUE(InitCrypto().ok());
  auto hash = HashPassword(kPassword, PasswordCost::kMinimum);
  ASSERT_TRUE(hash.ok());
  auto add_user = [&](const std::string& name, Role role, const std::string& scope) {
    User u;
    u.name = u.display_name = name;
    u.role = role;
    u.password_hash = *hash;
    u.scopes = {scope};
    ASSERT_TRUE(storage->AddUser(u).ok());
  };
  for (int i = 0; i < kPushers; ++i) {
    add_user("teacher" + std::to_string(i), Role::kTeacher, kSchools[i % kSchools.size()]);
  }
  add_user("coordinator", Role::kCoordinator, kTownshipScope);

  std::unique_ptr<ServerProcess> servers[2];
  for (auto& server : servers) {
    auto started = ServerProcess::Start(HOMEVISIT_SERVER_BINARY, conninfo_);
    ASSERT_TRUE(started.ok()) << started.status().ToString();
    server = std::move(started).value();
  }

  std::map<std::string, std::vector<Uuid>> households;
  for (const auto& s : kSchools) {
    for (int h = 0; h < kHouseholdsPerSchool; ++h) households[s].push_back(NewRecordId());
  }
  std::vector<std::unique_ptr<TestDevice>> pushers;
  std::vector<std::unique_ptr<Puller>> pullers;
  for (int i = 0; i < kPushers; ++i) {
    pushers.push_back(DeviceOn(*servers[i % 2]));
    ASSERT_TRUE(pushers.back()->Login("teacher" + std::to_string(i)).ok());
  }
  const uint64_t seed = TestSeed();
  for (int i = 0; i < 2; ++i) {
    auto device = DeviceOn(*servers[i]);
    ASSERT_TRUE(device->Login("coordinator").ok());
    pullers.push_back(std::make_unique<Puller>(*servers[i], device->token(), seed + i));
  }

  std::atomic<int> pushing{kPushers};
  std::vector<PusherResult> pushed(kPushers);
  std::vector<PullerResult> pulled(2);
  std::vector<std::thread> threads;
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < kPushers; ++i) {
    threads.emplace_back([&, i] {
      const std::string school = kSchools[i % kSchools.size()];
      Push(*pushers[i], "teacher" + std::to_string(i), school, households[school], seed + 10 + i,
           pushed[i]);
      --pushing;
    });
  }
  for (int i = 0; i < 2; ++i) {
    threads.emplace_back([&, i] {
      while (pushing.load() > 0) {
        if (!pullers[i]->PullOnce(/*cut=*/true, pulled[i])) return;
      }
      // Everything is committed now: one more whole pull must bring the rest.
      pullers[i]->PullOnce(/*cut=*/false, pulled[i]);
    });
  }
  for (auto& t : threads) t.join();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  int64_t writes = 0, conflicts = 0, resends = 0;
  for (const auto& p : pushed) {
    EXPECT_EQ(p.error, "");
    writes += p.writes;
    conflicts += p.conflicts;
    resends += p.resends;
  }
  std::printf("%lld field writes (%lld kept as conflicts, %lld batches resent) in %.1f s\n",
              static_cast<long long>(writes), static_cast<long long>(conflicts),
              static_cast<long long>(resends), seconds);
  for (int i = 0; i < 2; ++i) {
    std::printf("puller %d: %lld pulls (%lld cut off mid-stream), %lld batches\n", i,
                static_cast<long long>(pulled[i].pulls), static_cast<long long>(pulled[i].cut),
                static_cast<long long>(pulled[i].batches));
  }
  ASSERT_GE(writes, 20000);
  EXPECT_GT(conflicts, 0) << "the shared households should have produced conflicts";

  // The server's state, read straight from the database.
  std::map<Uuid, Record> server_state;
  for (const std::string type : {"visit", "household", "conflict"}) {
    auto records = storage->ListRecords(type, kTownshipScope, 1000000);
    ASSERT_TRUE(records.ok()) << records.status().ToString();
    for (auto& r : *records) server_state[r.id] = std::move(r);
  }
  // The default form, published by the servers at their start: every device pulls it too.
  auto forms = storage->ListRecords("form", kGlobalScope, 100);
  ASSERT_TRUE(forms.ok()) << forms.status().ToString();
  EXPECT_EQ(forms->size(), 1u) << "two servers starting at once publish the default form once";
  for (auto& r : *forms) server_state[r.id] = std::move(r);
  auto server_sum = storage->ChecksumOf(kTownshipScope);
  ASSERT_TRUE(server_sum.ok());
  for (int i = 0; i < 2; ++i) {
    SCOPED_TRACE("puller on server " + std::to_string(i));
    ASSERT_EQ(pulled[i].error, "");
    const Replica& replica = pullers[i]->replica();
    EXPECT_GT(pulled[i].cut, 0) << "the pullers should have resumed from stored cursors";
    // What the device itself checks: the checksums at the end of its last pull.
    // Its scope and the global one (published forms), in path order.
    ASSERT_EQ(pulled[i].last_checksums.size(), 2u);
    EXPECT_EQ(pulled[i].last_checksums[0].scope(), kGlobalScope);
    EXPECT_EQ(pulled[i].last_checksums[0].checksum(), replica.Checksum(kGlobalScope).sum);
    EXPECT_EQ(pulled[i].last_checksums[1].scope(), kTownshipScope);
    EXPECT_EQ(pulled[i].last_checksums[1].checksum(), replica.Checksum(kTownshipScope).sum);
    EXPECT_EQ(pulled[i].last_checksums[1].field_count(), replica.Checksum(kTownshipScope).count);
    EXPECT_EQ(replica.Checksum(kTownshipScope), *server_sum);
    // And field by field.
    EXPECT_EQ(replica.records.size(), server_state.size());
    int shown = 0;
    for (const auto& [id, record] : server_state) {
      const Record* mine = replica.Find(id);
      if ((!mine || !(*mine == record)) && shown++ < 3) {
        ADD_FAILURE() << "record " << id.ToString() << " differs at the puller:\nserver:\n"
                      << record.DebugString() << "puller:\n"
                      << (mine ? mine->DebugString() : "(missing)\n");
      }
    }
  }
  for (auto& server : servers) {
    EXPECT_TRUE(server->Stop()) << "the server did not stop cleanly:\n" << server->LogTail();
  }
}

}  // namespace
}  // namespace homevisit::server::testing
