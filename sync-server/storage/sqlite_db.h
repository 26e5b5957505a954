// A thin RAII layer over the SQLite C API: one connection with its cache of prepared
// statements. Used by the SQLite storage backend only.
//
// A Connection is used by one thread at a time (the backend guarantees it); it is opened
// with SQLITE_OPEN_NOMUTEX for that reason.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>

#include "core/status.h"

struct sqlite3;
struct sqlite3_stmt;

namespace homevisit::server::sqlite {

// A prepared statement borrowed from a connection's cache. Bind parameters are 1-based,
// columns 0-based. Destruction resets it and clears its bindings for the next user.
class Statement {
 public:
  explicit Statement(sqlite3_stmt* stmt) : stmt_(stmt) {}
  Statement(Statement&& other) noexcept : stmt_(other.stmt_) { other.stmt_ = nullptr; }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  Statement& Bind(int index, int64_t value);
  Statement& Bind(int index, std::string_view text);
  Statement& BindBlob(int index, std::string_view bytes);
  Statement& BindNull(int index);

  // True when a row is ready, false when the statement is done.
  Result<bool> Step();
  // Runs to completion, expecting no rows.
  Status Run();
  // Makes a statement that ran ready to be bound and run again (bindings are kept until
  // bound anew).
  void Reset();

  int64_t Int(int column) const;
  std::string Text(int column) const;
  std::string Blob(int column) const;
  bool IsNull(int column) const;

 private:
  sqlite3_stmt* stmt_;
};

class Connection {
 public:
  // Opens (creating if needed) the database file with WAL, a busy timeout, full fsync on
  // commit and foreign keys on.
  static Result<std::unique_ptr<Connection>> Open(const std::string& path, int busy_timeout_ms);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // A cached prepared statement for `sql` (prepared on first use).
  Result<Statement> Prepare(const std::string& sql);
  // Runs one or more statements without results (DDL, BEGIN, COMMIT).
  Status Exec(const std::string& sql);
  // Rows changed by the last INSERT/UPDATE/DELETE.
  int Changes() const;
  int64_t LastInsertRowId() const;

  // Checkpoints of this connection's commits are left to `checkpointer` (WalCheckpointer):
  // SQLite's own automatic checkpoint, which runs inside the commit that crosses its
  // threshold, is off for it.
  void HandCheckpointsTo(class WalCheckpointer* checkpointer);

 private:
  explicit Connection(sqlite3* db) : db_(db) {}
  friend class WalCheckpointer;
  sqlite3* db_;
  std::unordered_map<std::string, sqlite3_stmt*> cache_;
};

// Copies the WAL back into the database file on a thread of its own, with a connection of
// its own, once a commit leaves the WAL at kThresholdPages or more. SQLite's automatic
// checkpoint does the same work inside the commit that crosses the threshold, while the
// server holds its write lock: a push batch then waits for thousands of pages to be copied
// and synced. A PASSIVE checkpoint runs beside the writer and readers and blocks neither;
// the WAL is rewound from its start by the first commit after a checkpoint that completed.
class WalCheckpointer {
 public:
  static constexpr int kThresholdPages = 1000;  // SQLite's default automatic threshold

  static Result<std::unique_ptr<WalCheckpointer>> Start(const std::string& path,
                                                        int busy_timeout_ms);
  ~WalCheckpointer();  // stops the thread (a checkpoint under way finishes first)
  WalCheckpointer(const WalCheckpointer&) = delete;
  WalCheckpointer& operator=(const WalCheckpointer&) = delete;

  // Called after each commit with the WAL's size in pages.
  void Committed(int wal_pages);
  // Checkpoints that ran to the end (every WAL page copied), for tests and metrics.
  uint64_t completed() const { return completed_.load(); }

 private:
  explicit WalCheckpointer(std::unique_ptr<Connection> conn);
  void Run();

  std::unique_ptr<Connection> conn_;
  std::mutex mu_;
  std::condition_variable wake_;
  bool wanted_ = false;   // guarded by mu_
  bool stopping_ = false; // guarded by mu_
  std::atomic<uint64_t> completed_{0};
  std::thread thread_;
};

// Maps an SQLite result code to a Status: BUSY/LOCKED → kUnavailable (try again),
// CONSTRAINT → kAlreadyExists, others → kInternal. `what` says what was being done.
Status ErrorStatus(int rc, sqlite3* db, std::string_view what);

}  // namespace homevisit::server::sqlite
