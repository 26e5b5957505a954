// The SQLite backend copies its WAL back into the database file on a thread of its own
// (sqlite::WalCheckpointer) instead of inside the commit that crosses the threshold: a long
// run of push batches must still reach the database file, and stay readable after reopening.
#include <gtest/gtest.h>

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "sync-server/storage/sqlite_storage.h"

namespace homevisit::server {
namespace {

TEST(SqliteCheckpointTest, ManyCommitsReachTheDatabaseFileWhileTheServerKeepsWriting) {
  const std::filesystem::path dir = std::filesystem::temp_directory_path() /
                                    ("homevisit_checkpoint_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "server.db").string();
  constexpr int kTransactions = 200;
  const std::string text(40 << 10, 'x');  // about ten pages per transaction
  std::vector<Uuid> ids;
  {
    auto storage = SqliteStorage::Open(path);
    ASSERT_TRUE(storage.ok()) << storage.status().ToString();
    ASSERT_TRUE((*storage)->Migrate().ok());
    ASSERT_TRUE((*storage)->AddScope({"qx", "清溪县"}).ok());
    for (int i = 0; i < kTransactions; ++i) {
      auto txn = (*storage)->BeginWrite();
      ASSERT_TRUE(txn.ok()) << txn.status().ToString();
      ids.push_back(Uuid::V7(1'790'000'000'000 + i, i, i));
      const RecordHeader header{ids.back(), "household", "qx"};
      ASSERT_TRUE((*txn)->PutField(header, "note", FieldVersion{Value(text), Stamp{100u + i, 1}},
                                   std::nullopt)
                      .ok());
      ASSERT_TRUE((*txn)->Commit().ok());
    }
    // The commits crossed the threshold about twice: at least one checkpoint ran to the end
    // while the storage was open (a stopped checkpointer leaves everything in the WAL).
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while ((*storage)->CompletedCheckpoints() == 0 && std::chrono::steady_clock::now() < give_up) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    EXPECT_GE((*storage)->CompletedCheckpoints(), 1u);
    EXPECT_GE(std::filesystem::file_size(path), uintmax_t{4} << 20)
        << "the checkpointed pages are in the database file";
  }
  auto reopened = SqliteStorage::Open(path);
  ASSERT_TRUE(reopened.ok());
  for (const Uuid& id : {ids.front(), ids[kTransactions / 2], ids.back()}) {
    auto record = (*reopened)->GetRecord(id);
    ASSERT_TRUE(record.ok() && record->has_value()) << id.ToString();
    EXPECT_EQ((*record)->fields.at("note").value, Value(text));
  }
  reopened->reset();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace homevisit::server
