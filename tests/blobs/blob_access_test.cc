// Attachments with the real access rules, end to end: the real sync server (Login, Push) and
// the Blobs service with StorageBlobAccess over the same database, on every storage backend.
// A device pushes its visit first, then uploads the photo the visit references.
#include "sync-server/blob_access.h"

#include <filesystem>
#include <thread>

#include "app/sync/blob_uploader.h"
#include "blob_test_env.h"
#include "sync-server/auth.h"
#include "tests/server/server_harness.h"

namespace homevisit::server::testing {
namespace {

using homevisit::testing::BlobFiles;
using homevisit::testing::LoopbackChannel;
using homevisit::testing::RandomBytes;
using homevisit::testing::TestTransferOptions;
using sync::BlobUploader;
using sync::Sha256Of;

class BlobAccessTest : public ServerTest {
 protected:
  void SetUp() override {
    ServerTest::SetUp();
    static int n = 0;
    dir_ = TestTempDir() + "/blobs-" + std::to_string(++n);
    auto serving = OpenBlobServing(*storage_, {dir_});
    ASSERT_TRUE(serving.ok()) << serving.status().ToString();
    blobs_ = std::move(serving).value();
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
    builder.RegisterService(blobs_.service.get());
    blob_server_ = builder.BuildAndStart();
    ASSERT_TRUE(blob_server_ != nullptr);
  }
  void TearDown() override {
    if (blob_server_) blob_server_->Shutdown(std::chrono::system_clock::now());
    ServerTest::TearDown();
  }

  // Pushes a visit of `scope` whose survey answer "house_photo" is the photo; returns its id.
  Uuid PushVisitWithPhoto(TestDevice& device, const std::string& scope, const std::string& sha) {
    v1::PushRequest push;
    push.set_batch_seq(++batch_seq_);
    const Uuid id = NewRecordId();
    auto* visit = AddRecord(push, id, "visit", scope);
    AddField(visit, "house_photo", Value(BlobRef{sha}), device.NextHlc());
    v1::PushResponse response;
    grpc::Status s = device.Push(push, &response);
    EXPECT_TRUE(s.ok()) << Describe(s);
    EXPECT_EQ(response.outcomes_size(), 0) << "the visit was not simply applied";
    return id;
  }

  BlobUploader Uploader(const TestDevice& device) {
    return BlobUploader(v1::Blobs::NewStub(LoopbackChannel(static_cast<uint16_t>(port_))),
                        TestTransferOptions(ToHex(device.token())));
  }

  static std::string Bytes(const Uuid& id) { return std::string(id.AsBytes()); }

