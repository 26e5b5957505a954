// End-to-end set-up: the real sync server (in this process, on 127.0.0.1, over a real SQLite
// file) and real devices (DeviceStore + SyncClient, each in its own directory). Also what
// the fault tests need to run the real binaries as child processes.
#pragma once

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "app/store/device_store.h"
#include "app/store/reader.h"
#include "app/sync/sync_client.h"
#include "store_fixture.h"
#include "sync-server/server.h"
#include "sync-server/storage/storage.h"

namespace homevisit::e2e {

using store::testing::TempDir;

inline constexpr char kCounty[] = "qx";
inline constexpr char kTownship[] = "qx/hs";
inline constexpr char kSchool[] = "qx/hs/s1";
inline constexpr char kOtherSchool[] = "qx/hs/s2";
inline constexpr char kPassword[] = "correct-horse-7";

// Every current field the server holds within `scope`, as "id field value hlc@node" lines
// keyed by "id field".
std::map<std::string, std::string> SnapshotOf(server::Storage& storage, const std::string& scope);

// A free TCP port on 127.0.0.1 (bound, read, released: good enough for tests).
int FreePort();

// The real server over a SQLite file, in this process. Restartable on the same port.
class ServerHarness {
 public:
  explicit ServerHarness(std::string db_path) : db_path_(std::move(db_path)) {}
  ~ServerHarness() { Stop(); }

  // Opens (and migrates) the database, publishes the default form as `serve` does, and
  // serves it; port 0 picks one the first time, and a restart keeps it.
  void Start(server::ServiceLimits limits = {});
  // Serve attachments from `dir` (before Start).
  void EnableBlobs(std::string dir, uint64_t max_blob_bytes = 10ull << 20) {
    blob_dir_ = std::move(dir);
    max_blob_bytes_ = max_blob_bytes;
  }
  void Stop();
  bool running() const { return server_ != nullptr; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  int port() const { return port_; }
  server::Storage& storage() { return *storage_; }
  const std::string& db_path() const { return db_path_; }

  // Scopes qx, qx/hs, qx/hs/s1, qx/hs/s2 and users wang, li (teachers of s1), zhao
  // (coordinator of s1), sun (teacher of s2), all with kPassword.
  void SeedAccounts();
  // Roster records written by the server itself (node 0), as the operator's import would.
  Uuid SeedRecord(const std::string& type, const std::string& scope, const store::FieldValues& fields);
  // Every current field the server holds for `scope`, as "id field value hlc@node" lines.
  std::map<std::string, std::string> Snapshot(const std::string& scope);

 private:
  std::string db_path_;
  std::unique_ptr<server::Storage> storage_;
  std::unique_ptr<server::SyncServer> server_;
  int port_ = 0;
  uint64_t seed_counter_ = 0;
  std::string blob_dir_;
  uint64_t max_blob_bytes_ = 0;
};

// A device: its own directory, store and sync client.
class Device {
 public:
  Device(const std::string& dir, const std::string& server_address, sync::SyncOptions options = Fast(),
         store::DeviceStore::Options store_options = {});
  // Options with short backoff and deadlines, so offline tests end quickly.
  static sync::SyncOptions Fast();

  sync::SyncReport Login(const std::string& user) { return client_->Login(user, kPassword); }
  sync::SyncReport Sync(const sync::ProgressFn& progress = {}) { return client_->Sync(progress); }
  store::DeviceStore& store() { return *store_; }
  store::StoreReader& reader() { return *reader_; }
  sync::SyncClient& client() { return *client_; }
  // The confirmed replica for `scope`, in the same form as ServerHarness::Snapshot.
  std::map<std::string, std::string> Snapshot(const std::string& scope);
  const std::string& db_path() const { return db_path_; }

 private:
  std::string db_path_;
  std::unique_ptr<store::DeviceStore> store_;
  std::unique_ptr<store::StoreReader> reader_;
  std::unique_ptr<sync::SyncClient> client_;
};

// A child process running a real binary; killed (SIGKILL) if still running at destruction.
class ChildProcess {
 public:
  // Starts `argv` with stdout and stderr appended to `log_path`.
  ChildProcess(const std::vector<std::string>& argv, const std::string& log_path);
  ~ChildProcess();
  void Kill(int signal_number = SIGKILL);
  // Waits for the exit and returns the exit code (128 + signal when killed).
  int Wait();
  bool Running();
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  int status_ = -1;
};

std::string ReadFileText(const std::string& path);

}  // namespace homevisit::e2e
