// The SQLite backend of the central database (`--db sqlite:PATH`), the embedded default.
//
// Connections: one writer connection, used under write_mu_ by one WriteTxn (or one admin
// write) at a time, and a pool of reader connections. In WAL mode readers never block the
// writer and each read statement sees one committed snapshot.
//
// Cursor safety (why a pull can never skip a change). The cursor is `seq`, a counter kept in
// the database and advanced only inside a write transaction, which SQLite runs one at a time
// (BEGIN IMMEDIATE takes the single write lock until COMMIT; write_mu_ serializes this
// process's writers before they even ask). So positions are handed out in commit order: a
// transaction that commits later read the counter after every earlier commit and takes
// larger positions. A reader sees a snapshot that holds whole committed transactions only;
// every change it does not see yet belongs to a transaction that commits after its snapshot
// and therefore carries a position above everything it saw. Resuming after the largest
// position a reader was sent thus never passes over a change. A field changed again gets a
// new, larger position, so the latest version is always ahead of every cursor that has not
// seen it.
//
// Layout (schema 3). A record is one row holding all its current fields (record_codec.h),
// each with the position of its last change. The feed is the table `changes`: one entry
// per (record, writing transaction), at the position that transaction gave the record;
// reading entry p sends the record's fields whose position is p. This is exactly the feed
// one row per field would give (same fields, same positions), with one row and one index
// entry per changed record instead of per field: a new 40-field visit is two rows, not
// forty. An entry whose fields were all written again is deleted with that write.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "sync-server/storage/sqlite_db.h"
#include "sync-server/storage/storage.h"

namespace homevisit::server {

class SqliteStorage final : public Storage {
 public:
  // Opens (creating if needed) the database file. Does not migrate.
  static Result<std::unique_ptr<SqliteStorage>> Open(const std::string& path);
  ~SqliteStorage() override;

  Status Migrate() override;
  int SchemaVersion() const override;
  Result<std::unique_ptr<WriteTxn>> BeginWrite() override;

  Result<EncodedChanges> ReadEncodedChanges(const std::vector<std::string>& scopes,
                                            uint64_t after_seq, size_t limit) override;
  Result<ScopeChecksum> ChecksumOf(const std::string& scope) override;
  Result<std::optional<Record>> GetRecord(const Uuid& id) override;
  Result<std::vector<Record>> ListRecords(const std::string& type, const std::string& scope,
                                          size_t limit) override;

  Result<int64_t> AddUser(const User& user) override;
  Result<std::optional<User>> FindUser(const std::string& name) override;
  Result<std::optional<User>> GetUser(int64_t id) override;
  Result<std::vector<User>> ListUsers() override;
  Status SetUserDisabled(const std::string& name, bool disabled) override;
  Status SetPasswordHash(const std::string& name, const std::string& hash) override;

  Status AddScope(const ScopeRow& scope) override;
  Result<std::vector<ScopeRow>> ListScopes() override;

  Result<Device> EnrollDevice(const std::string& device_id, int64_t user_id,
                              const std::string& name, const std::string& token_sha256,
                              int64_t now_ms) override;
  Result<std::optional<Device>> FindDeviceByToken(const std::string& token_sha256) override;
  Result<std::vector<Device>> ListDevices() override;
  Status RevokeDevice(const std::string& device_id) override;
  Status TouchDevice(uint32_t node, int64_t now_ms) override;

  Result<int> AddLoginFailure(const std::string& key, int64_t now_ms,
                              int64_t window_ms) override;
  Result<int> CountLoginFailures(const std::string& key, int64_t now_ms,
                                 int64_t window_ms) override;
  Status ClearLoginFailures(const std::string& key) override;

  Result<Stats> GetStats() override;

  static constexpr int kBusyTimeoutMs = 5000;

  // WAL checkpoints that ran to the end since Open (sqlite::WalCheckpointer).
  uint64_t CompletedCheckpoints() const;

 private:
  class ReaderLease;
  class WriterLock;
  SqliteStorage(std::string path, std::unique_ptr<sqlite::WalCheckpointer> checkpointer,
                std::unique_ptr<sqlite::Connection> writer);

  // A reader connection from the pool (opened on demand), returned when the lease ends.
  Result<ReaderLease> Reader();
  void ReturnReader(std::unique_ptr<sqlite::Connection> conn);
  // Runs `body` inside BEGIN IMMEDIATE ... COMMIT on the writer, rolling back on failure.
  template <typename Body>
  Status InWriteTransaction(Body&& body);

  const std::string path_;
  // Declared before writer_, so it outlives the connection whose commits call it.
  std::unique_ptr<sqlite::WalCheckpointer> checkpointer_;
  std::mutex write_mu_;
  std::unique_ptr<sqlite::Connection> writer_;  // guarded by write_mu_
  std::mutex readers_mu_;
  std::vector<std::unique_ptr<sqlite::Connection>> idle_readers_;  // guarded by readers_mu_
};

}  // namespace homevisit::server