  std::string dir_;
  BlobServing blobs_;
  std::unique_ptr<grpc::Server> blob_server_;
  int port_ = 0;
  uint64_t batch_seq_ = 0;
};

TEST_P(BlobAccessTest, ATeacherUploadsThePhotoOfHerVisitAndTheCoordinatorReadsIt) {
  auto teacher = LoggedIn("teacher_a");
  const std::string photo = RandomBytes(120'000, 31);
  const std::string sha = Sha256Of(photo);
  const Uuid visit = PushVisitWithPhoto(*teacher, kSchoolA, sha);  // records first
  auto up = Uploader(*teacher).Upload(sha, Bytes(visit), photo);   // then the blob
  ASSERT_TRUE(up.ok()) << up.status().ToString();

  auto coordinator = LoggedIn("coordinator");
  const std::string path = dir_ + "/coordinator.jpg";
  auto down = Uploader(*coordinator).Download(sha, Bytes(visit), path);
  ASSERT_TRUE(down.ok()) << down.status().ToString();
  EXPECT_EQ(std::filesystem::file_size(path), photo.size());
}

TEST_P(BlobAccessTest, ATeacherOfAnotherSchoolIsDenied) {
  auto teacher = LoggedIn("teacher_a");
  const std::string photo = RandomBytes(5'000, 32);
  const std::string sha = Sha256Of(photo);
  const Uuid visit = PushVisitWithPhoto(*teacher, kSchoolA, sha);
  ASSERT_TRUE(Uploader(*teacher).Upload(sha, Bytes(visit), photo).ok());

  auto other = LoggedIn("teacher_b");
  auto down = Uploader(*other).Download(sha, Bytes(visit), dir_ + "/b.jpg");
  EXPECT_EQ(down.status().code(), StatusCode::kPermissionDenied) << down.status().ToString();
  auto up = Uploader(*other).Upload(sha, Bytes(visit), photo);
  EXPECT_EQ(up.status().code(), StatusCode::kPermissionDenied);
}

TEST_P(BlobAccessTest, NamingARecordThatDoesNotReferenceTheBlobGrantsNothing) {
  auto teacher = LoggedIn("teacher_a");
  const std::string mine = RandomBytes(5'000, 33);
  const Uuid my_visit = PushVisitWithPhoto(*teacher, kSchoolA, Sha256Of(mine));
  // Teacher B's photo, which teacher A tries to reach through her own visit.
  auto other = LoggedIn("teacher_b");
  const std::string theirs = RandomBytes(5'000, 34);
  const Uuid their_visit = PushVisitWithPhoto(*other, kSchoolB, Sha256Of(theirs));
  ASSERT_TRUE(Uploader(*other).Upload(Sha256Of(theirs), Bytes(their_visit), theirs).ok());

  auto down = Uploader(*teacher).Download(Sha256Of(theirs), Bytes(my_visit), dir_ + "/x.jpg");
  EXPECT_EQ(down.status().code(), StatusCode::kPermissionDenied);
  auto unknown = Uploader(*teacher).Download(Sha256Of(theirs), Bytes(NewRecordId()), dir_ + "/y");
  EXPECT_EQ(unknown.status().code(), StatusCode::kPermissionDenied);
}

TEST_P(BlobAccessTest, APhotoInARepeatGroupRowIsReachableThroughItsRecord) {
  auto teacher = LoggedIn("teacher_a");
  const std::string photo = RandomBytes(8'000, 35);
  const std::string sha = Sha256Of(photo);
  v1::PushRequest push;
  push.set_batch_seq(++batch_seq_);
  const Uuid household = NewRecordId();
  Row member;
  member.Set("name", "王芳").Set("disability_certificate", Value(BlobRef{sha}));
  AddField(AddRecord(push, household, "household", kSchoolA), "members", Value(Rows{{member}}),
           teacher->NextHlc());
  v1::PushResponse response;
  ASSERT_TRUE(teacher->Push(push, &response).ok());
  auto up = Uploader(*teacher).Upload(sha, Bytes(household), photo);
  EXPECT_TRUE(up.ok()) << up.status().ToString();
}

TEST_P(BlobAccessTest, ADeletedVisitGrantsNothing) {
  auto teacher = LoggedIn("teacher_a");
  const std::string photo = RandomBytes(5'000, 36);
  const std::string sha = Sha256Of(photo);
  const Uuid visit = PushVisitWithPhoto(*teacher, kSchoolA, sha);
  ASSERT_TRUE(Uploader(*teacher).Upload(sha, Bytes(visit), photo).ok());
  v1::PushRequest push;
  push.set_batch_seq(++batch_seq_);
  AddField(AddRecord(push, visit, "visit", kSchoolA), "_deleted", Value(true), teacher->NextHlc());
  v1::PushResponse response;
  ASSERT_TRUE(teacher->Push(push, &response).ok());
  auto down = Uploader(*teacher).Download(sha, Bytes(visit), dir_ + "/deleted.jpg");
  EXPECT_EQ(down.status().code(), StatusCode::kPermissionDenied);
}

TEST_P(BlobAccessTest, RevokedDevicesDisabledUsersAndForgedTokensAreUnauthenticated) {
  auto teacher = LoggedIn("teacher_a");
  const std::string photo = RandomBytes(5'000, 37);
  const std::string sha = Sha256Of(photo);
  const Uuid visit = PushVisitWithPhoto(*teacher, kSchoolA, sha);
  ASSERT_TRUE(Uploader(*teacher).Upload(sha, Bytes(visit), photo).ok());

  TestDevice forged(LoopbackChannel(static_cast<uint16_t>(port_)));
  forged.set_token(std::string(32, '\x42'));
  auto r = Uploader(forged).Download(sha, Bytes(visit), dir_ + "/forged");
  EXPECT_EQ(r.status().code(), StatusCode::kUnauthenticated);

  auto colleague = LoggedIn("teacher_a2");
  ASSERT_TRUE(storage_->SetUserDisabled("teacher_a2", true).ok());
  r = Uploader(*colleague).Download(sha, Bytes(visit), dir_ + "/disabled");
  EXPECT_EQ(r.status().code(), StatusCode::kUnauthenticated);

  ASSERT_TRUE(storage_->RevokeDevice(teacher->device_id()).ok());
  r = Uploader(*teacher).Download(sha, Bytes(visit), dir_ + "/revoked");
  EXPECT_EQ(r.status().code(), StatusCode::kUnauthenticated);
  EXPECT_NE(r.status().message().find("revoked"), std::string::npos) << r.status().message();
}

TEST_P(BlobAccessTest, UnreferencedBlobsAreCollectedAndReferencedOnesKept) {
  auto teacher = LoggedIn("teacher_a");
  const std::string kept = RandomBytes(6'000, 38);
  const std::string replaced = RandomBytes(6'000, 39);
  const Uuid visit = PushVisitWithPhoto(*teacher, kSchoolA, Sha256Of(replaced));
  ASSERT_TRUE(Uploader(*teacher).Upload(Sha256Of(replaced), Bytes(visit), replaced).ok());
  // The teacher retakes the photo: the visit now references `kept` only.
  v1::PushRequest push;
  push.set_batch_seq(++batch_seq_);
  auto* write = AddRecord(push, visit, "visit", kSchoolA);
  auto record = storage_->GetRecord(visit);
  ASSERT_TRUE(record.ok() && *record);
  AddField(write, "house_photo", Value(BlobRef{Sha256Of(kept)}), teacher->NextHlc(),
           (*record)->Find("house_photo")->stamp);
  v1::PushResponse response;
  ASSERT_TRUE(teacher->Push(push, &response).ok());
  ASSERT_EQ(response.outcomes_size(), 0);
  ASSERT_TRUE(Uploader(*teacher).Upload(Sha256Of(kept), Bytes(visit), kept).ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(5));

  auto listed = CollectUnreferencedBlobs(*storage_, *blobs_.store, /*min_age_ms=*/0, /*dry_run=*/true);
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].sha256, Sha256Of(replaced));
  EXPECT_TRUE(blobs_.store->State(Sha256Of(replaced))->complete) << "a dry run removes nothing";

  auto young = CollectUnreferencedBlobs(*storage_, *blobs_.store, /*min_age_ms=*/3'600'000, false);
  ASSERT_TRUE(young.ok());
  EXPECT_TRUE(young->empty()) << "a blob written within the minimum age is kept";

  auto removed = CollectUnreferencedBlobs(*storage_, *blobs_.store, /*min_age_ms=*/0, false);
  ASSERT_TRUE(removed.ok());
  EXPECT_EQ(removed->size(), 1u);
  EXPECT_FALSE(blobs_.store->State(Sha256Of(replaced))->complete);
  EXPECT_TRUE(blobs_.store->State(Sha256Of(kept))->complete);
}

INSTANTIATE_TEST_SUITE_P(Backends, BlobAccessTest, ::testing::ValuesIn(AvailableBackends()),
                         BackendName());

}  // namespace
}  // namespace homevisit::server::testing
