// A thin RAII layer over the SQLite C API for the device store: a connection, a prepared
// statement and a transaction guard. Every failure comes back as a Status; a busy or locked
// database is kUnavailable (try again), anything else kInternal with SQLite's message
// (which never contains bound values, so no survey answer reaches a log through it).
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/status.h"

namespace homevisit::store {

Status SqliteError(sqlite3* db, int rc, std::string_view what);

class Statement {
 public:
  Statement() = default;
  Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  Statement(Statement&& other) noexcept { *this = std::move(other); }
  Statement& operator=(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  // Binding: parameter indices start at 1. Text and blobs are copied by SQLite.
  Statement& Bind(int index, int64_t value);
  Statement& BindText(int index, std::string_view text);
  Statement& BindBlob(int index, std::string_view bytes);
  Statement& BindNull(int index);

  // Steps once: true while a row is available, false when done. A failed bind surfaces here.
  Result<bool> Step();
  // Steps to completion, expecting no rows to be needed (INSERT/UPDATE/DELETE).
  Status Run();
  // Clears bindings and rewinds, so the statement can be reused in a loop.
  void Reset();

  int64_t Int(int col) const { return sqlite3_column_int64(stmt_, col); }
  bool IsNull(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
  std::string Text(int col) const;
  std::string Blob(int col) const;
  std::string_view BlobView(int col) const;

 private:
  sqlite3* db_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
  int bind_rc_ = SQLITE_OK;
};

// A statement from a connection's cache, used like a Statement and reset (bindings cleared,
// cursor closed) when this goes out of scope, so no cached statement keeps a read
// transaction open.
class StatementRef {
 public:
  explicit StatementRef(Statement* s) : s_(s) {}
  StatementRef(StatementRef&& other) noexcept : s_(other.s_) { other.s_ = nullptr; }
  StatementRef& operator=(StatementRef&&) = delete;
  ~StatementRef() {
    if (s_) s_->Reset();
  }
  StatementRef& Bind(int index, int64_t value) { return s_->Bind(index, value), *this; }
  StatementRef& BindText(int index, std::string_view text) { return s_->BindText(index, text), *this; }
  StatementRef& BindBlob(int index, std::string_view bytes) { return s_->BindBlob(index, bytes), *this; }
  StatementRef& BindNull(int index) { return s_->BindNull(index), *this; }
  Result<bool> Step() { return s_->Step(); }
  Status Run() { return s_->Run(); }
  void Reset() { s_->Reset(); }
  int64_t Int(int col) const { return s_->Int(col); }
  bool IsNull(int col) const { return s_->IsNull(col); }
  std::string Text(int col) const { return s_->Text(col); }
  std::string Blob(int col) const { return s_->Blob(col); }
  std::string_view BlobView(int col) const { return s_->BlobView(col); }
  const Statement& get() const { return *s_; }

 private:
  Statement* s_;
};

class Connection {
 public:
  Connection() = default;
  Connection(Connection&& other) noexcept
      : db_(other.db_), cache_(std::move(other.cache_)) {
    other.db_ = nullptr;
  }
  Connection& operator=(Connection&& other) noexcept;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection();

  // Opens (creating if `create`) a database file. Read-only connections cannot write.
  static Result<Connection> Open(const std::string& path, bool create, bool read_only);

  Status Exec(std::string_view sql);
  Result<Statement> Prepare(std::string_view sql);
  // The same statement every time for the same SQL text, prepared once per connection:
  // for the statements run per field or per record.
  Result<StatementRef> Cached(const std::string& sql);
  // Runs a query that yields one integer (0 if it yields no row).
  Result<int64_t> QueryInt(std::string_view sql);
  int64_t Changes() const { return sqlite3_changes64(db_); }
  sqlite3* raw() const { return db_; }

 private:
  explicit Connection(sqlite3* db) : db_(db) {}
  sqlite3* db_ = nullptr;
  std::unordered_map<std::string, Statement> cache_;
};

// BEGIN IMMEDIATE on construction (via Begin); rolls back unless committed.
class Transaction {
 public:
  explicit Transaction(Connection& db) : db_(db) {}
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  ~Transaction();
  Status Begin();
  Status Commit();

 private:
  Connection& db_;
  bool open_ = false;
};

}  // namespace homevisit::store
