#include "sync-server/storage/sqlite_db.h"

#include <sqlite3.h>

#include <mutex>

namespace homevisit::server::sqlite {

Status ErrorStatus(int rc, sqlite3* db, std::string_view what) {
  std::string message = "database: " + std::string(what) + ": ";
  message += db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  switch (rc & 0xFF) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return Status(StatusCode::kUnavailable, message + " (the database is busy; try again)");
    case SQLITE_CONSTRAINT:
      return Status(StatusCode::kAlreadyExists, message);
    default:
      return Status(StatusCode::kInternal, message);
  }
}

Statement::~Statement() {
  if (stmt_) {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
}

Statement& Statement::Bind(int index, int64_t value) {
  sqlite3_bind_int64(stmt_, index, value);
  return *this;
}

Statement& Statement::Bind(int index, std::string_view text) {
  sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
  return *this;
}

Statement& Statement::BindBlob(int index, std::string_view bytes) {
  // A zero-length blob must still be a blob, not NULL: pass a valid pointer.
  static const char kEmpty = 0;
  sqlite3_bind_blob(stmt_, index, bytes.empty() ? &kEmpty : bytes.data(),
                    static_cast<int>(bytes.size()), SQLITE_TRANSIENT);
  return *this;
}

Statement& Statement::BindNull(int index) {
  sqlite3_bind_null(stmt_, index);
  return *this;
}

Result<bool> Statement::Step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return ErrorStatus(rc, sqlite3_db_handle(stmt_), "step");
}

void Statement::Reset() { sqlite3_reset(stmt_); }

Status Statement::Run() {
  auto r = Step();
  if (!r.ok()) return r.status();
  if (*r) return Internal("database: a statement expected to return nothing returned a row");
  return Status::Ok();
}

int64_t Statement::Int(int column) const { return sqlite3_column_int64(stmt_, column); }

std::string Statement::Text(int column) const {
  const auto* p = sqlite3_column_text(stmt_, column);
  const int n = sqlite3_column_bytes(stmt_, column);
  return p ? std::string(reinterpret_cast<const char*>(p), n) : std::string();
}

std::string Statement::Blob(int column) const {
  const void* p = sqlite3_column_blob(stmt_, column);
  const int n = sqlite3_column_bytes(stmt_, column);
  return p ? std::string(static_cast<const char*>(p), n) : std::string();
}

bool Statement::IsNull(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

Result<std::unique_ptr<Connection>> Connection::Open(const std::string& path,
                                                     int busy_timeout_ms) {
  // No memory statistics: they put every allocation of every connection behind one
  // process-wide mutex, which the request threads and the checkpointer then contend for.
  // Only takes effect before SQLite's first use; nothing here reads those statistics.
  static std::once_flag configured;
  std::call_once(configured, [] { (void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); });
  sqlite3* db = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &db,
                                 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                                 nullptr);
  if (rc != SQLITE_OK) {
    Status s = ErrorStatus(rc, db, "open '" + path + "'");
    sqlite3_close(db);
    return s;
  }
  std::unique_ptr<Connection> conn(new Connection(db));
  sqlite3_busy_timeout(db, busy_timeout_ms);
  sqlite3_extended_result_codes(db, 1);
  // WAL: readers never block the writer and see a consistent snapshot per transaction.
  // synchronous=FULL: a batch the server acknowledged is on disk even after a power cut; a
  // device deletes acknowledged writes from its outbox, so losing one would lose data.
  if (Status s = conn->Exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; "
                            "PRAGMA foreign_keys=ON;");
      !s.ok()) {
    return s;
  }
  auto mode = conn->Prepare("PRAGMA journal_mode");
  if (!mode.ok()) return mode.status();
  auto row = mode->Step();
  if (!row.ok()) return row.status();
  if (!*row || mode->Text(0) != "wal") {
    return Status(StatusCode::kFailedPrecondition,
                  "database: '" + path + "' cannot use WAL mode (is it on a network filesystem?)");
  }
  return conn;
}

Connection::~Connection() {
  for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
  sqlite3_close(db_);
}

Result<Statement> Connection::Prepare(const std::string& sql) {
  auto it = cache_.find(sql);
  if (it != cache_.end()) return Statement(it->second);
  sqlite3_stmt* stmt = nullptr;
  const int rc = sqlite3_prepare_v3(db_, sql.c_str(), static_cast<int>(sql.size()),
                                    SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) return ErrorStatus(rc, db_, "prepare");
  cache_.emplace(sql, stmt);
  return Statement(stmt);
}

Status Connection::Exec(const std::string& sql) {
  char* error = nullptr;
  const int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &error);
  if (rc == SQLITE_OK) return Status::Ok();
  sqlite3_free(error);
  return ErrorStatus(rc, db_, "exec");
}

int Connection::Changes() const { return sqlite3_changes(db_); }
int64_t Connection::LastInsertRowId() const { return sqlite3_last_insert_rowid(db_); }

namespace {

int AfterCommit(void* checkpointer, sqlite3*, const char*, int wal_pages) {
  static_cast<WalCheckpointer*>(checkpointer)->Committed(wal_pages);
  return SQLITE_OK;
}

}  // namespace

void Connection::HandCheckpointsTo(WalCheckpointer* checkpointer) {
  // Replaces the automatic checkpoint, which is itself a WAL hook.
  sqlite3_wal_hook(db_, checkpointer ? AfterCommit : nullptr, checkpointer);
  if (!checkpointer) sqlite3_wal_autocheckpoint(db_, WalCheckpointer::kThresholdPages);
}

Result<std::unique_ptr<WalCheckpointer>> WalCheckpointer::Start(const std::string& path,
                                                                int busy_timeout_ms) {
  auto conn = Connection::Open(path, busy_timeout_ms);
  if (!conn.ok()) return conn.status();
  return std::unique_ptr<WalCheckpointer>(new WalCheckpointer(std::move(conn).value()));
}

WalCheckpointer::WalCheckpointer(std::unique_ptr<Connection> conn) : conn_(std::move(conn)) {
  thread_ = std::thread([this] { Run(); });
}

WalCheckpointer::~WalCheckpointer() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

void WalCheckpointer::Committed(int wal_pages) {
  if (wal_pages < kThresholdPages) return;
  {
    std::lock_guard lock(mu_);
    if (wanted_) return;
    wanted_ = true;
  }
  wake_.notify_one();
}

void WalCheckpointer::Run() {
  std::unique_lock lock(mu_);
  for (;;) {
    wake_.wait(lock, [this] { return wanted_ || stopping_; });
    if (stopping_) return;
    wanted_ = false;
    lock.unlock();
    int wal_pages = 0, copied = 0;
    // PASSIVE: copies what no reader still needs and waits for no one. A busy or failed
    // checkpoint is tried again after the next commit past the threshold.
    const int rc = sqlite3_wal_checkpoint_v2(conn_->db_, nullptr, SQLITE_CHECKPOINT_PASSIVE,
                                             &wal_pages, &copied);
    if (rc == SQLITE_OK && wal_pages >= 0 && copied == wal_pages) ++completed_;
    lock.lock();
  }
}

}  // namespace homevisit::server::sqlite
