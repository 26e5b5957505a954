// The real homevisit-server binary: admin commands, bad arguments, demo-seed, and `serve`
// answering health checks and syncing a visit from a teacher to the coordinator.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <regex>
#include <thread>

#include "core/forms/form_record.h"
#include "sync-server/form_publish.h"
#include "tests/server/server_harness.h"

extern char** environ;

namespace homevisit::server::testing {
namespace {

struct CommandRun {
  int exit_code = -1;
  std::string out;
  std::string err;
};

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// Starts the server binary with `args`, stdin from `input`, stdout and stderr to files.
pid_t Spawn(const std::vector<std::string>& args, const std::string& input, std::string* out_path,
            std::string* err_path) {
  static std::atomic<int> counter{0};
  const std::string base = TestTempDir() + "/run" + std::to_string(++counter);
  const std::string in_path = base + ".in";
  *out_path = base + ".out";
  *err_path = base + ".err";
  std::ofstream(in_path) << input;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, in_path.c_str(), O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out_path->c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_addopen(&actions, 2, err_path->c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  std::vector<std::string> words = {HOMEVISIT_SERVER_BINARY};
  words.insert(words.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& w : words) argv.push_back(w.data());
  argv.push_back(nullptr);
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, HOMEVISIT_SERVER_BINARY, &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  return rc == 0 ? pid : -1;
}

int WaitExit(pid_t pid) {
  int status = 0;
  if (waitpid(pid, &status, 0) != pid) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

CommandRun RunServerCommand(const std::vector<std::string>& args, const std::string& input = "") {
  CommandRun run;
  std::string out_path, err_path;
  const pid_t pid = Spawn(args, input, &out_path, &err_path);
  if (pid < 0) return run;
  run.exit_code = WaitExit(pid);
  run.out = ReadFile(out_path);
  run.err = ReadFile(err_path);
  return run;
}

std::string NewDatabase() {
  static std::atomic<int> counter{0};
  return "sqlite:" + TestTempDir() + "/cli" + std::to_string(++counter) + ".db";
}

std::string Join(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : " ") + w;
  return out;
}

// Writes `text` to a new file in the test's temporary directory and returns its path.
std::string WriteTempFile(const std::string& name, const std::string& text) {
  static std::atomic<int> counter{0};
  const std::string path = TestTempDir() + "/" + std::to_string(++counter) + "-" + name;
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

// `text` with its first `from` replaced by `to` (which must be there).
std::string ReplacedOnce(std::string text, const std::string& from, const std::string& to) {
  const size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

// Starts `serve` on 127.0.0.1 port 0 and returns its pid and port (0 when it did not start).
pid_t StartServe(const std::string& db, int* port, std::string* out_path, std::string* err_path) {
  *port = 0;
  const pid_t pid = Spawn({"serve", "--listen", "127.0.0.1:0", "--db", db}, "", out_path, err_path);
  if (pid <= 0) return pid;
  // Wait for the line that names the port (no time is measured; the cap only ends a hang).
  for (int i = 0; i < 600 && *port == 0; ++i) {
    std::smatch m;
    const std::string out = ReadFile(*out_path);
    if (std::regex_search(out, m, std::regex(R"(listening on 127\.0\.0\.1:(\d+))"))) {
      *port = std::stoi(m[1]);
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  return pid;
}

TEST(ServerCli, BadArgumentsExitNonZeroWithAClearMessageAndChangeNothing) {
  const std::string db = NewDatabase();
  ASSERT_EQ(RunServerCommand({"scope", "add", "qx", "--title", "清溪县", "--db", db}).exit_code, 0);
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  const std::vector<Case> cases = {
      {{}, "homevisit-server"},
      {{"frobnicate"}, "unknown command"},
      {{"user", "add", "--db", db}, "expected 1 operand"},
      {{"user", "add", "wang", "--db", db}, "--role is required"},
      {{"user", "add", "wang", "--role", "chef", "--scope", "qx", "--db", db}, "unknown role"},
      {{"user", "add", "wang", "--role", "teacher", "--db", db}, "--scope"},
      {{"user", "add", "wang", "--role", "teacher", "--scope", "qx", "--password", "short",
        "--db", db},
       "8 to 256 bytes"},
      {{"user", "add", "wang", "--role", "teacher", "--scope", "qx/nowhere", "--password",
        "long enough", "--db", db},
       "does not exist"},
      {{"user", "disable", "nobody", "--db", db}, "does not exist"},
      {{"scope", "add", "qx/hs", "--db", db}, "--title is required"},
      {{"scope", "add", "a/b/c/d", "--title", "x", "--db", db}, "not a valid scope path"},
      {{"stats", "--bogus", "--db", db}, "unknown option --bogus"},
      {{"stats", "extra", "--db", db}, "unexpected argument"},
      {{"stats", "--db"}, "--db needs a value"},
      {{"stats", "--db", "mysql://localhost/x"}, "unknown database"},
      {{"conflicts", "list", "--limit", "many", "--db", db}, "whole number"},
      {{"device", "revoke", "my-phone", "--db", db}, "not a device id"},
      {{"serve", "--listen", "0.0.0.0:50051", "--db", db}, "without TLS"},
      {{"serve", "--listen", "nonsense", "--db", db}, "HOST:PORT"},
      {{"serve", "--max-batch-writes", "0", "--db", db}, "between"},
      {{"demo-seed", "--demo-password", "x", "--db", db}, "at least 8"},
      {{"scope", "add", "_global", "--title", "x", "--db", db}, "reserved"},
      {{"form", "publish", "--db", db}, "expected 1 operand"},
      {{"form", "publish", TestTempDir() + "/no-such-form.json", "--db", db}, "no such file"},
  };
  for (const Case& c : cases) {
    const CommandRun run = RunServerCommand(c.args);
    EXPECT_NE(run.exit_code, 0) << Join(c.args);
    EXPECT_NE(run.err.find(c.message), std::string::npos)
        << Join(c.args) << "\nstderr: " << run.err;
  }
  const CommandRun users = RunServerCommand({"user", "list", "--db", db});
  EXPECT_EQ(users.exit_code, 0);
  EXPECT_EQ(users.out.find("wang"), std::string::npos) << "a refused command added a user";
  const CommandRun stats = RunServerCommand({"stats", "--db", db});
  EXPECT_NE(stats.out.find("users 0"), std::string::npos) << stats.out;
}

TEST(ServerCli, DemoSeedBuildsATownshipAndPrintsNoIdNumbers) {
  const std::string db = NewDatabase();
  const CommandRun seed = RunServerCommand({"demo-seed", "--db", db});
  ASSERT_EQ(seed.exit_code, 0) << seed.err;
  for (const char* role : {"role=teacher", "role=coordinator", "role=admin"}) {
    EXPECT_NE(seed.out.find(role), std::string::npos) << seed.out;
  }
  EXPECT_EQ(std::count(seed.out.begin(), seed.out.end(), '\n'), 5) << seed.out;
  EXPECT_NE(seed.out.find("password="), std::string::npos);
  const std::regex id_number(R"(\d{17}[\dX])");
  EXPECT_FALSE(std::regex_search(seed.out, id_number)) << seed.out;
  EXPECT_FALSE(std::regex_search(seed.err, id_number)) << seed.err;

  const CommandRun stats = RunServerCommand({"stats", "--db", db});
  ASSERT_EQ(stats.exit_code, 0) << stats.err;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(stats.out, m, std::regex(R"(records\.student (\d+))")));
  EXPECT_GE(std::stoi(m[1]), 600);
  ASSERT_TRUE(std::regex_search(stats.out, m, std::regex(R"(records\.household (\d+))")));
  EXPECT_GE(std::stoi(m[1]), 450);
  EXPECT_NE(stats.out.find("users 3"), std::string::npos) << stats.out;

  const CommandRun scopes = RunServerCommand({"scope", "list", "--db", db});
  int schools = 0;
  for (size_t at = 0; (at = scopes.out.find("    qingxi/huashan/", at)) != std::string::npos; ++at) {
    ++schools;
  }
  EXPECT_GE(schools, 5) << scopes.out;

  const CommandRun again = RunServerCommand({"demo-seed", "--db", db});
  EXPECT_NE(again.exit_code, 0);
  EXPECT_NE(again.err.find("empty database"), std::string::npos) << again.err;
}

TEST(ServerCli, OperatorManagesUsersScopesAndDevices) {
  const std::string db = NewDatabase();
  ASSERT_EQ(RunServerCommand({"scope", "add", "qx", "--title", "清溪县", "--db", db}).exit_code, 0);
  ASSERT_EQ(RunServerCommand({"scope", "add", "qx/hs", "--title", "花山镇", "--db", db}).exit_code, 0);
  const CommandRun add = RunServerCommand({"user", "add", "wang", "--role", "teacher", "--scope", "qx/hs",
                                    "--display-name", "王老师", "--password-stdin", "--db", db},
                                   "secret-password\n");
  ASSERT_EQ(add.exit_code, 0) << add.err;
  EXPECT_EQ(add.out.find("secret-password"), std::string::npos) << "a given password is not echoed";
  const CommandRun generated = RunServerCommand(
      {"user", "add", "li", "--role", "coordinator", "--scope", "qx", "--db", db});
  ASSERT_EQ(generated.exit_code, 0) << generated.err;
  EXPECT_TRUE(std::regex_search(generated.out, std::regex("password: [a-z2-9]{16}")))
      << generated.out;
  const CommandRun duplicate = RunServerCommand(
      {"user", "add", "wang", "--role", "teacher", "--scope", "qx", "--password", "another-one",
       "--db", db});
  EXPECT_EQ(duplicate.exit_code, 1);
  EXPECT_NE(duplicate.err.find("already exists"), std::string::npos) << duplicate.err;

  ASSERT_EQ(RunServerCommand({"user", "disable", "wang", "--db", db}).exit_code, 0);
  const CommandRun list = RunServerCommand({"user", "list", "--db", db});
  EXPECT_TRUE(std::regex_search(list.out, std::regex("wang +teacher +disabled +qx/hs +王老师")))
      << list.out;
  EXPECT_TRUE(std::regex_search(list.out, std::regex("li +coordinator +active"))) << list.out;
  ASSERT_EQ(RunServerCommand({"user", "passwd", "wang", "--password", "new-password", "--db", db})
                .exit_code,
            0);
  const CommandRun conflicts = RunServerCommand({"conflicts", "list", "--db", db});
  EXPECT_EQ(conflicts.exit_code, 0);
  EXPECT_NE(conflicts.out.find("0 open conflicts"), std::string::npos) << conflicts.out;
  const CommandRun revoke = RunServerCommand(
      {"device", "revoke", "01890a5d-ac96-774b-bcce-b302099a8057", "--db", db});
  EXPECT_EQ(revoke.exit_code, 1);
  EXPECT_NE(revoke.err.find("does not exist"), std::string::npos) << revoke.err;
}

// What an operator does first: seed, serve on loopback, and a teacher's visit reaches the
// coordinator through the running binary.
TEST(ServerCli, ServeAnswersHealthChecksSyncsAndStopsOnSigterm) {
  const std::string db = NewDatabase();
  ASSERT_EQ(RunServerCommand({"demo-seed", "--demo-password", "demo-password", "--db", db})
                .exit_code,
            0);
  std::string out_path, err_path;
  const pid_t pid = Spawn({"serve", "--listen", "127.0.0.1:0", "--db", db}, "", &out_path,
                          &err_path);
  ASSERT_GT(pid, 0);
  int port = 0;
  // Wait for the line that names the port (no time is measured; the cap only ends a hang).
  for (int i = 0; i < 600 && port == 0; ++i) {
    std::smatch m;
    const std::string out = ReadFile(out_path);
    if (std::regex_search(out, m, std::regex(R"(listening on 127\.0\.0\.1:(\d+))"))) {
      port = std::stoi(m[1]);
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  ASSERT_GT(port, 0) << "stdout: " << ReadFile(out_path) << "\nstderr: " << ReadFile(err_path);

  grpc::Status status;
  auto health = RawCall(port, "/grpc.health.v1.Health/Check", "", &status);
  EXPECT_TRUE(status.ok()) << Describe(status);
  EXPECT_EQ(health, std::vector<std::string>{std::string("\x08\x01", 2)});

  auto channel = grpc::CreateChannel("127.0.0.1:" + std::to_string(port),
                                     grpc::InsecureChannelCredentials());
  TestDevice teacher(channel), coordinator(channel);
  ASSERT_TRUE(teacher.Login("teacher", "demo-password").ok());
  ASSERT_TRUE(coordinator.Login("coordinator", "demo-password").ok());
  const std::string school = "qingxi/huashan/zhongxin";
  const Uuid visit = NewRecordId();
  v1::PushRequest push;
  push.set_batch_seq(1);
  auto* record = AddRecord(push, visit, "visit", school);
  AddField(record, "status", Value("submitted"), teacher.NextHlc());
  AddField(record, "recommended_tier", Value("困难"), teacher.NextHlc());
  // demo-seed published the default form: a complete visit passes it.
  AddHomeVisitAnswers(record, CompleteHomeVisit(), teacher);
  v1::PushResponse response;
  ASSERT_TRUE(teacher.Push(push, &response).ok());
  EXPECT_EQ(response.outcomes_size(), 0) << response.outcomes(0).reason();
  EXPECT_EQ(response.applied_count(), static_cast<uint32_t>(record->fields_size()));
  v1::PullEnd end;
  ASSERT_TRUE(coordinator.Sync({school}, &end).ok());
  const Record* pulled = coordinator.replica().Find(visit);
  ASSERT_TRUE(pulled) << "the coordinator did not receive the teacher's visit";
  EXPECT_EQ(pulled->Find("status")->value, Value("submitted"));
  ASSERT_EQ(end.checksums_size(), 1);
  EXPECT_EQ(end.checksums(0).checksum(), coordinator.replica().Checksum(school).sum);

  ASSERT_EQ(kill(pid, SIGTERM), 0);
  EXPECT_EQ(WaitExit(pid), 0) << ReadFile(err_path);
  EXPECT_NE(ReadFile(out_path).find("stopping"), std::string::npos);
  const std::string log = ReadFile(err_path);
  EXPECT_NE(log.find("call=Push user=teacher"), std::string::npos) << log;
}

// The operator publishes a new form version; a broken one or an old version changes nothing.
TEST(ServerCli, FormPublishRefusesBrokenFormsAndOldVersionsAndDevicesPullTheNewOne) {
  const std::string db = NewDatabase();
  ASSERT_EQ(RunServerCommand({"demo-seed", "--demo-password", "demo-password", "--db", db})
                .exit_code,
            0);
  const std::string v1_text(DefaultFormDefinition());
  const std::string v2_text = ReplacedOnce(v1_text, "\"version\": 1", "\"version\": 2");
  const std::string broken = ReplacedOnce(v2_text, "\"code\": \"father\"", "\"code\": \"fa ther\"");
  const std::string broken_path = WriteTempFile("broken.json", broken);
  const CommandRun refused = RunServerCommand({"form", "publish", broken_path, "--db", db});
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_NE(refused.err.find(broken_path + ": fields[0].children[3].choices[0].code: "),
            std::string::npos)
      << refused.err;
  EXPECT_NE(refused.err.find("nothing was published"), std::string::npos) << refused.err;
  const CommandRun before = RunServerCommand({"form", "list", "--db", db});
  ASSERT_EQ(before.exit_code, 0) << before.err;
  EXPECT_NE(before.out.find("1 form version\n"), std::string::npos) << before.out;

  const CommandRun old = RunServerCommand(
      {"form", "publish", WriteTempFile("v1.json", v1_text), "--db", db});
  EXPECT_EQ(old.exit_code, 1);
  EXPECT_NE(old.err.find("not newer than the published version 1"), std::string::npos) << old.err;

  const std::string v2_path = WriteTempFile("v2.json", v2_text);
  const CommandRun published = RunServerCommand({"form", "publish", v2_path, "--db", db});
  ASSERT_EQ(published.exit_code, 0) << published.err;
  EXPECT_NE(published.out.find("published form home_visit version 2"), std::string::npos)
      << published.out;
  const CommandRun twice = RunServerCommand({"form", "publish", v2_path, "--db", db});
  EXPECT_EQ(twice.exit_code, 1);
  EXPECT_NE(twice.err.find("not newer than the published version 2"), std::string::npos)
      << twice.err;
  const CommandRun list = RunServerCommand({"form", "list", "--db", db});
  EXPECT_TRUE(std::regex_search(
      list.out, std::regex(R"(home_visit +1 +\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ +家访记录)")))
      << list.out;
  EXPECT_TRUE(std::regex_search(list.out, std::regex(R"(home_visit +2 )"))) << list.out;
  EXPECT_NE(list.out.find("2 form versions"), std::string::npos) << list.out;

  // A teacher's device receives both versions from the running server.
  int port = 0;
  std::string out_path, err_path;
  const pid_t pid = StartServe(db, &port, &out_path, &err_path);
  ASSERT_GT(pid, 0);
  if (port > 0) {
    TestDevice teacher(grpc::CreateChannel("127.0.0.1:" + std::to_string(port),
                                           grpc::InsecureChannelCredentials()));
    EXPECT_TRUE(teacher.Login("teacher", "demo-password").ok());
    EXPECT_TRUE(teacher.Sync().ok());
    const Record* v2 = teacher.replica().Find(forms::FormRecordId("home_visit", 2));
    ASSERT_TRUE(v2) << "the device did not receive version 2";
    EXPECT_EQ(v2->Find(forms::kFormVersionField)->value, Value(int64_t{2}));
    EXPECT_TRUE(teacher.replica().Find(forms::FormRecordId("home_visit", 1)));
  }
  kill(pid, SIGTERM);
  EXPECT_EQ(WaitExit(pid), 0) << ReadFile(err_path);
  ASSERT_GT(port, 0) << "stdout: " << ReadFile(out_path) << "\nstderr: " << ReadFile(err_path);
}

// A fresh database: `serve` publishes the default form on its first start, once.
TEST(ServerCli, ServePublishesTheDefaultFormOnItsFirstStart) {
  const std::string db = NewDatabase();
  for (int start = 0; start < 2; ++start) {
    int port = 0;
    std::string out_path, err_path;
    const pid_t pid = StartServe(db, &port, &out_path, &err_path);
    ASSERT_GT(pid, 0);
    kill(pid, SIGTERM);
    EXPECT_EQ(WaitExit(pid), 0) << ReadFile(err_path);
    ASSERT_GT(port, 0) << "stdout: " << ReadFile(out_path) << "\nstderr: " << ReadFile(err_path);
    EXPECT_EQ(ReadFile(err_path).find("published the default form") != std::string::npos,
              start == 0)
        << ReadFile(err_path);
  }
  const CommandRun list = RunServerCommand({"form", "list", "--db", db});
  EXPECT_TRUE(std::regex_search(list.out, std::regex(R"(home_visit +1 )"))) << list.out;
  EXPECT_NE(list.out.find("1 form version\n"), std::string::npos) << list.out;
}

}  // namespace
}  // namespace homevisit::server::testing
