// Attachments through the real sync client: a teacher's photo reaches the server after its
// record and a coordinator in scope; a teacher of another school is refused; an upload cut
// by the link resumes at the next sync from the server's offset; the records go through
// when the attachment cannot; prefetching follows the setting.
#include <grpcpp/create_channel.h>

#include <atomic>
#include <cstdio>
#include <thread>

#include "bench/faultproxy/fault_proxy.h"
#include "blob_e2e.h"

namespace homevisit::e2e {
namespace {

using sync::SyncErrorKind;

std::string TokenHex(Device& d) {
  auto state = d.store().State();
  EXPECT_TRUE(state.ok());
  std::string hex;
  static constexpr char kDigits[] = "0123456789abcdef";
  for (unsigned char c : state->login.token) hex += {kDigits[c >> 4], kDigits[c & 15]};
  return hex;
}

std::unique_ptr<faultproxy::FaultProxy> ProxyTo(int port, faultproxy::LinkProfile link = {}) {
  faultproxy::ProxyOptions options;
  options.target_port = static_cast<uint16_t>(port);
  options.link = link;
  auto proxy = faultproxy::FaultProxy::Start(options);
  EXPECT_TRUE(proxy.ok()) << proxy.status().ToString();
  return proxy.ok() ? std::move(proxy).value() : nullptr;
}

std::string Through(const faultproxy::FaultProxy& proxy) {
  return "127.0.0.1:" + std::to_string(proxy.port());
}

TEST_F(AttachmentTest, PhotoReachesServerAndCoordinatorInScopeButNotAnotherSchool) {
  auto wang = Enrol("wang");
  auto zhao = Enrol("zhao");
  auto sun = Enrol("sun");
  const Uuid visit = NewVisit(*wang, "wang");
  const std::string photo = PhotoBytes(300'000, 1);
  const std::string sha = Attach(*wang, visit, photo);

  std::vector<sync::SyncProgress> phases;
  auto sent = wang->Sync([&](const sync::SyncProgress& p) { phases.push_back(p); });
  ASSERT_TRUE(sent.ok()) << sent.error.detail;
  EXPECT_EQ(sent.blobs_sent, 1u);
  EXPECT_EQ(sent.blob_bytes_sent, photo.size());
  EXPECT_EQ(ReadBytes(CompletePath(sha)), photo) << "the server does not hold the photo whole";
  // Records first, then the photo, with its bytes as progress.
  size_t push_at = phases.size(), blobs_at = phases.size();
  for (size_t i = 0; i < phases.size(); ++i) {
    if (phases[i].phase == sync::SyncPhase::kPush && push_at == phases.size()) push_at = i;
    if (phases[i].phase == sync::SyncPhase::kBlobs) blobs_at = i;
  }
  ASSERT_LT(blobs_at, phases.size()) << "no blobs phase reported";
  EXPECT_LT(push_at, blobs_at);
  EXPECT_EQ(phases[blobs_at].done, photo.size());
  EXPECT_EQ(phases[blobs_at].total, photo.size());
  // The next sync has nothing more to send.
  auto again = wang->Sync();
  ASSERT_TRUE(again.ok()) << again.error.detail;
  EXPECT_EQ(again.blobs_sent, 0u);

  // The coordinator of the school sees the visit and fetches the photo on demand.
  ASSERT_TRUE(zhao->Sync().ok());
  std::string path;
  auto fetched = zhao->client().FetchBlob(sha, &path);
  ASSERT_TRUE(fetched.ok()) << fetched.error.detail;
  EXPECT_EQ(ReadBytes(path), photo);
  EXPECT_EQ(path, zhao->store().BlobPath(sha));

  // A teacher of another school has no such record, and the server refuses her directly.
  std::string sun_path;
  auto local = sun->client().FetchBlob(sha, &sun_path);
  EXPECT_FALSE(local.ok());
  sync::BlobTransferOptions options = Options().blob_transfer;
  options.bearer_token_hex = TokenHex(*sun);
  sync::BlobUploader direct(
      v1::Blobs::NewStub(grpc::CreateChannel(server_->address(), grpc::InsecureChannelCredentials())),
      options);
  auto denied = direct.Download(sha, std::string(visit.AsBytes()), dir_.file("sun_copy"));
  ASSERT_FALSE(denied.ok());
  EXPECT_EQ(denied.status().code(), StatusCode::kPermissionDenied) << denied.status().ToString();
  EXPECT_FALSE(std::filesystem::exists(dir_.file("sun_copy")));
}

TEST_F(AttachmentTest, PhotoThatTheAppFormWroteIsUploadedToo) {
  // The app's form keeps the downscaled photo in the attachment directory and writes the
  // field itself (app/ui/device_data.cc); the sync finds it through the outbox.
  auto wang = Enrol("wang");
  const Uuid visit = NewVisit(*wang, "wang");
  const std::string photo = PhotoBytes(30'000, 7);
  const std::string sha = sync::Sha256Of(photo);
  std::filesystem::create_directories(wang->store().BlobDir());
  std::ofstream(wang->store().BlobPath(sha), std::ios::binary) << photo;
  ASSERT_TRUE(wang->store().Set(visit, {{"photo_family", Value(BlobRef{sha})}}).ok());
  auto report = wang->Sync();
  ASSERT_TRUE(report.ok()) << report.error.detail;
  EXPECT_EQ(report.blobs_sent, 1u);
  EXPECT_EQ(ReadBytes(CompletePath(sha)), photo);
}

TEST_F(AttachmentTest, UploadCutMidwayResumesFromServerOffsetAtNextSync) {
  // The link: 300 KB/s up; it goes away for good once 120 KB of this sync crossed it.
  faultproxy::LinkProfile slow;
  slow.up_bytes_per_s = 300'000;
  auto proxy = ProxyTo(server_->port(), slow);
  ASSERT_NE(proxy, nullptr);
  auto wang = Enrol("wang", Through(*proxy));
  const Uuid visit = NewVisit(*wang, "wang");
  const std::string photo = PhotoBytes(400'000, 2);
  const std::string sha = Attach(*wang, visit, photo);

  const uint64_t base = proxy->counters().bytes_up;
  std::atomic<bool> done{false};
  std::thread cutter([&] {
    while (!done && proxy->counters().bytes_up < base + 120'000) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    proxy->Stop();  // the phone left the coverage area
  });
  auto cut = wang->Sync();
  done = true;
  cutter.join();
  EXPECT_FALSE(cut.ok());
  EXPECT_EQ(cut.blob_error.kind, SyncErrorKind::kOffline) << cut.blob_error.detail;
  EXPECT_EQ(cut.blobs_sent, 0u);
  // The record went first and is on the server.
  auto record = server_->storage().GetRecord(visit);
  ASSERT_TRUE(record.ok() && *record);
  ASSERT_NE((*record)->Find("photo_house"), nullptr);
  // The server kept what arrived.
  std::error_code ec;
  const uint64_t held = std::filesystem::file_size(PartialPath(sha), ec);
  ASSERT_FALSE(ec) << "no partial upload on the server";
  ASSERT_GT(held, 0u);
  ASSERT_LT(held, photo.size());

  // Back in coverage: the same device (same data) syncs over a clean link.
  wang.reset();
  auto clean = ProxyTo(server_->port());
  ASSERT_NE(clean, nullptr);
  wang = std::make_unique<Device>(DeviceDir("wang"), Through(*clean), Options());
  auto resumed = wang->Sync();
  ASSERT_TRUE(resumed.ok()) << resumed.error.detail;
  EXPECT_EQ(resumed.blobs_sent, 1u);
  EXPECT_EQ(resumed.blob_bytes_sent, photo.size() - held)
      << "the device must send exactly what the server lacked";
  const uint32_t chunk = Options().blob_transfer.chunk_bytes;
  std::printf("server held %llu of %llu bytes after the cut; the next sync sent %llu blob bytes, "
              "%llu bytes up in all\n",
              static_cast<unsigned long long>(held), static_cast<unsigned long long>(photo.size()),
              static_cast<unsigned long long>(resumed.blob_bytes_sent),
              static_cast<unsigned long long>(clean->counters().bytes_up));
  // What crossed the link: the rest, plus protocol framing, headers and the pull (a few KB),
  // never the part the server acknowledged.
  EXPECT_LT(clean->counters().bytes_up, photo.size() - held + chunk)
      << "held " << held << " of " << photo.size();
  EXPECT_EQ(ReadBytes(CompletePath(sha)), photo);
  EXPECT_FALSE(std::filesystem::exists(PartialPath(sha)));
}

TEST_F(AttachmentTest, RecordsArePushedWhenTheServerGoesAwayBeforeTheAttachment) {
  auto proxy = ProxyTo(server_->port());
  ASSERT_NE(proxy, nullptr);
  auto wang = Enrol("wang", Through(*proxy));
  const Uuid visit = NewVisit(*wang, "wang");
  ASSERT_TRUE(wang->store().Set(visit, {{"housing", Value("砖混")}}).ok());
  const std::string photo = PhotoBytes(50'000, 3);
  const std::string sha = Attach(*wang, visit, photo);

  auto report = wang->Sync([&](const sync::SyncProgress& p) {
    if (p.phase == sync::SyncPhase::kBlobs && p.done == 0) proxy->Stop();
  });
  EXPECT_FALSE(report.ok());
  EXPECT_EQ(report.blob_error.kind, SyncErrorKind::kOffline) << report.blob_error.detail;
  EXPECT_GE(report.pushed, 2u);
  auto record = server_->storage().GetRecord(visit);
  ASSERT_TRUE(record.ok() && *record) << "the visit did not reach the server";
  const FieldVersion* housing = (*record)->Find("housing");
  ASSERT_NE(housing, nullptr);
  EXPECT_EQ(housing->value, Value("砖混"));
  const FieldVersion* photo_ref = (*record)->Find("photo_house");
  ASSERT_NE(photo_ref, nullptr);
  EXPECT_EQ(photo_ref->value, Value(BlobRef{sha}));
  EXPECT_FALSE(std::filesystem::exists(CompletePath(sha)));
  auto waiting = wang->store().BlobsToUpload();
  ASSERT_TRUE(waiting.ok());
  ASSERT_EQ(waiting->size(), 1u) << "the photo must stay queued for the next sync";

  wang.reset();
  wang = std::make_unique<Device>(DeviceDir("wang"), server_->address(), Options());
  auto later = wang->Sync();
  ASSERT_TRUE(later.ok()) << later.error.detail;
  EXPECT_EQ(later.blobs_sent, 1u);
  EXPECT_EQ(ReadBytes(CompletePath(sha)), photo);
  EXPECT_EQ(*wang->reader().PendingCount(), 0);
}

class SmallBlobLimitTest : public AttachmentTest {
 protected:
  SmallBlobLimitTest() { max_blob_bytes_ = 64 * 1024; }
};

TEST_F(SmallBlobLimitTest, OversizedAttachmentIsRefusedClearlyAndThePullStillRuns) {
  auto wang = Enrol("wang");
  auto li = Enrol("li");
  const Uuid visit = NewVisit(*li, "li");
  ASSERT_TRUE(li->Sync().ok());  // something for wang to pull
  const Uuid own = NewVisit(*wang, "wang");
  const std::string sha = Attach(*wang, own, PhotoBytes(100'000, 4));

  auto report = wang->Sync();
  EXPECT_EQ(report.error.kind, SyncErrorKind::kRejected) << report.error.detail;
  EXPECT_EQ(report.blob_error.kind, SyncErrorKind::kRejected);
  EXPECT_NE(report.blob_error.detail.find("65536"), std::string::npos) << report.blob_error.detail;
  EXPECT_FALSE(std::filesystem::exists(CompletePath(sha)));
  EXPECT_FALSE(std::filesystem::exists(PartialPath(sha))) << "nothing of it may be stored";
  // The pull ran: li's visit arrived, and wang's own visit is confirmed.
  auto pulled = wang->reader().Get(visit);
  ASSERT_TRUE(pulled.ok());
  EXPECT_TRUE(pulled->has_value()) << "the refused photo blocked the pull";
  EXPECT_EQ(*wang->reader().PendingCount(), 0);
}

TEST_F(AttachmentTest, PrefetchSettingFetchesAttachmentsOfPulledRecords) {
  auto wang = Enrol("wang");
  auto zhao = Enrol("zhao");
  const Uuid visit = NewVisit(*wang, "wang");
  const std::string photo = PhotoBytes(80'000, 5);
  const std::string sha = Attach(*wang, visit, photo);
  ASSERT_TRUE(wang->Sync().ok());

  auto off = zhao->Sync();  // prefetch_blobs is off by default
  ASSERT_TRUE(off.ok()) << off.error.detail;
  EXPECT_EQ(off.blobs_fetched, 0u);
  EXPECT_FALSE(std::filesystem::exists(zhao->store().BlobPath(sha)));

  ASSERT_TRUE(zhao->store().SetSetting(sync::kPrefetchBlobsSetting, "on").ok());
  auto on = zhao->Sync();
  ASSERT_TRUE(on.ok()) << on.error.detail;
  EXPECT_EQ(on.blobs_fetched, 1u);
  EXPECT_EQ(ReadBytes(zhao->store().BlobPath(sha)), photo);
  auto again = zhao->Sync();
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again.blobs_fetched, 0u) << "a held attachment is fetched again";
}

TEST_F(AttachmentTest, WipeOfARevokedDeviceRemovesItsPhotos) {
  auto wang = Enrol("wang");
  const Uuid visit = NewVisit(*wang, "wang");
  const std::string sha = Attach(*wang, visit, PhotoBytes(10'000, 6));
  ASSERT_TRUE(std::filesystem::exists(wang->store().BlobPath(sha)));
  ASSERT_TRUE(wang->store().Wipe().ok());
  EXPECT_FALSE(std::filesystem::exists(wang->store().BlobPath(sha)));
  auto held = wang->store().FindLocalBlob(sha);
  ASSERT_TRUE(held.ok());
  EXPECT_FALSE(held->has_value());
}

}  // namespace
}  // namespace homevisit::e2e
