#include "sync-server/storage/sqlite_storage.h"

#include <algorithm>
#include <map>

#include "core/scope.h"
#include "sync-server/storage/record_codec.h"
#include "sync-server/storage/sqlite_schema.h"
#include "sync-server/storage/sqlite_write_txn.h"
#include "sync-server/storage/value_codec.h"

namespace homevisit::server {

using sqlite::Connection;
using sqlite::Statement;

class SqliteStorage::ReaderLease {
 public:
  ReaderLease(SqliteStorage* owner, std::unique_ptr<Connection> conn)
      : owner_(owner), conn_(std::move(conn)) {}
  ReaderLease(ReaderLease&&) = default;
  ~ReaderLease() {
    if (conn_) owner_->ReturnReader(std::move(conn_));
  }
  Connection* operator->() { return conn_.get(); }
  Connection& get() { return *conn_; }

 private:
  SqliteStorage* owner_;
  std::unique_ptr<Connection> conn_;
};

Result<std::unique_ptr<SqliteStorage>> SqliteStorage::Open(const std::string& path) {
  if (path.empty()) return InvalidArgument("sqlite: the database path is empty");
  auto writer = Connection::Open(path, kBusyTimeoutMs);
  if (!writer.ok()) return writer.status();
  auto checkpointer = sqlite::WalCheckpointer::Start(path, kBusyTimeoutMs);
  if (!checkpointer.ok()) return checkpointer.status();
  return std::unique_ptr<SqliteStorage>(
      new SqliteStorage(path, std::move(checkpointer).value(), std::move(writer).value()));
}

SqliteStorage::SqliteStorage(std::string path,
                             std::unique_ptr<sqlite::WalCheckpointer> checkpointer,
                             std::unique_ptr<Connection> writer)
    : path_(std::move(path)), checkpointer_(std::move(checkpointer)), writer_(std::move(writer)) {
  writer_->HandCheckpointsTo(checkpointer_.get());
}

uint64_t SqliteStorage::CompletedCheckpoints() const { return checkpointer_->completed(); }

SqliteStorage::~SqliteStorage() = default;

Result<SqliteStorage::ReaderLease> SqliteStorage::Reader() {
  {
    std::lock_guard lock(readers_mu_);
    if (!idle_readers_.empty()) {
      auto conn = std::move(idle_readers_.back());
      idle_readers_.pop_back();
      return ReaderLease(this, std::move(conn));
    }
  }
  auto conn = Connection::Open(path_, kBusyTimeoutMs);
  if (!conn.ok()) return conn.status();
  return ReaderLease(this, std::move(conn).value());
}

void SqliteStorage::ReturnReader(std::unique_ptr<Connection> conn) {
  std::lock_guard lock(readers_mu_);
  idle_readers_.push_back(std::move(conn));
}

template <typename Body>
Status SqliteStorage::InWriteTransaction(Body&& body) {
  std::lock_guard lock(write_mu_);
  if (Status s = writer_->Exec("BEGIN IMMEDIATE"); !s.ok()) return s;
  Status s = body(*writer_);
  if (s.ok()) s = writer_->Exec("COMMIT");
  if (!s.ok()) (void)writer_->Exec("ROLLBACK");
  return s;
}

Status SqliteStorage::Migrate() {
  std::lock_guard lock(write_mu_);
  return sqlite::Migrate(*writer_);
}

int SqliteStorage::SchemaVersion() const { return sqlite::kSchemaVersion; }

Result<std::unique_ptr<WriteTxn>> SqliteStorage::BeginWrite() {
  return SqliteWriteTxn::Begin(std::unique_lock(write_mu_), *writer_);
}

namespace {

// " AND (<col> = ?a OR (<col> >= ?b AND <col> < ?c) OR ...)" for the subtrees of `scopes`,
// with parameters numbered from `first_param`; binds them with BindScopes.
std::string ScopeFilterSql(const std::string& column, size_t scope_count, int first_param) {
  std::string sql = " AND (";
  for (size_t i = 0; i < scope_count; ++i) {
    const int p = first_param + static_cast<int>(3 * i);
    if (i) sql += " OR ";
    sql += column + " = ?" + std::to_string(p) + " OR (" + column + " >= ?" +
           std::to_string(p + 1) + " AND " + column + " < ?" + std::to_string(p + 2) + ")";
  }
  return sql + ")";
}

void BindScopes(Statement& q, const std::vector<std::string>& scopes, int first_param) {
  for (size_t i = 0; i < scopes.size(); ++i) {
    const int p = first_param + static_cast<int>(3 * i);
    const ScopeRange range = SubtreeRange(scopes[i]);
    q.Bind(p, scopes[i]).Bind(p + 1, range.lower).Bind(p + 2, range.upper);
  }
}

Result<Uuid> ReadUuid(const Statement& q, int col) {
  auto id = Uuid::FromBytes(q.Blob(col));
  if (!id) return Internal("database: a record id is not 16 bytes");
  return *id;
}

}  // namespace

namespace {

// Ends a read transaction on a reader connection, whatever happened inside it.
struct ReadTransaction {
  Connection& conn;
  Status begun;
  explicit ReadTransaction(Connection& c) : conn(c), begun(c.Exec("BEGIN")) {}
  ~ReadTransaction() {
    if (begun.ok()) (void)conn.Exec("COMMIT");
  }
};

// The exact scopes holding records within the subtrees of `scopes`. Every record's scope
// has a row in scope_checksums (PutField keeps it), so this small table lists them.
Result<std::vector<std::string>> ExactScopes(Connection& conn,
                                             const std::vector<std::string>& scopes) {
  auto q = conn.Prepare("SELECT scope FROM scope_checksums WHERE 1" +
                        ScopeFilterSql("scope", scopes.size(), 1));
  if (!q.ok()) return q.status();
  BindScopes(*q, scopes, 1);
  std::vector<std::string> out;
  while (true) {
    auto row = q->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    out.push_back(q->Text(0));
  }
  return out;
}

}  // namespace

namespace {

// Decodes a record row's fields into `record`.
Status AppendFields(const std::string& bytes, Record* record) {
  std::vector<EncodedField> fields;
  if (Status s = DecodeRecordFields(bytes, &fields); !s.ok()) return s;
  for (const EncodedField& f : fields) {
    auto value = DecodeValue(f.value);
    if (!value.ok()) return value.status();
    record->fields.emplace(std::string(f.name), FieldVersion{std::move(value).value(), f.stamp});
  }
  return Status::Ok();
}

}  // namespace

Result<EncodedChanges> SqliteStorage::ReadEncodedChanges(const std::vector<std::string>& scopes,
                                                         uint64_t after_seq, size_t limit) {
  EncodedChanges out;
  if (scopes.empty() || limit == 0) return out;
  auto lease = Reader();
  if (!lease.ok()) return lease.status();
  Connection& conn = lease->get();
  // One snapshot for every statement: a scope that appears between them could otherwise
  // hide a change below the positions returned, and a pull would pass over it.
  ReadTransaction txn(conn);
  if (!txn.begun.ok()) return txn.begun;
  auto exact = ExactScopes(conn, scopes);
  if (!exact.ok()) return exact.status();
  if (exact->empty()) return out;
  // One statement per exact scope, each walking the change entries' (scope, seq) index in
  // position order from the cursor and stepped only as far as needed; their heads are
  // merged by position. An entry sends the fields of its record whose last change has its
  // position: the same fields, at the same positions, as one row per field would.
  // Nothing after the last record returned is read, and no sort over the scope happens.
  // (The statement text differs per scope so each is its own cached statement.)
  struct Head {
    Statement stmt;
    bool has_row = false;
  };
  std::vector<Head> heads;
  heads.reserve(exact->size());
  for (size_t i = 0; i < exact->size(); ++i) {
    auto q = conn.Prepare(
        "SELECT c.seq, c.record_id, r.type, r.fields FROM changes c JOIN records r ON "
        "r.id = c.record_id WHERE c.scope = ?1 AND c.seq > ?2 ORDER BY c.seq /* head " +
        std::to_string(i) + " */");
    if (!q.ok()) return q.status();
    q->Bind(1, (*exact)[i]).Bind(2, ToSql(after_seq));
    auto row = q->Step();
    if (!row.ok()) return row.status();
    heads.push_back(Head{std::move(q).value(), *row});
  }
  std::vector<EncodedField> fields;
  out.changes.reserve(std::min<size_t>(limit, 5000) + 64);
  while (out.size() < limit) {
    Head* next = nullptr;
    size_t next_index = 0;
    for (size_t i = 0; i < heads.size(); ++i) {
      if (heads[i].has_row && (!next || heads[i].stmt.Int(0) < next->stmt.Int(0))) {
        next = &heads[i];
        next_index = i;
      }
    }
    if (!next) break;
    Statement& q = next->stmt;
    const uint64_t seq = FromSql(q.Int(0));
    auto id = ReadUuid(q, 1);
    if (!id.ok()) return id.status();
    const auto record = static_cast<uint32_t>(out.records.size());
    out.records.push_back(RecordHeader{*id, q.Text(2), (*exact)[next_index]});
    const std::string bytes = q.Blob(3);
    if (Status s = DecodeRecordFields(bytes, &fields); !s.ok()) return s;
    // Every field at this position, even past `limit`: a cursor that stopped inside a
    // position would pass over the rest.
    for (const EncodedField& f : fields) {
      if (f.seq != seq) continue;
      out.changes.push_back(
          EncodedChange{seq, record, std::string(f.name), std::string(f.value), f.stamp});
    }
    auto row = q.Step();
    if (!row.ok()) return row.status();
    next->has_row = *row;
  }
  return out;
}

Result<ScopeChecksum> SqliteStorage::ChecksumOf(const std::string& scope) {
  auto conn = Reader();
  if (!conn.ok()) return conn.status();
  auto q = (*conn)->Prepare("SELECT sum, count FROM scope_checksums WHERE 1" +
                            ScopeFilterSql("scope", 1, 1));
  if (!q.ok()) return q.status();
  BindScopes(*q, {scope}, 1);
  ScopeChecksum total;
  while (true) {
    auto row = q->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    total.sum += FromSql(q->Int(0));
    total.count += static_cast<uint64_t>(q->Int(1));
  }
  return total;
}

Result<std::optional<Record>> SqliteStorage::GetRecord(const Uuid& id) {
  auto conn = Reader();
  if (!conn.ok()) return conn.status();
  auto q = (*conn)->Prepare("SELECT type, scope, fields FROM records WHERE id = ?1");
  if (!q.ok()) return q.status();
  q->BindBlob(1, id.AsBytes());
  auto row = q->Step();
  if (!row.ok()) return row.status();
  if (!*row) return std::optional<Record>();
  Record record{id, q->Text(0), q->Text(1), {}};
  if (Status s = AppendFields(q->Blob(2), &record); !s.ok()) return s;
  return std::optional<Record>(std::move(record));
}

Result<std::vector<Record>> SqliteStorage::ListRecords(const std::string& type,
                                                       const std::string& scope, size_t limit) {
  auto conn = Reader();
  if (!conn.ok()) return conn.status();
  auto q = (*conn)->Prepare("SELECT id, scope, fields FROM records WHERE type = ?1" +
                            ScopeFilterSql("scope", 1, 3) + " ORDER BY id LIMIT ?2");
  if (!q.ok()) return q.status();
  q->Bind(1, type).Bind(2, static_cast<int64_t>(limit));
  BindScopes(*q, {scope}, 3);
  std::vector<Record> out;
  while (true) {
    auto row = q->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    auto id = ReadUuid(*q, 0);
    if (!id.ok()) return id.status();
    out.push_back(Record{*id, type, q->Text(1), {}});
    if (Status s = AppendFields(q->Blob(2), &out.back()); !s.ok()) return s;
  }
  return out;
}

// ---- users ----

namespace {

constexpr char kUserColumns[] = "SELECT id, name, display_name, role, password_hash, disabled "
                                "FROM users ";

Result<std::optional<User>> ReadUser(Connection& conn, Statement& q) {
  auto row = q.Step();
  if (!row.ok()) return row.status();
  if (!*row) return std::optional<User>();
  User u;
  u.id = q.Int(0);
  u.name = q.Text(1);
  u.display_name = q.Text(2);
  u.role = static_cast<Role>(q.Int(3));
  u.password_hash = q.Text(4);
  u.disabled = q.Int(5) != 0;
  auto scopes = conn.Prepare("SELECT scope FROM user_scopes WHERE user_id = ?1 ORDER BY scope");
  if (!scopes.ok()) return scopes.status();
  scopes->Bind(1, u.id);
  while (true) {
    auto next = scopes->Step();
    if (!next.ok()) return next.status();
    if (!*next) break;
    u.scopes.push_back(scopes->Text(0));
  }
  return std::optional<User>(std::move(u));
}

Status ExpectOneRowChanged(Connection& conn, const std::string& what) {
  if (conn.Changes() == 0) return NotFound(what + " does not exist");
  return Status::Ok();
}

}  // namespace

Result<int64_t> SqliteStorage::AddUser(const User& user) {
  int64_t id = 0;
  Status s = InWriteTransaction([&](Connection& conn) -> Status {
    for (const std::string& scope : user.scopes) {
      auto q = conn.Prepare("SELECT 1 FROM scopes WHERE path = ?1");
      if (!q.ok()) return q.status();
      q->Bind(1, scope);
      auto row = q->Step();
      if (!row.ok()) return row.status();
      if (!*row) return NotFound("scope '" + scope + "' does not exist");
    }
    auto insert = conn.Prepare(
        "INSERT INTO users(name, display_name, role, password_hash, disabled) "
        "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT(name) DO NOTHING");
    if (!insert.ok()) return insert.status();
    insert->Bind(1, user.name).Bind(2, user.display_name);
    insert->Bind(3, static_cast<int64_t>(user.role)).Bind(4, user.password_hash);
    insert->Bind(5, static_cast<int64_t>(user.disabled));
    if (Status r = insert->Run(); !r.ok()) return r;
    if (conn.Changes() == 0) {
      return Status(StatusCode::kAlreadyExists, "user '" + user.name + "' already exists");
    }
    id = conn.LastInsertRowId();
    for (const std::string& scope : user.scopes) {
      auto q = conn.Prepare(
          "INSERT INTO user_scopes(user_id, scope) VALUES (?1, ?2) ON CONFLICT DO NOTHING");
      if (!q.ok()) return q.status();
      q->Bind(1, id).Bind(2, scope);
      if (Status r = q->Run(); !r.ok()) return r;
    }
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return id;
}

Result<std::optional<User>> SqliteStorage::FindUser(const std::string& name) {
  auto conn = Reader();
  if (!conn.ok()) return conn.status();
  auto q = (*conn)->Prepare(std::string(kUserColumns) + "WHERE name = ?1");
  if (!q.ok()) return q.status();
  q->Bind(1, name);
  return ReadUser(conn->get(), *q);
}

Result<std::optional<User>> SqliteStorage::GetUser(int64_t id) {
  auto conn = Reader();
  if (!conn.ok()) return conn.status();
  auto q = (*conn)->Prepare(std::string(kUserColumns) + "WHERE id = ?1");
  if (!q.ok()) return q.status();
  q->Bind(1, id);
  return ReadUser(conn->get(), *q);
}

Result<std::vector<User>> SqliteStorage::ListUsers() {
  auto conn = Reader();
  if (!conn.ok()) return conn.status();
  auto q = (*conn)->Prepare(std::string(kUserColumns) + "ORDER BY name");
  if (!q.ok()) return q.status();
  std::vector<User> out;
  while (true) {
    auto user = ReadUser(conn->get(), *q);
    if (!user.ok()) return user.status();
    if (!*user) break;
    out.push_back(std::move(**user));
  }
  return out;
}

Status SqliteStorage::SetUserDisabled(const std::string& name, bool disabled) {
  return InWriteTransaction([&](Connection& conn) -> Status {
    auto q = conn.Prepare("UPDATE users SET disabled = ?2 WHERE name = ?1");
    if (!q.ok()) return q.status();
    q->Bind(1, name).Bind(2, static_cast<int64_t>(disabled));
    if (Status s = q->Run(); !s.ok()) return s;
    return ExpectOneRowChanged(conn, "user '" + name + "'");
  });
}

Status SqliteStorage::SetPasswordHash(const std::string& name, const std::string& hash) {
  return InWriteTransaction([&](Connection& conn) -> Status {
    auto q = conn.Prepare("UPDATE users SET password_hash = ?2 WHERE name = ?1");
    if (!q.ok()) return q.status();
    q->Bind(1, name).Bind(2, hash);
    if (Status s = q->Run(); !s.ok()) return s;
    return ExpectOneRowChanged(conn, "user '" + name + "'");
  });
}

// ---- scopes ----

Status SqliteStorage::AddScope(const ScopeRow& scope) {
  if (!IsValidScopePath(scope.path)) {
    return InvalidArgument("'" + scope.path + "' is not a valid scope path");
  }
  return InWriteTransaction([&](Connection& conn) -> Status {
    const size_t slash = scope.path.rfind('/');
    if (slash != std::string::npos) {
      const std::string parent = scope.path.substr(0, slash);
      auto q = conn.Prepare("SELECT 1 FROM scopes WHERE path = ?1");
      if (!q.ok()) return q.status();
      q->Bind(1, parent);
      auto row = q->Step();
      if (!row.ok()) return row.status();
      if (!*row) return NotFound("the parent scope '" + parent + "' does not exist");
    }
    auto insert = conn.Prepare(
        "INSERT INTO scopes(path, title) VALUES (?1, ?2) ON CONFLICT DO NOTHING");
    if (!insert.ok()) return insert.status();
    insert->Bind(1, scope.path).Bind(2, scope.title);
    if (Status s = insert->Run(); !s.ok()) return s;
    if (conn.Changes() == 0) {
      return Status(StatusCode::kAlreadyExists, "scope '" + scope.path + "' already exists");
    }
    return Status::Ok();
  });
}

Result<std::vector<ScopeRow>> SqliteStorage::ListScopes() {
  auto conn = Reader();
  if (!conn.ok()) return conn.status();
  auto q = (*conn)->Prepare("SELECT path, title FROM scopes ORDER BY path");
  if (!q.ok()) return q.status();
  std::vector<ScopeRow> out;
  while (true) {
    auto row = q->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    out.push_back(ScopeRow{q->Text(0), q->Text(1)});
  }
  return out;
}

// ---- devices ----

namespace {

constexpr char kDeviceColumns[] =
    "SELECT node, device_id, user_id, name, token_sha256, revoked, enrolled_ms, last_seen_ms "
    "FROM devices ";

Device ReadDevice(const Statement& q) {
  Device d;
  d.node = static_cast<uint32_t>(q.Int(0));
  d.device_id = q.Text(1);
  d.user_id = q.Int(2);
  d.name = q.Text(3);
  d.token_sha256 = q.Blob(4);
  d.revoked = q.Int(5) != 0;
  d.enrolled_ms = q.Int(6);
  d.last_seen_ms = q.Int(7);
  return d;
}

}  // namespace

Result<Device> SqliteStorage::EnrollDevice(const std::string& device_id, int64_t user_id,
                                           const std::string& name,
                                           const std::string& token_sha256, int64_t now_ms) {
  Device device;
  Status s = InWriteTransaction([&](Connection& conn) -> Status {
    auto find = conn.Prepare(std::string(kDeviceColumns) + "WHERE device_id = ?1");
    if (!find.ok()) return find.status();
    find->Bind(1, device_id);
    auto row = find->Step();
    if (!row.ok()) return row.status();
    if (*row) {
      device = ReadDevice(*find);
      if (device.revoked) {
        return PermissionDenied("this device was revoked by an operator");
      }
      if (device.user_id != user_id) {
        return PermissionDenied("this device is enrolled for another user");
      }
      auto update = conn.Prepare(
          "UPDATE devices SET token_sha256 = ?2, name = ?3, last_seen_ms = ?4 WHERE node = ?1");
      if (!update.ok()) return update.status();
      update->Bind(1, static_cast<int64_t>(device.node)).BindBlob(2, token_sha256);
      update->Bind(3, name).Bind(4, now_ms);
      if (Status r = update->Run(); !r.ok()) return r;
      device.token_sha256 = token_sha256;
      device.name = name;
      device.last_seen_ms = now_ms;
      return Status::Ok();
    }
    auto insert = conn.Prepare(
        "INSERT INTO devices(device_id, user_id, name, token_sha256, revoked, enrolled_ms, "
        "last_seen_ms) VALUES (?1, ?2, ?3, ?4, 0, ?5, ?5)");
    if (!insert.ok()) return insert.status();
    insert->Bind(1, device_id).Bind(2, user_id).Bind(3, name).BindBlob(4, token_sha256);
    insert->Bind(5, now_ms);
    if (Status r = insert->Run(); !r.ok()) return r;
    device = Device{static_cast<uint32_t>(conn.LastInsertRowId()), device_id, user_id, name,
                    token_sha256, false, now_ms, now_ms};
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return device;
}

Result<std::optional<Device>> SqliteStorage::FindDeviceByToken(const std::string& token_sha256) {
  auto conn = Reader();
  if (!conn.ok()) return conn.status();
  auto q = (*conn)->Prepare(std::string(kDeviceColumns) + "WHERE token_sha256 = ?1");
  if (!q.ok()) return q.status();
  q->BindBlob(1, token_sha256);
  auto row = q->Step();
  if (!row.ok()) return row.status();
  if (!*row) return std::optional<Device>();
  return std::optional<Device>(ReadDevice(*q));
}

Result<std::vector<Device>> SqliteStorage::ListDevices() {
  auto conn = Reader();
  if (!conn.ok()) return conn.status();
  auto q = (*conn)->Prepare(std::string(kDeviceColumns) + "ORDER BY node");
  if (!q.ok()) return q.status();
  std::vector<Device> out;
  while (true) {
    auto row = q->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    out.push_back(ReadDevice(*q));
  }
  return out;
}

Status SqliteStorage::RevokeDevice(const std::string& device_id) {
  return InWriteTransaction([&](Connection& conn) -> Status {
    auto q = conn.Prepare("UPDATE devices SET revoked = 1 WHERE device_id = ?1");
    if (!q.ok()) return q.status();
    q->Bind(1, device_id);
    if (Status s = q->Run(); !s.ok()) return s;
    return ExpectOneRowChanged(conn, "device '" + device_id + "'");
  });
}

Status SqliteStorage::TouchDevice(uint32_t node, int64_t now_ms) {
  return InWriteTransaction([&](Connection& conn) -> Status {
    auto q = conn.Prepare(
        "UPDATE devices SET last_seen_ms = max(last_seen_ms, ?2) WHERE node = ?1");
    if (!q.ok()) return q.status();
    q->Bind(1, static_cast<int64_t>(node)).Bind(2, now_ms);
    return q->Run();
  });
}

// ---- login throttling ----

namespace {

Result<int> CountFailures(Connection& conn, const std::string& key, int64_t since_ms) {
  auto q = conn.Prepare("SELECT count(*) FROM login_failures WHERE key = ?1 AND at_ms > ?2");
  if (!q.ok()) return q.status();
  q->Bind(1, key).Bind(2, since_ms);
  auto row = q->Step();
  if (!row.ok()) return row.status();
  return static_cast<int>(q->Int(0));
}

}  // namespace

Result<int> SqliteStorage::AddLoginFailure(const std::string& key, int64_t now_ms,
                                           int64_t window_ms) {
  int count = 0;
  Status s = InWriteTransaction([&](Connection& conn) -> Status {
    // Old failures of this key are forgotten as new ones arrive, so the table stays small.
    auto prune = conn.Prepare("DELETE FROM login_failures WHERE key = ?1 AND at_ms <= ?2");
    if (!prune.ok()) return prune.status();
    prune->Bind(1, key).Bind(2, now_ms - window_ms);
    if (Status r = prune->Run(); !r.ok()) return r;
    auto insert = conn.Prepare("INSERT INTO login_failures(key, at_ms) VALUES (?1, ?2)");
    if (!insert.ok()) return insert.status();
    insert->Bind(1, key).Bind(2, now_ms);
    if (Status r = insert->Run(); !r.ok()) return r;
    auto n = CountFailures(conn, key, now_ms - window_ms);
    if (!n.ok()) return n.status();
    count = *n;
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return count;
}

Result<int> SqliteStorage::CountLoginFailures(const std::string& key, int64_t now_ms,
                                              int64_t window_ms) {
  auto conn = Reader();
  if (!conn.ok()) return conn.status();
  return CountFailures(conn->get(), key, now_ms - window_ms);
}

Status SqliteStorage::ClearLoginFailures(const std::string& key) {
  return InWriteTransaction([&](Connection& conn) -> Status {
    auto q = conn.Prepare("DELETE FROM login_failures WHERE key = ?1");
    if (!q.ok()) return q.status();
    q->Bind(1, key);
    return q->Run();
  });
}

// ---- stats ----

namespace {

Result<int64_t> CountOf(Connection& conn, const std::string& sql, const std::string& blob = {}) {
  auto q = conn.Prepare(sql);
  if (!q.ok()) return q.status();
  if (!blob.empty()) q->BindBlob(1, blob);
  auto row = q->Step();
  if (!row.ok()) return row.status();
  return q->Int(0);
}

}  // namespace

Result<Stats> SqliteStorage::GetStats() {
  auto lease = Reader();
  if (!lease.ok()) return lease.status();
  Connection& conn = lease->get();
  // One read transaction so the figures agree with each other.
  ReadTransaction txn(conn);
  if (!txn.begun.ok()) return txn.begun;
  Stats stats;
  // From the summary columns the writer keeps next to each row: no row is decoded.
  auto by_type = conn.Prepare(
      "SELECT type, count(*) FROM records WHERE deleted = 0 GROUP BY type ORDER BY type");
  if (!by_type.ok()) return by_type.status();
  while (true) {
    auto row = by_type->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    stats.records_by_type.emplace_back(by_type->Text(0), by_type->Int(1));
  }
  auto fields = CountOf(conn, "SELECT coalesce(sum(field_count), 0) FROM records");
  auto conflicts = CountOf(conn, "SELECT count(*) FROM records WHERE open_conflict = 1");
  auto users = CountOf(conn, "SELECT count(*) FROM users");
  auto devices = CountOf(conn, "SELECT count(*) FROM devices");
  auto last_seq = CountOf(conn, "SELECT value FROM counters WHERE name = 'last_seq'");
  for (const auto* r : {&fields, &conflicts, &users, &devices, &last_seq}) {
    if (!r->ok()) return r->status();
  }
  stats.fields = *fields;
  stats.open_conflicts = *conflicts;
  stats.users = *users;
  stats.devices = *devices;
  stats.last_seq = FromSql(*last_seq);
  return stats;
}

}  // namespace homevisit::server
