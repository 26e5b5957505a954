// The homevisit-device binary with attachments: attach a file to a visit, sync it, fetch it
// on a coordinator's device; bad input changes nothing.
#include "blob_e2e.h"

namespace homevisit::e2e {
namespace {

struct CliRun {
  int code;
  std::string output;  // stdout and stderr together
};

class DeviceCliBlobTest : public AttachmentTest {
 protected:
  CliRun Cli(const std::string& user, std::vector<std::string> args) {
    std::vector<std::string> argv = {HOMEVISIT_DEVICE_BIN, "--data", DeviceDir(user), "--server",
                                     server_->address(), "--attempts", "2"};
    argv.insert(argv.end(), args.begin(), args.end());
    const std::string log = dir_.file("cli" + std::to_string(++runs_) + ".log");
    ChildProcess child(argv, log);
    const int code = child.Wait();
    return {code, ReadFileText(log)};
  }
  int runs_ = 0;
};

TEST_F(DeviceCliBlobTest, AttachSyncAndFetchBlobOnAnotherDevice) {
  ASSERT_EQ(Cli("wang", {"login", "wang", kPassword}).code, 0);
  ASSERT_EQ(Cli("wang", {"sync"}).code, 0);
  CliRun visit = Cli("wang", {"new-visit", student_.ToString()});
  ASSERT_EQ(visit.code, 0) << visit.output;
  const std::string visit_id = visit.output.substr(0, 36);
  const std::string photo = PhotoBytes(70'000, 20);
  const std::string file = dir_.file("house.jpg");
  std::ofstream(file, std::ios::binary) << photo;

  CliRun bad = Cli("wang", {"attach", "--record", visit_id, "--field", "photo_house",
                            dir_.file("missing.jpg")});
  EXPECT_NE(bad.code, 0) << bad.output;
  CliRun attached = Cli("wang", {"attach", "--record", visit_id, "--field", "photo_house", file});
  ASSERT_EQ(attached.code, 0) << attached.output;
  const std::string hex = attached.output.substr(0, 64);
  EXPECT_EQ(hex, server::Sha256Hex(sync::Sha256Of(photo)));
  CliRun synced = Cli("wang", {"sync"});
  ASSERT_EQ(synced.code, 0) << synced.output << Cli("wang", {"pending"}).output;
  EXPECT_NE(synced.output.find("attachments sent 1 (70000 bytes)"), std::string::npos)
      << synced.output;

  ASSERT_EQ(Cli("zhao", {"login", "zhao", kPassword}).code, 0);
  ASSERT_EQ(Cli("zhao", {"sync"}).code, 0);
  const std::string out = dir_.file("copy.jpg");
  CliRun fetched = Cli("zhao", {"fetch-blob", hex, "--out", out});
  ASSERT_EQ(fetched.code, 0) << fetched.output;
  EXPECT_EQ(ReadBytes(out), photo);

  EXPECT_EQ(Cli("zhao", {"fetch-blob", "xyz"}).code, 2);
  EXPECT_EQ(Cli("zhao", {"set-setting", "prefetch_blobs", "maybe"}).code, 2);
  CliRun on = Cli("zhao", {"set-setting", "prefetch_blobs", "on"});
  EXPECT_EQ(on.code, 0) << on.output;
}

}  // namespace
}  // namespace homevisit::e2e
