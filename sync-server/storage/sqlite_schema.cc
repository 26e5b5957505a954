#include "sync-server/storage/sqlite_schema.h"

#include <string>
#include <vector>

namespace homevisit::server::sqlite {

namespace {

// Migration N brings the schema from version N-1 to N. Never edit a released migration:
// append a new one.
const std::vector<std::string>& Migrations() {
  static const std::vector<std::string> kMigrations = {
      // 1: the first schema.
      R"sql(
      CREATE TABLE scopes (
        path  TEXT PRIMARY KEY,
        title TEXT NOT NULL
      ) WITHOUT ROWID;
      CREATE TABLE users (
        id            INTEGER PRIMARY KEY,
        name          TEXT NOT NULL UNIQUE,
        display_name  TEXT NOT NULL,
        role          INTEGER NOT NULL,
        password_hash TEXT NOT NULL,
        disabled      INTEGER NOT NULL DEFAULT 0
      );
      CREATE TABLE user_scopes (
        user_id INTEGER NOT NULL REFERENCES users(id),
        scope   TEXT NOT NULL REFERENCES scopes(path),
        PRIMARY KEY (user_id, scope)
      ) WITHOUT ROWID;
      -- node is the stamp node of the device; AUTOINCREMENT never reuses one.
      CREATE TABLE devices (
        node         INTEGER PRIMARY KEY AUTOINCREMENT,
        device_id    TEXT NOT NULL UNIQUE,
        user_id      INTEGER NOT NULL REFERENCES users(id),
        name         TEXT NOT NULL,
        token_sha256 BLOB NOT NULL UNIQUE,
        revoked      INTEGER NOT NULL DEFAULT 0,
        enrolled_ms  INTEGER NOT NULL,
        last_seen_ms INTEGER NOT NULL
      );
      CREATE TABLE login_failures (
        key   TEXT NOT NULL,
        at_ms INTEGER NOT NULL
      );
      CREATE INDEX login_failures_by_key ON login_failures(key, at_ms);
      -- (node, batch_seq) of every applied Push batch: a resent batch is not reapplied.
      CREATE TABLE batches (
        node      INTEGER NOT NULL,
        batch_seq INTEGER NOT NULL,
        PRIMARY KEY (node, batch_seq)
      ) WITHOUT ROWID;
      CREATE TABLE records (
        id    BLOB PRIMARY KEY,
        type  TEXT NOT NULL,
        scope TEXT NOT NULL
      ) WITHOUT ROWID;
      CREATE INDEX records_by_type_scope ON records(type, scope);
      -- The current version of every field. seq is the cursor position of its last change;
      -- scope repeats the record's (records never change scope) so a pull filters by scope
      -- without a join.
      CREATE TABLE fields (
        record_id BLOB NOT NULL REFERENCES records(id),
        name      TEXT NOT NULL,
        scope     TEXT NOT NULL,
        value     BLOB NOT NULL,
        hlc       INTEGER NOT NULL,
        node      INTEGER NOT NULL,
        seq       INTEGER NOT NULL UNIQUE,
        PRIMARY KEY (record_id, name)
      ) WITHOUT ROWID;
      CREATE INDEX fields_by_scope_seq ON fields(scope, seq);
      -- Versions that were current once and were replaced: history is kept, never overwritten.
      CREATE TABLE field_history (
        record_id    BLOB NOT NULL,
        name         TEXT NOT NULL,
        hlc          INTEGER NOT NULL,
        node         INTEGER NOT NULL,
        value        BLOB NOT NULL,
        replaced_seq INTEGER NOT NULL,
        PRIMARY KEY (record_id, name, hlc, node)
      ) WITHOUT ROWID;
      -- Per exact scope: sum mod 2^64 of FieldHash over its current fields, and their count.
      CREATE TABLE scope_checksums (
        scope TEXT PRIMARY KEY,
        sum   INTEGER NOT NULL,
        count INTEGER NOT NULL
      ) WITHOUT ROWID;
      CREATE TABLE counters (
        name  TEXT PRIMARY KEY,
        value INTEGER NOT NULL
      ) WITHOUT ROWID;
      INSERT INTO counters(name, value) VALUES ('last_seq', 0);
      )sql",
      // 2: a batch keeps its answer (conflicts, rejections) for when it is resent.
      R"sql(
      ALTER TABLE batches ADD COLUMN answer BLOB;
      )sql",
  };
  return kMigrations;
}

Result<bool> TableExists(Connection& conn, const char* name) {
  auto q = conn.Prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1");
  if (!q.ok()) return q.status();
  q->Bind(1, name);
  return q->Step();
}

}  // namespace

Result<int> StoredSchemaVersion(Connection& conn) {
  auto exists = TableExists(conn, "schema_version");
  if (!exists.ok()) return exists.status();
  if (!*exists) {
    auto any = conn.Prepare("SELECT count(*) FROM sqlite_master WHERE type = 'table'");
    if (!any.ok()) return any.status();
    auto row = any->Step();
    if (!row.ok()) return row.status();
    if (any->Int(0) > 0) {
      return Status(StatusCode::kFailedPrecondition,
                    "this file is not a HomeVisit database (it has tables but no schema_version)");
    }
    return 0;
  }
  auto q = conn.Prepare("SELECT version FROM schema_version");
  if (!q.ok()) return q.status();
  auto row = q->Step();
  if (!row.ok()) return row.status();
  if (!*row) return Internal("database: schema_version is empty");
  return static_cast<int>(q->Int(0));
}

Status Migrate(Connection& conn) {
  static_assert(kSchemaVersion >= 1);
  if (Status s = conn.Exec("BEGIN IMMEDIATE"); !s.ok()) return s;
  auto fail = [&](Status s) {
    (void)conn.Exec("ROLLBACK");
    return s;
  };
  auto stored = StoredSchemaVersion(conn);
  if (!stored.ok()) return fail(stored.status());
  const int from = *stored;
  if (from > kSchemaVersion) {
    return fail(Status(StatusCode::kFailedPrecondition,
                       "the database has schema version " + std::to_string(from) +
                           ", newer than this server's " + std::to_string(kSchemaVersion) +
                           "; it was written by a newer HomeVisit: upgrade the server"));
  }
  if (from == 0) {
    if (Status s = conn.Exec("CREATE TABLE schema_version (version INTEGER NOT NULL);"
                             "INSERT INTO schema_version(version) VALUES (0);");
        !s.ok()) {
      return fail(s);
    }
  }
  const auto& migrations = Migrations();
  if (migrations.size() != static_cast<size_t>(kSchemaVersion)) {
    return fail(Internal("this build's migrations do not reach its schema version"));
  }
  for (int v = from + 1; v <= kSchemaVersion; ++v) {
    if (Status s = conn.Exec(migrations[v - 1]); !s.ok()) {
      return fail(Status(s.code(), "migration to schema " + std::to_string(v) + ": " +
                                       s.message()));
    }
  }
  if (from < kSchemaVersion) {
    auto set = conn.Prepare("UPDATE schema_version SET version = ?1");
    if (!set.ok()) return fail(set.status());
    set->Bind(1, static_cast<int64_t>(kSchemaVersion));
    if (Status s = set->Run(); !s.ok()) return fail(s);
  }
  if (Status s = conn.Exec("COMMIT"); !s.ok()) return fail(s);
  return Status::Ok();
}

}  // namespace homevisit::server::sqlite
