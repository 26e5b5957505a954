// BlobStore on real files in a temporary directory.
#include "sync-server/blob_store.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "app/sync/blob_uploader.h"  // Sha256Of
#include "blob_test_env.h"

namespace homevisit::server {
namespace {

using sync::Sha256Of;
using testing::BlobFiles;
using testing::RandomBytes;
using testing::TempDir;

std::unique_ptr<BlobStore> OpenStore(const std::string& dir, uint64_t max = 1 << 20) {
  BlobStoreOptions o;
  o.dir = dir;
  o.max_blob_bytes = max;
  auto s = BlobStore::Open(o);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return std::move(s.value());
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void AgeFile(const std::string& path, int64_t age_ms) {
  const int64_t t = NowMs() - age_ms;
  timespec times[2] = {{t / 1000, (t % 1000) * 1'000'000}, {t / 1000, (t % 1000) * 1'000'000}};
  ASSERT_EQ(utimensat(AT_FDCWD, path.c_str(), times, 0), 0) << path;
}

TEST(BlobStore, ACompleteBlobIsStoredUnderItsHashWithExactlyItsBytes) {
  TempDir dir;
  auto store = OpenStore(dir.path());
  const std::string data = RandomBytes(100'000, 1);
  const std::string sha = Sha256Of(data);
  auto a = store->Append(sha, data.size(), 0, data.substr(0, 60'000));
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(a->offset, 60'000u);
  EXPECT_FALSE(a->complete);
  auto b = store->Append(sha, data.size(), 60'000, data.substr(60'000));
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_TRUE(b->complete);
  const std::string hex = Sha256Hex(sha);
  EXPECT_EQ(BlobFiles(dir.path()),
            std::vector<std::string>{"complete/" + hex.substr(0, 2) + "/" + hex});
  EXPECT_TRUE(ReadFile(dir.path() + "/blobs/complete/" + hex.substr(0, 2) + "/" + hex) == data);
  auto read = store->Read(sha, 99'000, 5000);
  ASSERT_TRUE(read.ok());
  EXPECT_TRUE(*read == data.substr(99'000));
  EXPECT_EQ(store->Append(sha, data.size(), 0, "x").status().code(), StatusCode::kAlreadyExists);
}

TEST(BlobStore, AnAppendAtAnotherOffsetThanTheHeldBytesChangesNothing) {
  TempDir dir;
  auto store = OpenStore(dir.path());
  const std::string data = RandomBytes(10'000, 2);
  const std::string sha = Sha256Of(data);
  ASSERT_TRUE(store->Append(sha, data.size(), 0, data.substr(0, 4000)).ok());
  for (uint64_t wrong : {0u, 3999u, 4001u}) {
    auto r = store->Append(sha, data.size(), wrong, data.substr(wrong, 100));
    EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition) << wrong;
    EXPECT_NE(r.status().message().find("holds 4000"), std::string::npos) << r.status().message();
  }
  EXPECT_EQ(store->State(sha)->offset, 4000u);
}

TEST(BlobStore, BytesThatDoNotMatchTheHashAreDiscardedEntirely) {
  TempDir dir;
  auto store = OpenStore(dir.path());
  const std::string data = RandomBytes(20'000, 3);
  std::string corrupt = data;
  corrupt[12'345] ^= 1;
  const std::string sha = Sha256Of(data);
  ASSERT_TRUE(store->Append(sha, data.size(), 0, corrupt.substr(0, 10'000)).ok());
  auto r = store->Append(sha, data.size(), 10'000, corrupt.substr(10'000));
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("do not match"), std::string::npos);
  EXPECT_EQ(store->State(sha)->offset, 0u);
  EXPECT_TRUE(BlobFiles(dir.path()).empty());
  EXPECT_EQ(store->Read(sha, 0, 10).status().code(), StatusCode::kNotFound);
}

TEST(BlobStore, AnUnfinishedUploadSurvivesReopeningTheStore) {
  TempDir dir;
  const std::string data = RandomBytes(50'000, 4);
  const std::string sha = Sha256Of(data);
  {
    auto store = OpenStore(dir.path());
    ASSERT_TRUE(store->Append(sha, data.size(), 0, data.substr(0, 30'000)).ok());
    ASSERT_TRUE(store->SyncPartial(sha).ok());
  }
  auto store = OpenStore(dir.path());
  auto held = store->State(sha);
  ASSERT_TRUE(held.ok());
  EXPECT_EQ(held->offset, 30'000u);
  EXPECT_FALSE(held->complete);
  auto done = store->Append(sha, data.size(), 30'000, data.substr(30'000));
  ASSERT_TRUE(done.ok()) << done.status().ToString();
  EXPECT_TRUE(done->complete);
}

TEST(BlobStore, AFullyReceivedButUnverifiedUploadIsFinishedByAnEmptyAppend) {
  // A crash between the last write and the rename leaves every byte in partial/.
  TempDir dir;
  auto store = OpenStore(dir.path());
  const std::string data = RandomBytes(3000, 5);
  const std::string sha = Sha256Of(data);
  const std::string partial = dir.path() + "/blobs/partial/" + Sha256Hex(sha);
  std::ofstream(partial, std::ios::binary) << data;
  EXPECT_EQ(store->State(sha)->offset, data.size());
  auto r = store->Append(sha, data.size(), data.size(), "");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->complete);
}

TEST(BlobStore, LimitsAndMalformedInputGetClearErrorsAndStoreNothing) {
  TempDir dir;
  auto store = OpenStore(dir.path(), /*max=*/1000);
  const std::string sha = Sha256Of("x");
  auto big = store->Append(sha, 1001, 0, "x");
  EXPECT_EQ(big.status().code(), StatusCode::kResourceExhausted);
  EXPECT_NE(big.status().message().find("1001"), std::string::npos);
  EXPECT_NE(big.status().message().find("1000"), std::string::npos);
  EXPECT_EQ(store->Append(sha, 1, 0, "xy").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store->Append(sha, 0, 0, "").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store->Append("short", 1, 0, "x").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store->State(std::string(33, 'a')).status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(BlobFiles(dir.path()).empty());
}

TEST(BlobStore, ReadingPastTheEndIsRefused) {
  TempDir dir;
  auto store = OpenStore(dir.path());
  const std::string data = "signature";
  const std::string sha = Sha256Of(data);
  ASSERT_TRUE(store->Append(sha, data.size(), 0, data).ok());
  EXPECT_EQ(*store->Read(sha, data.size(), 10), "");
  EXPECT_EQ(store->Read(sha, data.size() + 1, 10).status().code(), StatusCode::kInvalidArgument);
}

TEST(BlobStore, ConcurrentUploadsOfOneBlobNeverInterleave) {
  // Two uploaders of the same photo (a retry racing a stale call) each append chunks at the
  // offset they believe; whoever loses re-reads the offset. The result is the blob, intact.
  TempDir dir;
  auto store = OpenStore(dir.path());
  const std::string data = RandomBytes(400'000, 6);
  const std::string sha = Sha256Of(data);
  auto uploader = [&](size_t chunk) {
    for (;;) {
      auto held = store->State(sha);
      ASSERT_TRUE(held.ok());
      if (held->complete) return;
      const uint64_t n = std::min<uint64_t>(chunk, data.size() - held->offset);
      auto r = store->Append(sha, data.size(), held->offset, data.substr(held->offset, n));
      if (!r.ok()) {
        ASSERT_TRUE(r.status().code() == StatusCode::kFailedPrecondition ||
                    r.status().code() == StatusCode::kAlreadyExists)
            << r.status().ToString();
      }
    }
  };
  std::thread a(uploader, 1000), b(uploader, 1733);
  a.join();
  b.join();
  auto read = store->Read(sha, 0, data.size());
  ASSERT_TRUE(read.ok());
  EXPECT_TRUE(*read == data);
}

TEST(BlobStore, UnreferencedOldBlobsAreListedAndRemovedOthersKept) {
  TempDir dir;
  auto store = OpenStore(dir.path());
  auto put = [&](const std::string& data, bool whole) {
    const std::string sha = Sha256Of(data);
    const size_t n = whole ? data.size() : data.size() / 2;
    EXPECT_TRUE(store->Append(sha, data.size(), 0, data.substr(0, n)).ok());
    return sha;
  };
  const std::string kept = put("referenced photo", true);
  const std::string orphan = put("photo of a deleted visit", true);
  const std::string abandoned = put("upload nobody finished", false);
  const std::string fresh = put("upload in progress right now", false);
  const std::string root = dir.path() + "/blobs/";
  auto complete_path = [&](const std::string& sha) {
    const std::string hex = Sha256Hex(sha);
    return root + "complete/" + hex.substr(0, 2) + "/" + hex;
  };
  const int64_t hour = 3600 * 1000;
  AgeFile(complete_path(kept), 2 * hour);
  AgeFile(complete_path(orphan), 2 * hour);
  AgeFile(root + "partial/" + Sha256Hex(abandoned), 2 * hour);
  const std::set<std::string> referenced = {kept};

  auto listed = store->ListUnreferenced(referenced, NowMs() - hour);
  ASSERT_TRUE(listed.ok());
  std::set<std::string> names;
  for (const StoredBlob& b : *listed) names.insert(b.sha256 + (b.complete ? "+" : "-"));
  EXPECT_EQ(names, (std::set<std::string>{orphan + "+", abandoned + "-"}));

  auto removed = store->RemoveUnreferenced(referenced, NowMs() - hour);
  ASSERT_TRUE(removed.ok());
  EXPECT_EQ(removed->size(), 2u);
  EXPECT_TRUE(store->State(kept)->complete);
  EXPECT_EQ(store->State(orphan)->offset, 0u);
  EXPECT_EQ(store->State(abandoned)->offset, 0u);
  EXPECT_GT(store->State(fresh)->offset, 0u);
}

}  // namespace
}  // namespace homevisit::server
