// `homevisit-server blobs-gc` (the real binary) over a database and blob directory that real
// devices filled: it lists what no record references, removes only with --delete, and keeps
// what a record or a conflict's losing value references and what is younger than the guard.
// And `serve` refuses PostgreSQL without --blob-dir.
#include <thread>

#include "blob_e2e.h"

namespace homevisit::e2e {
namespace {

struct CommandRun {
  int exit_code = -1;
  std::string output;
};

CommandRun RunServer(const std::vector<std::string>& args, const std::string& log) {
  std::vector<std::string> argv = {HOMEVISIT_SERVER_BIN};
  argv.insert(argv.end(), args.begin(), args.end());
  ChildProcess child(argv, log);
  CommandRun run;
  run.exit_code = child.Wait();
  run.output = ReadFileText(log);
  return run;
}

TEST_F(AttachmentTest, BlobsGcListsUnreferencedDeletesOnlyWithDeleteKeepsReferenced) {
  auto wang = Enrol("wang");
  auto li = Enrol("li");
  const Uuid visit = NewVisit(*wang, "wang");
  ASSERT_TRUE(wang->Sync().ok());
  ASSERT_TRUE(li->Sync().ok());
  // Both attach a house photo offline; wang syncs first, li's later write wins and wang's
  // photo survives as the conflict's losing value.
  const std::string wang_sha = Attach(*wang, visit, PhotoBytes(20'000, 10));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // li's write is the later one
  const std::string li_sha = Attach(*li, visit, PhotoBytes(20'000, 11));
  ASSERT_TRUE(wang->Sync().ok());
  auto li_sync = li->Sync();
  ASSERT_TRUE(li_sync.ok()) << li_sync.error.detail;
  EXPECT_EQ(li_sync.conflicts, 1u);
  // The conflict record holds both photos. li then replaces the photo twice in the
  // ordinary way: the middle one is referenced by nothing now (only by history).
  const std::string replaced_sha = Attach(*li, visit, PhotoBytes(20'000, 12));
  ASSERT_TRUE(li->Sync().ok());
  const std::string final_sha = Attach(*li, visit, PhotoBytes(20'000, 13));
  ASSERT_TRUE(li->Sync().ok());
  for (const auto& sha : {wang_sha, li_sha, replaced_sha, final_sha}) {
    ASSERT_TRUE(std::filesystem::exists(CompletePath(sha))) << server::Sha256Hex(sha);
  }

  const std::vector<std::string> base = {"blobs-gc", "--db", "sqlite:" + server_->db_path(),
                                         "--blob-dir", blob_dir()};
  auto with = [&](std::vector<std::string> extra) {
    std::vector<std::string> args = base;
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  };
  // The age guard (24 h by default) keeps everything this young.
  CommandRun guarded = RunServer(base, dir_.file("gc0.log"));
  ASSERT_EQ(guarded.exit_code, 0) << guarded.output;
  EXPECT_NE(guarded.output.find("unreferenced 0 "), std::string::npos) << guarded.output;

  CommandRun listed = RunServer(with({"--min-age-hours", "0"}), dir_.file("gc1.log"));
  ASSERT_EQ(listed.exit_code, 0) << listed.output;
  EXPECT_NE(listed.output.find(server::Sha256Hex(replaced_sha)), std::string::npos)
      << listed.output;
  EXPECT_EQ(listed.output.find(server::Sha256Hex(wang_sha)), std::string::npos)
      << "a conflict's losing photo was listed:\n" << listed.output;
  EXPECT_EQ(listed.output.find(server::Sha256Hex(li_sha)), std::string::npos) << listed.output;
  EXPECT_EQ(listed.output.find(server::Sha256Hex(final_sha)), std::string::npos) << listed.output;
  EXPECT_NE(listed.output.find("unreferenced 1 "), std::string::npos) << listed.output;
  EXPECT_TRUE(std::filesystem::exists(CompletePath(replaced_sha))) << "listing removed a file";

  CommandRun removed = RunServer(with({"--min-age-hours", "0", "--delete"}), dir_.file("gc2.log"));
  ASSERT_EQ(removed.exit_code, 0) << removed.output;
  EXPECT_NE(removed.output.find("removed 1 "), std::string::npos) << removed.output;
  EXPECT_FALSE(std::filesystem::exists(CompletePath(replaced_sha)));
  EXPECT_TRUE(std::filesystem::exists(CompletePath(wang_sha)));
  EXPECT_TRUE(std::filesystem::exists(CompletePath(li_sha)));
  EXPECT_TRUE(std::filesystem::exists(CompletePath(final_sha)));

  CommandRun bad = RunServer(with({"--min-age-hours", "-1"}), dir_.file("gc3.log"));
  EXPECT_EQ(bad.exit_code, 2) << bad.output;
}

TEST(ServeBlobDir, PostgresWithoutBlobDirIsRefusedBeforeConnecting) {
  TempDir dir;
  CommandRun run = RunServer({"serve", "--db", "postgresql://nobody@127.0.0.1:1/none", "--listen",
                       "127.0.0.1:0"},
                      dir.file("serve.log"));
  EXPECT_EQ(run.exit_code, 2) << run.output;
  EXPECT_NE(run.output.find("--blob-dir"), std::string::npos) << run.output;
}

}  // namespace
}  // namespace homevisit::e2e
