#include "sync-server/storage/postgres_conn.h"

#include <libpq-fe.h>

#include <cassert>
#include <cstring>

namespace homevisit::server::pg {
namespace {

// Type OIDs of the array elements we send (pg_type.dat; stable across versions).
constexpr uint32_t kBoolOid = 16;
constexpr uint32_t kByteaOid = 17;
constexpr uint32_t kInt8Oid = 20;
constexpr uint32_t kInt4Oid = 23;
constexpr uint32_t kTextOid = 25;

void PutBigEndian(std::string& out, uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<char>(v >> (8 * i)));
}

uint64_t GetBigEndian(const char* p, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

std::string BigEndian(uint64_t v, int bytes) {
  std::string out;
  PutBigEndian(out, v, bytes);
  return out;
}

// Session settings every connection gets. The timeouts bound how long a stuck client can
// hold locks: a server process that stops between the commit-position update and COMMIT
// would otherwise stall every writer (see postgres_storage.cc).
constexpr char kSessionSetup[] =
    "SET statement_timeout = '30s';"
    "SET idle_in_transaction_session_timeout = '30s';"
    "SET client_min_messages = warning";

void IgnoreNotice(void*, const char*) {}

}  // namespace

Params& Params::Add(std::string bytes) {
  values_.push_back(std::move(bytes));
  nulls_.push_back(false);
  return *this;
}

Params& Params::Int64(int64_t v) { return Add(BigEndian(static_cast<uint64_t>(v), 8)); }
Params& Params::Int32(int32_t v) {
  return Add(BigEndian(static_cast<uint32_t>(v), 4));
}
Params& Params::Bool(bool v) { return Add(std::string(1, v ? '\1' : '\0')); }
Params& Params::Text(std::string_view v) { return Add(std::string(v)); }
Params& Params::Bytes(std::string_view v) { return Add(std::string(v)); }
Params& Params::Null() {
  values_.emplace_back();
  nulls_.push_back(true);
  return *this;
}

// Binary array format (array_send): ndim, has-nulls flag, element type, then per dimension
// its length and lower bound, then each element as length + bytes.
Params& Params::AddArray(uint32_t element_oid, const std::vector<std::string>& elements) {
  std::string out;
  size_t total = 20;
  for (const auto& e : elements) total += 4 + e.size();
  out.reserve(total);
  PutBigEndian(out, 1, 4);
  PutBigEndian(out, 0, 4);
  PutBigEndian(out, element_oid, 4);
  PutBigEndian(out, elements.size(), 4);
  PutBigEndian(out, 1, 4);
  for (const auto& e : elements) {
    PutBigEndian(out, e.size(), 4);
    out.append(e);
  }
  return Add(std::move(out));
}

Params& Params::TextArray(const std::vector<std::string>& v) { return AddArray(kTextOid, v); }
Params& Params::BytesArray(const std::vector<std::string>& v) { return AddArray(kByteaOid, v); }
Params& Params::Int64Array(const std::vector<int64_t>& v) {
  std::vector<std::string> e;
  e.reserve(v.size());
  for (int64_t x : v) e.push_back(BigEndian(static_cast<uint64_t>(x), 8));
  return AddArray(kInt8Oid, e);
}
Params& Params::Int32Array(const std::vector<int32_t>& v) {
  std::vector<std::string> e;
  e.reserve(v.size());
  for (int32_t x : v) e.push_back(BigEndian(static_cast<uint32_t>(x), 4));
  return AddArray(kInt4Oid, e);
}

Rows::Rows(pg_result* result) : result_(result) {}
Rows::Rows(Rows&& other) noexcept : result_(other.result_) { other.result_ = nullptr; }
Rows& Rows::operator=(Rows&& other) noexcept {
  if (this != &other) {
    if (result_) PQclear(result_);
    result_ = other.result_;
    other.result_ = nullptr;
  }
  return *this;
}
Rows::~Rows() {
  if (result_) PQclear(result_);
}

int Rows::size() const { return result_ ? PQntuples(result_) : 0; }
bool Rows::IsNull(int row, int col) const { return PQgetisnull(result_, row, col) != 0; }

int64_t Rows::Int64(int row, int col) const {
  assert(PQftype(result_, col) == kInt8Oid && PQfformat(result_, col) == 1);
  if (IsNull(row, col) || PQgetlength(result_, row, col) != 8) return 0;
  return static_cast<int64_t>(GetBigEndian(PQgetvalue(result_, row, col), 8));
}

int32_t Rows::Int32(int row, int col) const {
  assert(PQftype(result_, col) == kInt4Oid && PQfformat(result_, col) == 1);
  if (IsNull(row, col) || PQgetlength(result_, row, col) != 4) return 0;
  return static_cast<int32_t>(GetBigEndian(PQgetvalue(result_, row, col), 4));
}

bool Rows::Bool(int row, int col) const {
  assert(PQftype(result_, col) == kBoolOid && PQfformat(result_, col) == 1);
  if (IsNull(row, col) || PQgetlength(result_, row, col) != 1) return false;
  return PQgetvalue(result_, row, col)[0] != 0;
}

std::string_view Rows::Bytes(int row, int col) const {
  if (IsNull(row, col)) return {};
  return {PQgetvalue(result_, row, col), static_cast<size_t>(PQgetlength(result_, row, col))};
}

std::vector<std::string> Rows::TextArray(int row, int col) const {
  std::vector<std::string> out;
  if (IsNull(row, col)) return out;
  assert(PQfformat(result_, col) == 1);
  const char* p = PQgetvalue(result_, row, col);
  const char* end = p + PQgetlength(result_, row, col);
  if (end - p < 12) return out;
  const uint64_t ndim = GetBigEndian(p, 4);
  if (ndim == 0) return out;
  if (ndim != 1 || end - p < 20) return out;
  const uint64_t n = GetBigEndian(p + 12, 4);
  p += 20;
  for (uint64_t i = 0; i < n && end - p >= 4; ++i) {
    const auto len = static_cast<int32_t>(GetBigEndian(p, 4));
    p += 4;
    if (len < 0) continue;  // NULL element
    if (end - p < len) break;
    out.emplace_back(p, static_cast<size_t>(len));
    p += len;
  }
  return out;
}

StatusCode CodeForSqlState(std::string_view s) {
  if (s.size() != 5) return StatusCode::kUnavailable;  // no SQLSTATE: the link failed
  const std::string_view cls = s.substr(0, 2);
  if (cls == "08" || cls == "53" || cls == "57" || cls == "40" || s == "55P03" ||
      s == "55006" || s == "25P03") {
    return StatusCode::kUnavailable;
  }
  if (s == "23505") return StatusCode::kAlreadyExists;
  if (cls == "22" || cls == "23") return StatusCode::kInvalidArgument;
  return StatusCode::kInternal;
}

Result<std::unique_ptr<Connection>> Connection::Open(const std::string& conninfo) {
  // Defaults come before the caller's string so that the string can override them.
  const char* keywords[] = {"connect_timeout", "application_name", "dbname", nullptr};
  const char* values[] = {"10", "homevisit-sync-server", conninfo.c_str(), nullptr};
  PGconn* conn = PQconnectdbParams(keywords, values, /*expand_dbname=*/1);
  if (conn == nullptr) return Status(StatusCode::kUnavailable, "postgres: out of memory");
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string why = PQerrorMessage(conn);
    while (!why.empty() && (why.back() == '\n' || why.back() == ' ')) why.pop_back();
    PQfinish(conn);
    return Status(StatusCode::kUnavailable, "postgres: cannot connect: " + why);
  }
  PQsetNoticeProcessor(conn, IgnoreNotice, nullptr);
  std::unique_ptr<Connection> c(new Connection(conn));
  auto setup = c->Run(kSessionSetup);
  if (!setup.ok()) return setup.status();
  return c;
}

