// The Blobs service end to end: real gRPC server on 127.0.0.1, real files, the real
// uploader, and the fault proxy where a link should misbehave.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <thread>

#include "app/sync/blob_uploader.h"
#include "bench/faultproxy/fault_proxy.h"
#include "blob_test_env.h"

namespace homevisit::testing {
namespace {

using sync::BlobUploader;
using sync::Sha256Of;

const std::string kTeacherToken = "7e1c0e57";    // teacher at school 1 of township A
const std::string kTownshipToken = "c00d0a7e";   // coordinator of township A
const std::string kOtherTownToken = "0b5e55ed";  // teacher of township B
const std::string kSchool1 = "county/townA/school1";

class BlobServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    access_.AddUser(kTeacherToken, "wang", {kSchool1});
    access_.AddUser(kTownshipToken, "li", {"county/townA"});
    access_.AddUser(kOtherTownToken, "zhao", {"county/townB"});
    server_ = std::make_unique<BlobServer>(dir_.path(), &access_, /*max_blob_bytes=*/4 << 20);
  }

  // A photo referenced by a visit of school 1 (see RecordFor).
  std::string Photo(size_t n, uint64_t seed) {
    std::string data = RandomBytes(n, seed);
    const std::string record = RandomBytes(16, seed + 1'000'000);
    access_.AddRecord(record, kSchool1, {Sha256Of(data)});
    records_[Sha256Of(data)] = record;
    return data;
  }
  // The id of the visit that references the photo `sha`; "" for an unknown photo.
  std::string RecordFor(const std::string& sha) {
    auto it = records_.find(sha);
    return it == records_.end() ? "" : it->second;
  }

  BlobUploader Uploader(uint16_t port, const std::string& token = kTeacherToken) {
    return BlobUploader(BlobsStub(port), TestTransferOptions(token));
  }

  std::unique_ptr<faultproxy::FaultProxy> Proxy(faultproxy::LinkProfile link) {
    faultproxy::ProxyOptions o;
    o.target_port = server_->port();
    o.link = link;
    auto p = faultproxy::FaultProxy::Start(o);
    EXPECT_TRUE(p.ok()) << p.status().ToString();
    return std::move(p.value());
  }

  static void Authorize(grpc::ClientContext* ctx, const std::string& token) {
    ctx->AddMetadata("authorization", "Bearer " + token);
    ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
  }

  grpc::Status StatusOf(const std::string& token, const std::string& sha,
                        v1::BlobStatusResponse* out) {
    grpc::ClientContext ctx;
    Authorize(&ctx, token);
    v1::BlobStatusRequest req;
    req.set_sha256(sha);
    req.set_record_id(RecordFor(sha));
    return BlobsStub(server_->port())->BlobStatus(&ctx, req, out);
  }

  // Sends `messages` as one PutBlob call and returns its outcome.
  grpc::Status Put(const std::string& token, const std::vector<v1::PutBlobRequest>& messages,
                   v1::PutBlobResponse* out) {
    grpc::ClientContext ctx;
    Authorize(&ctx, token);
    auto stub = BlobsStub(server_->port());
    auto writer = stub->PutBlob(&ctx, out);
    for (const auto& m : messages) {
      if (!writer->Write(m)) break;
    }
    writer->WritesDone();
    return writer->Finish();
  }

  v1::PutBlobRequest First(const std::string& sha, uint64_t total, uint64_t offset,
                           const std::string& data) {
    v1::PutBlobRequest m;
    m.set_sha256(sha);
    m.set_record_id(RecordFor(sha));
    m.set_total_bytes(total);
    m.set_offset(offset);
    m.set_data(data);
    return m;
  }

  grpc::Status Get(const std::string& token, const std::string& sha, uint64_t offset,
                   std::string* data) {
    grpc::ClientContext ctx;
    Authorize(&ctx, token);
    v1::GetBlobRequest req;
    req.set_sha256(sha);
    req.set_record_id(RecordFor(sha));
    req.set_offset(offset);
    auto stub = BlobsStub(server_->port());
    auto reader = stub->GetBlob(&ctx, req);
    v1::GetBlobResponse chunk;
    while (reader->Read(&chunk)) data->append(chunk.data());
    return reader->Finish();
  }

  TempDir dir_;
  TestBlobAccess access_;
  std::unique_ptr<BlobServer> server_;
  std::map<std::string, std::string> records_;  // photo sha256 → referencing record id
};

