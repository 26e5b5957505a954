// A 3 MB photo over a rural link: 50 KB/s each way, 400 ms round trips, the link dropping
// every 256 KB. Takes about 70-90 s of wall time (the bytes must really crawl through the
// proxy); it has its own ctest entry and timeout.
#include <gtest/gtest.h>

#include <cstdio>

#include "app/sync/blob_uploader.h"
#include "bench/faultproxy/fault_proxy.h"
#include "blob_test_env.h"

namespace homevisit::testing {
namespace {

TEST(BlobSlowLink, AThreeMegabytePhotoArrivesIntactAndCostsAtMostOneChunkPerCut) {
  TempDir dir;
  TestBlobAccess access;
  const std::string token = "7e1c0e57";
  access.AddUser(token, "wang", {"county/townA/school1"});
  BlobServer server(dir.path(), &access);

  const std::string photo = RandomBytes(3'000'000, 2024);
  const std::string sha = sync::Sha256Of(photo);
  const std::string record = RandomBytes(16, 7);
  access.AddRecord(record, "county/townA/school1", {sha});

  faultproxy::ProxyOptions po;
  po.target_port = server.port();
  po.link.up_bytes_per_s = po.link.down_bytes_per_s = 50'000;
  po.link.up_latency_ms = po.link.down_latency_ms = 200;
  po.link.cut_every_bytes = 256 * 1024;
  auto proxy = faultproxy::FaultProxy::Start(po);
  ASSERT_TRUE(proxy.ok()) << proxy.status().ToString();

  sync::BlobTransferOptions options = TestTransferOptions(token);
  const uint32_t chunk = options.chunk_bytes;
  sync::BlobUploader uploader(BlobsStub((*proxy)->port()), options);
  auto report = uploader.Upload(sha, record, photo, /*never_sent=*/true);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  const faultproxy::ProxyCounters c = (*proxy)->counters();

  // What arrived is the photo, bit for bit.
  auto stored = server.store().Read(sha, 0, photo.size() + 1);
  ASSERT_TRUE(stored.ok()) << stored.status().ToString();
  EXPECT_TRUE(*stored == photo) << "the stored photo differs from the one taken";

  // Every call started where the server said it stood, always further on.
  for (size_t i = 1; i < report->call_offsets.size(); ++i) {
    EXPECT_GT(report->call_offsets[i], report->call_offsets[i - 1]) << "call " << i;
  }

  // The bytes that crossed the link upwards: the photo, at most one lost chunk per cut, and
  // protocol overhead: HTTP/2 and gRPC framing (~20 bytes per 16 KB chunk, ~0.1 %) plus,
  // per connection, the HTTP/2 preface and settings and the call headers (under 2 KiB).
  const uint64_t overhead = photo.size() / 100 + c.connections * 2048;
  const uint64_t bound = photo.size() + c.cuts * chunk + overhead;
  std::printf(
      "{\"photo_bytes\":%zu,\"bytes_up\":%llu,\"bytes_down\":%llu,\"cuts\":%llu,"
      "\"connections\":%llu,\"put_calls\":%d,\"status_calls\":%d,\"bound\":%llu,"
      "\"excess_over_photo\":%lld}\n",
      photo.size(), static_cast<unsigned long long>(c.bytes_up),
      static_cast<unsigned long long>(c.bytes_down), static_cast<unsigned long long>(c.cuts),
      static_cast<unsigned long long>(c.connections), report->transfer_calls, report->status_calls,
      static_cast<unsigned long long>(bound),
      static_cast<long long>(c.bytes_up) - static_cast<long long>(photo.size()));
  EXPECT_GE(c.cuts, 10u) << "3 MB through a link that drops every 256 KB";
  EXPECT_LE(c.bytes_up, bound);
}

}  // namespace
}  // namespace homevisit::testing
