#include "e2e_fixture.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "app/store/reader.h"
#include "app/store/value_codec.h"
#include "core/scope.h"
#include "sync-server/form_publish.h"
#include "sync-server/auth.h"

namespace homevisit::e2e {

int FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  int port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  close(fd);
  return port;
}

void ServerHarness::Start(server::ServiceLimits limits) {
  if (!storage_) {
    auto storage = server::OpenStorage("sqlite:" + db_path_);
    ASSERT_TRUE(storage.ok()) << storage.status().ToString();
    storage_ = std::move(storage).value();
    ASSERT_TRUE(storage_->Migrate().ok());
    // What `serve` does on its first start: submitted visits are checked against this form.
    server::ServerClock clock;
    auto published = server::PublishDefaultForm(*storage_, clock);
    ASSERT_TRUE(published.ok()) << published.status().ToString();
  }
  server::ServerOptions options;
  options.listen = "127.0.0.1:" + std::to_string(port_);
  options.limits = limits;
  options.log = [](const std::string&) {};
  options.blob_dir = blob_dir_;
  if (max_blob_bytes_ > 0) options.max_blob_bytes = max_blob_bytes_;
  auto started = server::SyncServer::Start(*storage_, options);
  ASSERT_TRUE(started.ok()) << started.status().ToString();
  server_ = std::move(started).value();
  port_ = server_->port();
}

void ServerHarness::Stop() {
  if (!server_) return;
  server_->Shutdown();
  server_->Wait();
  server_.reset();
}

void ServerHarness::SeedAccounts() {
  ASSERT_TRUE(server::InitCrypto().ok());
  for (const auto& [path, title] : std::vector<std::pair<std::string, std::string>>{
           {kCounty, "清溪县"}, {kTownship, "花山镇"}, {kSchool, "花山镇中心小学"}, {kOtherSchool, "石门小学"}}) {
    ASSERT_TRUE(storage_->AddScope({path, title}).ok());
  }
  auto hash = server::HashPassword(kPassword);
  ASSERT_TRUE(hash.ok());
  struct Account {
    const char* name;
    const char* display;
    Role role;
    const char* scope;
  };
  for (const Account& a : {Account{"wang", "王老师", Role::kTeacher, kSchool},
                           Account{"li", "李老师", Role::kTeacher, kSchool},
                           Account{"zhao", "赵专干", Role::kCoordinator, kSchool},
                           Account{"sun", "孙老师", Role::kTeacher, kOtherSchool}}) {
    server::User user;
    user.name = a.name;
    user.display_name = a.display;
    user.role = a.role;
    user.password_hash = *hash;
    user.scopes = {a.scope};
    auto id = storage_->AddUser(user);
    ASSERT_TRUE(id.ok()) << id.status().ToString();
  }
}

Uuid ServerHarness::SeedRecord(const std::string& type, const std::string& scope,
                               const store::FieldValues& fields) {
  const int64_t now = HybridClock::SystemMillis();
  ++seed_counter_;
  const Uuid id = Uuid::V7(now, seed_counter_ * 7919, seed_counter_);
  auto txn = storage_->BeginWrite();
  EXPECT_TRUE(txn.ok());
  const Stamp stamp{Stamp::Pack(static_cast<uint64_t>(now) - 60'000, static_cast<uint16_t>(seed_counter_)),
                    kServerNode};
  for (const auto& [name, value] : fields) {
    EXPECT_TRUE((*txn)->PutField({id, type, scope}, name, FieldVersion{value, stamp}, std::nullopt).ok());
  }
  EXPECT_TRUE((*txn)->Commit().ok());
  return id;
}

namespace {
std::string Line(const Uuid& id, const std::string& field, const Value& value, const Stamp& s) {
  return id.ToString() + " " + field + " " + value.DebugString() + " " + s.ToString();
}
}  // namespace

std::map<std::string, std::string> ServerHarness::Snapshot(const std::string& scope) {
  return SnapshotOf(*storage_, scope);
}

std::map<std::string, std::string> SnapshotOf(server::Storage& storage, const std::string& scope) {
  std::map<std::string, std::string> out;
  auto changes = storage.ReadChanges({scope}, 0, 10'000'000);
  EXPECT_TRUE(changes.ok()) << changes.status().ToString();
  if (!changes.ok()) return out;
  for (const auto& c : *changes) {
    out[c.record.id.ToString() + " " + c.field] = Line(c.record.id, c.field, c.version.value, c.version.stamp);
  }
  return out;
}

sync::SyncOptions Device::Fast() {
  sync::SyncOptions o;
  o.backoff.initial_delay = std::chrono::milliseconds(20);
  o.backoff.max_delay = std::chrono::milliseconds(100);
  o.backoff.max_attempts = 3;
  o.login_deadline = std::chrono::milliseconds(5000);
  o.push_deadline = std::chrono::milliseconds(10000);
  o.pull_deadline = std::chrono::milliseconds(30000);
  return o;
}

Device::Device(const std::string& dir, const std::string& server_address, sync::SyncOptions options,
               store::DeviceStore::Options store_options)
    : db_path_(dir + "/device.db") {
  std::filesystem::create_directories(dir);
  auto s = store::DeviceStore::Open(db_path_, store_options);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  store_ = std::move(s).value();
  auto r = store_->OpenReader();
  EXPECT_TRUE(r.ok());
  reader_ = std::move(r).value();
  options.server = server_address;
  client_ = std::make_unique<sync::SyncClient>(*store_, options);
}

std::map<std::string, std::string> Device::Snapshot(const std::string& scope) {
  std::map<std::string, std::string> out;
  // The confirmed replica as the store holds it (its layout is the store's business).
  auto reader = store::StoreReader::Open(db_path_);
  EXPECT_TRUE(reader.ok());
  auto records = (*reader)->ConfirmedRecords();
  EXPECT_TRUE(records.ok()) << records.status().ToString();
  for (const Record& r : *records) {
    if (!ScopeCovers(scope, r.scope)) continue;
    for (const auto& [name, fv] : r.fields) {
      out[r.id.ToString() + " " + name] = Line(r.id, name, fv.value, fv.stamp);
    }
  }
  return out;
}

ChildProcess::ChildProcess(const std::vector<std::string>& argv, const std::string& log_path) {
  pid_ = fork();
  if (pid_ == 0) {
    const int fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    dup2(fd, 1);
    dup2(fd, 2);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
}

ChildProcess::~ChildProcess() {
  if (Running()) Kill();
  if (pid_ > 0 && status_ < 0) Wait();
}

void ChildProcess::Kill(int signal_number) {
  if (pid_ > 0) kill(pid_, signal_number);
}

int ChildProcess::Wait() {
  if (status_ >= 0) return status_;
  int raw = 0;
  if (waitpid(pid_, &raw, 0) != pid_) return -1;
  status_ = WIFEXITED(raw) ? WEXITSTATUS(raw) : 128 + WTERMSIG(raw);
  return status_;
}

bool ChildProcess::Running() {
  if (pid_ <= 0 || status_ >= 0) return false;
  int raw = 0;
  const pid_t r = waitpid(pid_, &raw, WNOHANG);
  if (r == 0) return true;
  if (r == pid_) status_ = WIFEXITED(raw) ? WEXITSTATUS(raw) : 128 + WTERMSIG(raw);
  return false;
}

std::string ReadFileText(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace homevisit::e2e