TEST_F(BlobServiceTest, UploadResumesAfterEveryCutWithoutResendingAcknowledgedBytes) {
  const std::string photo = Photo(1'000'000, 11);
  // Paced at 1 MB/s: an unpaced burst would let the cut land before the server even read
  // the chunks it had received (gRPC drops unread messages of a dead connection).
  faultproxy::LinkProfile link;
  link.up_latency_ms = link.down_latency_ms = 5;
  link.up_bytes_per_s = link.down_bytes_per_s = 1'000'000;
  link.cut_every_bytes = 100'000;
  auto proxy = Proxy(link);
  auto report =
      Uploader(proxy->port())
          .Upload(Sha256Of(photo), RecordFor(Sha256Of(photo)), photo, /*never_sent=*/true);
  ASSERT_TRUE(report.ok()) << report.status().ToString();

  const faultproxy::ProxyCounters c = proxy->counters();
  std::printf("cuts %llu, bytes up %llu for %zu, calls %d, status calls %d\n",
              static_cast<unsigned long long>(c.cuts), static_cast<unsigned long long>(c.bytes_up),
              photo.size(), report->transfer_calls, report->status_calls);
  EXPECT_GE(c.cuts, 9u) << "the link should have dropped about every 100 KB";
  for (size_t i = 1; i < report->call_offsets.size(); ++i) {
    EXPECT_GT(report->call_offsets[i], report->call_offsets[i - 1])
        << "call " << i << " restarted at or below an offset the server had acknowledged";
  }
  // At most the photo, one lost chunk per cut, and framing: 2 KB per connection + 1 %.
  const uint64_t chunk = sync::BlobTransferOptions().chunk_bytes;
  EXPECT_LE(c.bytes_up, photo.size() + c.cuts * chunk + c.connections * 2048 + photo.size() / 100);
  std::string back;
  ASSERT_TRUE(Get(kTeacherToken, Sha256Of(photo), 0, &back).ok());
  EXPECT_TRUE(back == photo) << "the stored photo differs from the one sent";
}

