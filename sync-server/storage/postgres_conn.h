// One libpq connection of the PostgreSQL backend, with the binary parameter and result
// codecs it needs. Internal to sync-server/storage; nothing outside the backend includes it.
//
// Every statement with parameters is a named prepared statement (prepared on a connection
// the first time that connection runs it). Parameters and results use PostgreSQL's binary
// format, so bytea and text travel as raw bytes and integers as 8 or 4 big-endian bytes: no
// escaping and no parsing of values. Several statements can go in one round trip through
// libpq's pipeline mode (Pipeline), which the write path uses to keep locks short.
//
// A Connection is not thread-safe: the pool hands it to one caller at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "core/status.h"

struct pg_conn;
struct pg_result;

namespace homevisit::server::pg {

// A statement the backend runs. `name` identifies its prepared form on each connection;
// the SQL casts every parameter ($1::int8, $2::bytea, ...) so its binary type is fixed.
struct Statement {
  const char* name;
  const char* sql;
};

// Parameters of one statement, in binary format.
class Params {
 public:
  Params& Int64(int64_t v);
  Params& Int32(int32_t v);
  Params& Bool(bool v);
  Params& Text(std::string_view v);   // a text parameter (UTF-8 bytes)
  Params& Bytes(std::string_view v);  // a bytea parameter
  Params& Null();
  // One-dimensional arrays without NULL elements: text[], bytea[], int8[], int4[].
  Params& TextArray(const std::vector<std::string>& v);
  Params& BytesArray(const std::vector<std::string>& v);
  Params& Int64Array(const std::vector<int64_t>& v);
  Params& Int32Array(const std::vector<int32_t>& v);

  int size() const { return static_cast<int>(values_.size()); }

 private:
  friend class Connection;
  Params& Add(std::string bytes);
  Params& AddArray(uint32_t element_oid, const std::vector<std::string>& elements);
  std::vector<std::string> values_;
  std::vector<bool> nulls_;
};

// The rows of one statement's result, in binary format. Column accessors expect the
// column's SQL type (int8 for Int64, int4 for Int32, bool, text or bytea for Bytes/Text,
// text[] for TextArray); a mismatch is a bug in the statement and trips an assert.
class Rows {
 public:
  Rows() = default;
  explicit Rows(pg_result* result);
  Rows(Rows&& other) noexcept;
  Rows& operator=(Rows&& other) noexcept;
  Rows(const Rows&) = delete;
  Rows& operator=(const Rows&) = delete;
  ~Rows();

  int size() const;
  bool IsNull(int row, int col) const;
  int64_t Int64(int row, int col) const;
  int32_t Int32(int row, int col) const;
  bool Bool(int row, int col) const;
  std::string_view Bytes(int row, int col) const;
  std::string Text(int row, int col) const { return std::string(Bytes(row, col)); }
  std::vector<std::string> TextArray(int row, int col) const;

 private:
  pg_result* result_ = nullptr;
};

// One step of a pipeline: a statement and its parameters (both outlive the call).
struct Step {
  const Statement* statement;
  const Params* params;
};

class Connection {
 public:
  // Connects with a libpq connection string or postgresql:// URL. Fails with kUnavailable
  // (naming libpq's reason) when the server cannot be reached or refuses the login.
  static Result<std::unique_ptr<Connection>> Open(const std::string& conninfo);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs one statement and returns its rows.
  Result<Rows> Exec(const Statement& statement, const Params& params = Params());
  // Runs the steps in one round trip, in order; returns one Rows per step. A failing step
  // makes the rest of the pipeline fail too (PostgreSQL aborts the remaining statements),
  // and the first error is returned.
  Result<std::vector<Rows>> Pipeline(std::span<const Step> steps);
  // Runs SQL text without parameters (transaction control, DDL); several statements may be
  // separated by semicolons. Returns the last statement's rows (text format).
  Result<Rows> Run(const std::string& sql);

  // True once the link to the server is lost or in an unknown state: the pool drops it.
  bool broken() const;
  // True while a transaction is open (or failed and not yet rolled back).
  bool in_transaction() const;

 private:
  explicit Connection(pg_conn* conn) : conn_(conn) {}
  Status Prepare(const Statement& statement);
  Status ErrorOf(pg_result* result, const char* what);
  pg_conn* conn_;
  std::unordered_set<std::string> prepared_;
  bool lost_ = false;
};

// Maps a PostgreSQL SQLSTATE to a status code: connection, resource, lock and
// serialization failures are kUnavailable (retry later), a unique violation is
// kAlreadyExists, bad data is kInvalidArgument, the rest kInternal.
StatusCode CodeForSqlState(std::string_view sqlstate);

}  // namespace homevisit::server::pg
