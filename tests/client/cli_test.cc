// The homevisit-device binary against the real server: a teacher's day on the command line,
// exit codes that tell failures apart, and bad input that changes nothing.
#include <filesystem>

#include "app/store/record_fields.h"
#include "e2e_fixture.h"

#ifndef HOMEVISIT_DEVICE_BIN
#error "HOMEVISIT_DEVICE_BIN must name the homevisit-device binary"
#endif

namespace homevisit::e2e {
namespace {

struct CliRun {
  int code;
  std::string output;  // stdout and stderr together
};

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<ServerHarness>(dir_.file("server.db"));
    server_->Start();
    server_->SeedAccounts();
    student_ = server_->SeedRecord(store::type::kStudent, kSchool,
                                   {{"name", Value("李明")}, {"class_name", Value("三年级1班")},
                                    {"id_number", Value("999999201501019876")}});
  }

  CliRun Device(const std::string& data, std::vector<std::string> args) {
    std::vector<std::string> argv = {HOMEVISIT_DEVICE_BIN, "--data", dir_.file(data), "--server",
                                     server_->address(), "--attempts", "2"};
    argv.insert(argv.end(), args.begin(), args.end());
    return Exec(argv);
  }

  CliRun Exec(const std::vector<std::string>& argv) {
    const std::string log = dir_.file("out" + std::to_string(++runs_) + ".log");
    ChildProcess child(argv, log);
    const int code = child.Wait();
    return {code, ReadFileText(log)};
  }

  TempDir dir_;
  std::unique_ptr<ServerHarness> server_;
  Uuid student_;
  int runs_ = 0;
};

TEST_F(CliTest, ATeachersDayLoginSyncListVisitEditSync) {
  CliRun login = Device("wang", {"login", "wang", kPassword});
  ASSERT_EQ(login.code, 0) << login.output;
  EXPECT_NE(login.output.find("王老师"), std::string::npos);
  ASSERT_EQ(Device("wang", {"sync"}).code, 0);

  CliRun students = Device("wang", {"list", "student", "--scope", kSchool, "--class", "三年级1班"});
  ASSERT_EQ(students.code, 0) << students.output;
  EXPECT_NE(students.output.find(student_.ToString() + "  name=李明"), std::string::npos) << students.output;

  CliRun shown = Device("wang", {"show", student_.ToString()});
  EXPECT_EQ(shown.output.find("201501019876"), std::string::npos) << "an ID number is never printed";
  EXPECT_NE(shown.output.find("**************9876"), std::string::npos) << shown.output;

  CliRun visit = Device("wang", {"new-visit", student_.ToString(), "housing=砖混", "income_total=dec:8000.50"});
  ASSERT_EQ(visit.code, 0) << visit.output;
  const std::string visit_id = visit.output.substr(0, 36);
  ASSERT_TRUE(Uuid::Parse(visit_id)) << visit.output;
  CliRun pending = Device("wang", {"pending"});
  EXPECT_NE(pending.output.find("8 unsynced"), std::string::npos) << pending.output;
  CliRun before = Device("wang", {"show", visit_id});
  EXPECT_NE(before.output.find("income_total = dec:8000.50 *"), std::string::npos) << before.output;
  EXPECT_NE(before.output.find("form_id = home_visit *"), std::string::npos) << before.output;
  EXPECT_NE(before.output.find("form_version = int:1 *"), std::string::npos) << before.output;

  CliRun sync = Device("wang", {"sync"});
  ASSERT_EQ(sync.code, 0) << sync.output;
  EXPECT_NE(sync.output.find("pushed 8"), std::string::npos) << sync.output;
  EXPECT_NE(Device("wang", {"pending"}).output.find("0 unsynced"), std::string::npos);
  CliRun after = Device("wang", {"show", visit_id});
  EXPECT_NE(after.output.find("status = draft\n"), std::string::npos) << after.output;
  EXPECT_NE(after.output.find("confirmed yes"), std::string::npos);
  EXPECT_NE(Device("wang", {"list", "visit", "--status", "draft", "--author", "wang"}).output.find(visit_id),
            std::string::npos);
  const auto on_server = server_->Snapshot(kSchool);
  EXPECT_TRUE(on_server.count(visit_id + " income_total"));

  // Submitted as it is, the visit misses required answers: the server refuses the
  // submission with the fields' messages and the visit stays a draft.
  ASSERT_EQ(Device("wang", {"set", visit_id, "status", "submitted"}).code, 0);
  CliRun refused = Device("wang", {"sync"});
  EXPECT_EQ(refused.code, 5) << "the exit code of refused writes\n" << refused.output;
  EXPECT_NE(refused.output.find("refused 1"), std::string::npos) << refused.output;
  CliRun listed = Device("wang", {"pending"});
  EXPECT_NE(listed.output.find("status: the visit does not pass form home_visit version 1: "),
            std::string::npos)
      << listed.output;
  EXPECT_NE(listed.output.find("visitors: "), std::string::npos) << listed.output;
  EXPECT_NE(Device("wang", {"show", visit_id}).output.find("status = draft\n"), std::string::npos);
}