TEST_F(BlobServiceTest, ACorruptedUploadIsRefusedAndNotStored) {
  const std::string photo = Photo(200'000, 12);
  const std::string sha = Sha256Of(photo);
  std::string corrupt = photo;
  corrupt[150'000] ^= 0x40;  // a bit flipped in transit or on a failing SD card
  v1::PutBlobResponse resp;
  grpc::Status s = Put(
      kTeacherToken,
      {First(sha, photo.size(), 0, corrupt.substr(0, 50'000)),
       First("", 0, 0, corrupt.substr(50'000, 50'000)),
       First("", 0, 0, corrupt.substr(100'000, 50'000)), First("", 0, 0, corrupt.substr(150'000))},
      &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << s.error_message();
  EXPECT_NE(s.error_message().find("nothing was stored"), std::string::npos) << s.error_message();
  v1::BlobStatusResponse st;
  ASSERT_TRUE(StatusOf(kTeacherToken, sha, &st).ok());
  EXPECT_EQ(st.offset(), 0u);
  EXPECT_FALSE(st.complete());
  EXPECT_TRUE(BlobFiles(dir_.path()).empty());
  std::string got;
  EXPECT_EQ(Get(kTeacherToken, sha, 0, &got).error_code(), grpc::StatusCode::NOT_FOUND);

  // The uploader does not even send a local file that no longer matches its hash.
  auto r = Uploader(server_->port()).Upload(sha, RecordFor(sha), corrupt);
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(BlobFiles(dir_.path()).empty());
}

TEST_F(BlobServiceTest, AReaderOutsideTheScopeIsDeniedEveryCall) {
  const std::string photo = Photo(10'000, 13);
  const std::string sha = Sha256Of(photo);
  ASSERT_TRUE(Uploader(server_->port()).Upload(sha, RecordFor(sha), photo).ok());

  std::string got;
  grpc::Status denied = Get(kOtherTownToken, sha, 0, &got);
  EXPECT_EQ(denied.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_TRUE(got.empty());
  v1::BlobStatusResponse st;
  EXPECT_EQ(StatusOf(kOtherTownToken, sha, &st).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  v1::PutBlobResponse resp;
  EXPECT_EQ(Put(kOtherTownToken, {First(sha, photo.size(), 0, photo)}, &resp).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  // An unknown or missing token is not even asked about scopes.
  EXPECT_EQ(Get("not-a-token", sha, 0, &got).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  auto anonymous =
      Uploader(server_->port(), "").Download(sha, RecordFor(sha), dir_.path() + "/anon.jpg");
  EXPECT_EQ(anonymous.status().code(), StatusCode::kUnauthenticated);

  // The township coordinator's scope covers the school: allowed.
  got.clear();
  ASSERT_TRUE(Get(kTownshipToken, sha, 0, &got).ok());
  EXPECT_TRUE(got == photo);
}

TEST_F(BlobServiceTest, APartialUploadSurvivesAServerRestartAndResumesFromItsOffset) {
  const std::string photo = Photo(300'000, 14);
  const std::string sha = Sha256Of(photo);
  v1::PutBlobResponse resp;
  ASSERT_TRUE(Put(kTeacherToken,
                  {First(sha, photo.size(), 0, photo.substr(0, 50'000)),
                   First("", 0, 0, photo.substr(50'000, 50'000))},
                  &resp)
                  .ok());
  EXPECT_EQ(resp.offset(), 100'000u);
  EXPECT_FALSE(resp.complete());

  server_->Restart();

  v1::BlobStatusResponse st;
  ASSERT_TRUE(StatusOf(kTeacherToken, sha, &st).ok());
  EXPECT_EQ(st.offset(), 100'000u);
  auto report = Uploader(server_->port()).Upload(sha, RecordFor(sha), photo);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->call_offsets, std::vector<uint64_t>{100'000});
  EXPECT_EQ(report->data_bytes, 200'000u) << "only the missing bytes are sent";
  std::string back;
  ASSERT_TRUE(Get(kTeacherToken, sha, 0, &back).ok());
  EXPECT_TRUE(back == photo);
}

TEST_F(BlobServiceTest, AnUploadAtTheWrongOffsetIsAnsweredWithTheServerOffset) {
  const std::string photo = Photo(100'000, 15);
  const std::string sha = Sha256Of(photo);
  v1::PutBlobResponse resp;
  ASSERT_TRUE(
      Put(kTeacherToken, {First(sha, photo.size(), 0, photo.substr(0, 40'000))}, &resp).ok());
  resp.Clear();
  ASSERT_TRUE(
      Put(kTeacherToken, {First(sha, photo.size(), 0, photo.substr(0, 40'000))}, &resp).ok());
  EXPECT_TRUE(resp.offset_mismatch());
  EXPECT_EQ(resp.offset(), 40'000u);
  EXPECT_EQ(server_->store().State(sha)->offset, 40'000u) << "the resent bytes were not stored";

  // A device that believes it never sent this blob starts at 0 and is corrected at once.
  auto report = Uploader(server_->port()).Upload(sha, RecordFor(sha), photo, /*never_sent=*/true);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  ASSERT_EQ(report->call_offsets.size(), 2u);
  EXPECT_EQ(report->call_offsets[1], 40'000u);
}

TEST_F(BlobServiceTest, ABlobTheServerHoldsIsNotSentAgain) {
  const std::string photo = Photo(50'000, 16);
  const std::string sha = Sha256Of(photo);
  ASSERT_TRUE(Uploader(server_->port()).Upload(sha, RecordFor(sha), photo).ok());
  auto again = Uploader(server_->port(), kTownshipToken).Upload(sha, RecordFor(sha), photo);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->already_complete);
  EXPECT_EQ(again->data_bytes, 0u);
  EXPECT_EQ(again->transfer_calls, 0);
}

TEST_F(BlobServiceTest, OversizeBlobsAndChunksAreRefusedWithClearErrors) {
  const std::string big = Photo((4 << 20) + 1, 17);
  auto r = Uploader(server_->port()).Upload(Sha256Of(big), RecordFor(Sha256Of(big)), big);
  EXPECT_EQ(r.status().code(), StatusCode::kResourceExhausted);
  EXPECT_NE(r.status().message().find(std::to_string(4 << 20)), std::string::npos)
      << r.status().message();
  v1::PutBlobResponse resp;
  grpc::Status s = Put(kTeacherToken, {First(Sha256Of(big), big.size(), 0, "")}, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << s.error_message();

  const std::string photo = Photo(200'000, 18);
  s = Put(kTeacherToken, {First(Sha256Of(photo), photo.size(), 0, photo.substr(0, 65'537))}, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(s.error_message().find("65536"), std::string::npos) << s.error_message();
  s = Put(kTeacherToken, {First("tooshort", 10, 0, "")}, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(BlobFiles(dir_.path()).empty());
}

TEST_F(BlobServiceTest, GetBlobStartsAtAnyOffsetAndRefusesOffsetsPastTheEnd) {
  const std::string photo = Photo(150'000, 19);
  const std::string sha = Sha256Of(photo);
  std::string got;
  EXPECT_EQ(Get(kTeacherToken, sha, 0, &got).error_code(), grpc::StatusCode::NOT_FOUND)
      << "not uploaded yet";
  ASSERT_TRUE(Uploader(server_->port()).Upload(sha, RecordFor(sha), photo).ok());
  ASSERT_TRUE(Get(kTeacherToken, sha, 123'456, &got).ok());
  EXPECT_TRUE(got == photo.substr(123'456));
  got.clear();
  EXPECT_EQ(Get(kTeacherToken, sha, photo.size() + 1, &got).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(BlobServiceTest, DownloadResumesAfterCutsAndVerifiesTheFile) {
  const std::string photo = Photo(1'000'000, 20);
  const std::string sha = Sha256Of(photo);
  ASSERT_TRUE(Uploader(server_->port()).Upload(sha, RecordFor(sha), photo).ok());
  faultproxy::LinkProfile link;
  link.up_latency_ms = link.down_latency_ms = 5;
  link.cut_every_bytes = 150'000;
  auto proxy = Proxy(link);
  const std::string path = dir_.path() + "/photo.jpg";
  auto report = Uploader(proxy->port(), kTownshipToken).Download(sha, RecordFor(sha), path);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  const faultproxy::ProxyCounters c = proxy->counters();
  EXPECT_GE(c.cuts, 5u);
  // Each call starts where the file on disk ends: never before it. (A call cut before its
  // first chunk arrived starts at the same offset as the one before, which is fine.)
  for (size_t i = 1; i < report->call_offsets.size(); ++i) {
    EXPECT_GE(report->call_offsets[i], report->call_offsets[i - 1]);
  }
  EXPECT_GT(report->call_offsets.back(), report->call_offsets.front());
  // Server chunks are 64 KiB: at most one lost per cut, plus framing.
  EXPECT_LE(c.bytes_down,
            photo.size() + c.cuts * 65'536 + c.connections * 2048 + photo.size() / 100);
  FILE* f = std::fopen(path.c_str(), "rb");
  ASSERT_NE(f, nullptr);
  std::string back(photo.size() + 1, '\0');
  back.resize(std::fread(back.data(), 1, back.size(), f));
  std::fclose(f);
  EXPECT_TRUE(back == photo);
}

TEST_F(BlobServiceTest, ACancelledUploadStopsAndLaterResumesWhereTheServerStood) {
  const std::string photo = Photo(1'000'000, 22);
  const std::string sha = Sha256Of(photo);
  faultproxy::LinkProfile link;
  link.up_bytes_per_s = link.down_bytes_per_s = 100'000;
  auto proxy = Proxy(link);
  BlobUploader uploader = Uploader(proxy->port());
  Result<sync::TransferReport> first = homevisit::Status(StatusCode::kInternal, "not run");
  std::thread upload([&] { first = uploader.Upload(sha, RecordFor(sha), photo); });
  while (server_->store().State(sha)->offset < 100'000) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  uploader.Cancel();
  upload.join();
  EXPECT_EQ(first.status().code(), StatusCode::kCancelled) << first.status().ToString();
  const uint64_t held = server_->store().State(sha)->offset;
  EXPECT_GT(held, 0u);
  EXPECT_LT(held, photo.size());

  auto second = Uploader(server_->port()).Upload(sha, RecordFor(sha), photo);
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(second->call_offsets, std::vector<uint64_t>{held});
  EXPECT_EQ(second->data_bytes, photo.size() - held);
}

TEST_F(BlobServiceTest, AnUploadToAnUnreachableServerGivesUpSayingWhereItWillResume) {
  const std::string photo = Photo(1000, 21);
  const uint16_t port = server_->port();
  server_->Stop();
  sync::BlobTransferOptions o = TestTransferOptions(kTeacherToken);
  o.max_attempts_without_progress = 3;
  o.initial_backoff = std::chrono::milliseconds(10);
  auto r =
      BlobUploader(BlobsStub(port), o).Upload(Sha256Of(photo), RecordFor(Sha256Of(photo)), photo);
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(r.status().message().find("resumes from byte 0"), std::string::npos)
      << r.status().message();
}

}  // namespace
}  // namespace homevisit::testing