Connection::~Connection() { PQfinish(conn_); }

bool Connection::broken() const { return lost_ || PQstatus(conn_) != CONNECTION_OK; }

bool Connection::in_transaction() const {
  const PGTransactionStatusType t = PQtransactionStatus(conn_);
  return t != PQTRANS_IDLE;
}

Status Connection::ErrorOf(pg_result* result, const char* what) {
  const char* state = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  const char* primary = result ? PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
  std::string message = std::string("postgres: ") + what + ": ";
  if (primary) {
    message += primary;
  } else {
    std::string why = PQerrorMessage(conn_);
    while (!why.empty() && (why.back() == '\n' || why.back() == ' ')) why.pop_back();
    message += why.empty() ? "connection lost" : why;
  }
  if (state) message += std::string(" (SQLSTATE ") + state + ")";
  if (PQstatus(conn_) != CONNECTION_OK) lost_ = true;
  return Status(CodeForSqlState(state ? state : ""), std::move(message));
}

Status Connection::Prepare(const Statement& statement) {
  if (prepared_.count(statement.name)) return Status::Ok();
  PGresult* r = PQprepare(conn_, statement.name, statement.sql, 0, nullptr);
  if (PQresultStatus(r) != PGRES_COMMAND_OK) {
    Status s = ErrorOf(r, statement.name);
    PQclear(r);
    return s;
  }
  PQclear(r);
  prepared_.insert(statement.name);
  return Status::Ok();
}