TEST_F(CliTest, AConflictIsListedAndResolvedFromTheCoordinatorsDevice) {
  for (const char* user : {"wang", "li", "zhao"}) {
    ASSERT_EQ(Device(user, {"login", user, kPassword}).code, 0);
    ASSERT_EQ(Device(user, {"sync"}).code, 0);
  }
  ASSERT_EQ(Device("wang", {"set", student_.ToString(), "class_name", "三年级2班"}).code, 0);
  ASSERT_EQ(Device("li", {"set", student_.ToString(), "class_name", "三年级3班"}).code, 0);
  ASSERT_EQ(Device("wang", {"sync"}).code, 0);
  ASSERT_EQ(Device("li", {"sync"}).code, 0);
  ASSERT_EQ(Device("zhao", {"sync"}).code, 0);
  CliRun conflicts = Device("zhao", {"conflicts"});
  ASSERT_NE(conflicts.output.find("1 open conflicts"), std::string::npos) << conflicts.output;
  const std::string conflict_id = conflicts.output.substr(0, 36);
  ASSERT_EQ(Device("zhao", {"resolve", conflict_id, "loser", "家访核实"}).code, 0);
  ASSERT_EQ(Device("zhao", {"sync"}).code, 0);
  ASSERT_EQ(Device("wang", {"sync"}).code, 0);
  EXPECT_NE(Device("zhao", {"conflicts"}).output.find("0 open conflicts"), std::string::npos);
  CliRun shown = Device("wang", {"show", student_.ToString()});
  EXPECT_NE(shown.output.find("class_name = 三年级"), std::string::npos);
}

TEST_F(CliTest, AServerThatIsDownExitsOfflineAndKeepsTheWrites) {
  ASSERT_EQ(Device("wang", {"login", "wang", kPassword}).code, 0);
  ASSERT_EQ(Device("wang", {"sync"}).code, 0);
  server_->Stop();
  ASSERT_EQ(Device("wang", {"new-visit", student_.ToString()}).code, 0);
  CliRun sync = Device("wang", {"sync"});
  EXPECT_EQ(sync.code, 3) << sync.output;
  EXPECT_NE(sync.output.find("服务器不可达，数据已安全保存在本机"), std::string::npos) << sync.output;
  EXPECT_NE(Device("wang", {"pending"}).output.find("6 unsynced"), std::string::npos)
      << "the visit and the form it follows";
}

TEST_F(CliTest, BadCommandLinesExitWithUsageAndChangeNothing) {
  EXPECT_EQ(Exec({HOMEVISIT_DEVICE_BIN, "sync"}).code, 2) << "--data is required";
  EXPECT_EQ(Device("wang", {}).code, 2);
  EXPECT_EQ(Device("wang", {"frobnicate"}).code, 2);
  EXPECT_EQ(Device("wang", {"--bogus"}).code, 2);
  EXPECT_EQ(Exec({HOMEVISIT_DEVICE_BIN, "--data", dir_.file("x"), "--attempts", "0", "sync"}).code, 2);
  CliRun no_login = Device("wang", {"list", "student"});
  EXPECT_EQ(no_login.code, 4) << no_login.output;
  EXPECT_FALSE(std::filesystem::exists(dir_.file("wang"))) << "a failed command created data";

  ASSERT_EQ(Device("wang", {"login", "wang", kPassword}).code, 0);
  EXPECT_EQ(Device("wang", {"login", "wang", "wrong-password"}).code, 4);
  EXPECT_EQ(Device("wang", {"show", "not-an-id"}).code, 2);
  EXPECT_EQ(Device("wang", {"show", "0190a000-0000-7000-8000-000000000000"}).code, 7);
  EXPECT_EQ(Device("wang", {"set", student_.ToString(), "grade"}).code, 2);
  EXPECT_EQ(Device("wang", {"set", student_.ToString(), "grade", "int:x"}).code, 2);
  EXPECT_EQ(Device("wang", {"set", student_.ToString(), "bad name", "1"}).code, 2);
  EXPECT_EQ(Device("wang", {"new-visit", student_.ToString(), "noequals"}).code, 2);
  EXPECT_EQ(Device("wang", {"list", "student", "--class", "x"}).code, 2);
  EXPECT_NE(Device("wang", {"pending"}).output.find("0 unsynced"), std::string::npos)
      << "a refused command wrote something";
}

}  // namespace
}  // namespace homevisit::e2e