namespace {

// Pointer arrays libpq wants, built over a Params' storage.
struct ParamArrays {
  std::vector<const char*> values;
  std::vector<int> lengths;
  std::vector<int> formats;
  ParamArrays(const std::vector<std::string>& v, const std::vector<bool>& nulls) {
    for (size_t i = 0; i < v.size(); ++i) {
      values.push_back(nulls[i] ? nullptr : v[i].data());
      lengths.push_back(static_cast<int>(v[i].size()));
      formats.push_back(1);
    }
  }
};

bool ResultOk(PGresult* r) {
  const ExecStatusType t = PQresultStatus(r);
  return t == PGRES_TUPLES_OK || t == PGRES_COMMAND_OK;
}

}  // namespace

Result<Rows> Connection::Exec(const Statement& statement, const Params& params) {
  if (Status s = Prepare(statement); !s.ok()) return s;
  ParamArrays a(params.values_, params.nulls_);
  PGresult* r = PQexecPrepared(conn_, statement.name, params.size(), a.values.data(),
                               a.lengths.data(), a.formats.data(), /*resultFormat=*/1);
  if (!ResultOk(r)) {
    Status s = ErrorOf(r, statement.name);
    PQclear(r);
    return s;
  }
  return Rows(r);
}

Result<std::vector<Rows>> Connection::Pipeline(std::span<const Step> steps) {
  for (const Step& step : steps) {
    if (Status s = Prepare(*step.statement); !s.ok()) return s;
  }
  if (PQenterPipelineMode(conn_) != 1) {
    lost_ = true;
    return Status(StatusCode::kUnavailable, "postgres: cannot enter pipeline mode");
  }
  for (const Step& step : steps) {
    ParamArrays a(step.params->values_, step.params->nulls_);
    if (PQsendQueryPrepared(conn_, step.statement->name, step.params->size(), a.values.data(),
                            a.lengths.data(), a.formats.data(), 1) != 1) {
      lost_ = true;
      return ErrorOf(nullptr, step.statement->name);
    }
  }
  if (PQpipelineSync(conn_) != 1) {
    lost_ = true;
    return ErrorOf(nullptr, "pipeline sync");
  }
  std::vector<Rows> out;
  out.reserve(steps.size());
  Status first_error;
  for (const Step& step : steps) {
    PGresult* r = PQgetResult(conn_);
    if (r == nullptr) {
      lost_ = true;
      return ErrorOf(nullptr, step.statement->name);
    }
    if (ResultOk(r)) {
      out.emplace_back(r);
    } else {
      if (first_error.ok() && PQresultStatus(r) != PGRES_PIPELINE_ABORTED) {
        first_error = ErrorOf(r, step.statement->name);
      }
      PQclear(r);
      if (broken()) return first_error.ok() ? ErrorOf(nullptr, "pipeline") : first_error;
    }
    // Each statement's results end with a null result.
    while (PGresult* extra = PQgetResult(conn_)) PQclear(extra);
  }
  PGresult* sync = PQgetResult(conn_);
  const bool synced = sync && PQresultStatus(sync) == PGRES_PIPELINE_SYNC;
  if (sync) PQclear(sync);
  if (!synced || PQexitPipelineMode(conn_) != 1) {
    lost_ = true;
    if (first_error.ok()) return Status(StatusCode::kUnavailable, "postgres: pipeline out of step");
  }
  if (!first_error.ok()) return first_error;
  return out;
}

Result<Rows> Connection::Run(const std::string& sql) {
  PGresult* r = PQexec(conn_, sql.c_str());
  if (!ResultOk(r)) {
    Status s = ErrorOf(r, "run");
    PQclear(r);
    return s;
  }
  return Rows(r);
}

}  // namespace homevisit::server::pg
