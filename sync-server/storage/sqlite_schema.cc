#include "sync-server/storage/sqlite_schema.h"

#include <string>
#include <algorithm>
#include <vector>

#include "sync-server/storage/record_codec.h"

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
      // 3: one row per record (record_codec.h) instead of one per field, and one change
      // entry per (record, writing transaction) instead of one per field. The rows of the
      // old `fields` are folded in by ConvertToRecordRows between this statement and
      // kAfterRecordRows.
      R"sql(
      -- A record with its current fields; every field keeps, inside `fields`, the position
      -- of its own last change.
      -- field_count, deleted and open_conflict summarize `fields` (SummarizeRecord) for
      -- the operator's stats, which then never decode a row.
      CREATE TABLE record_rows (
        id            BLOB NOT NULL UNIQUE,
        type          TEXT NOT NULL,
        scope         TEXT NOT NULL,
        fields        BLOB NOT NULL,
        field_count   INTEGER NOT NULL,
        deleted       INTEGER NOT NULL,
        open_conflict INTEGER NOT NULL
      );
      -- The change feed: position seq holds the fields of record_id whose last change has
      -- that position. A transaction that changes a record adds one entry for all the
      -- fields it wrote there; an entry none of whose fields is still at its position is
      -- removed. scope repeats the record's (records never change scope).
      CREATE TABLE changes (
        seq       INTEGER PRIMARY KEY,
        record_id BLOB NOT NULL,
        scope     TEXT NOT NULL
      );
      )sql",
  };
  return kMigrations;
}

// The end of migration 3, after ConvertToRecordRows. The (scope) index of changes holds
// the rowid, so it is the (scope, seq) index a pull seeks in.
constexpr char kAfterRecordRows[] = R"sql(
  DROP TABLE fields;
  DROP TABLE records;
  ALTER TABLE record_rows RENAME TO records;
  CREATE INDEX records_by_type_scope ON records(type, scope);
  CREATE INDEX changes_by_scope ON changes(scope);
)sql";

// Folds the per-field rows of schema 2 into one row per record; every field keeps its
// position, which becomes a change entry of its own.
Status ConvertToRecordRows(Connection& conn) {
  auto read = conn.Prepare(
      "SELECT r.id, r.type, r.scope, f.name, f.value, f.hlc, f.node, f.seq FROM records r "
      "LEFT JOIN fields f ON f.record_id = r.id ORDER BY r.id, f.name");
  if (!read.ok()) return read.status();
  struct Pending {
    std::string id, type, scope;
    std::vector<std::string> names, values;
    std::vector<EncodedField> fields;
  } pending;
  auto flush = [&]() -> Status {
    if (pending.id.empty()) return Status::Ok();
    for (size_t i = 0; i < pending.fields.size(); ++i) {
      pending.fields[i].name = pending.names[i];
      pending.fields[i].value = pending.values[i];
    }
    auto insert = conn.Prepare(
        "INSERT INTO record_rows(id, type, scope, fields, field_count, deleted, open_conflict) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
    if (!insert.ok()) return insert.status();
    const RecordSummary summary = SummarizeRecord(pending.type, pending.fields);
    insert->BindBlob(1, pending.id).Bind(2, pending.type).Bind(3, pending.scope);
    insert->BindBlob(4, EncodeRecordFields(pending.fields)).Bind(5, summary.field_count);
    insert->Bind(6, summary.deleted ? 1 : 0).Bind(7, summary.open_conflict ? 1 : 0);
    if (Status s = insert->Run(); !s.ok()) return s;
    for (const EncodedField& f : pending.fields) {
      auto entry = conn.Prepare("INSERT INTO changes(seq, record_id, scope) VALUES (?1, ?2, ?3)");
      if (!entry.ok()) return entry.status();
      entry->Bind(1, static_cast<int64_t>(f.seq)).BindBlob(2, pending.id).Bind(3, pending.scope);
      if (Status s = entry->Run(); !s.ok()) return s;
    }
    pending = Pending{};
    return Status::Ok();
  };
  while (true) {
    auto row = read->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    std::string id = read->Blob(0);
    if (id != pending.id) {
      if (Status s = flush(); !s.ok()) return s;
      pending.id = std::move(id);
      pending.type = read->Text(1);
      pending.scope = read->Text(2);
    }
    if (read->IsNull(3)) continue;
    pending.names.push_back(read->Text(3));
    pending.values.push_back(read->Blob(4));
    EncodedField f;
    f.stamp = Stamp{static_cast<uint64_t>(read->Int(5)), static_cast<uint32_t>(read->Int(6))};
    f.seq = static_cast<uint64_t>(read->Int(7));
    pending.fields.push_back(f);
  }
  return flush();
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

Status Migrate(Connection& conn) { return MigrateTo(conn, kSchemaVersion); }

Status MigrateTo(Connection& conn, int target) {
  static_assert(kSchemaVersion >= 1);
  if (target < 1 || target > kSchemaVersion) return InvalidArgument("no such schema version");
  if (Status s = conn.Exec("BEGIN IMMEDIATE"); !s.ok()) return s;
  auto fail = [&](Status s) {
    (void)conn.Exec("ROLLBACK");
    return s;
  };
  auto stored = StoredSchemaVersion(conn);
  if (!stored.ok()) return fail(stored.status());
  const int from = *stored;
  if (from > target && target < kSchemaVersion) {
    return fail(FailedPrecondition("the database is past the schema version asked for"));
  }
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
  for (int v = from + 1; v <= target; ++v) {
    Status s = conn.Exec(migrations[v - 1]);
    // The conversion's statements are reset when it returns: only then may tables go.
    if (s.ok() && v == 3) s = ConvertToRecordRows(conn);
    if (s.ok() && v == 3) s = conn.Exec(kAfterRecordRows);
    if (!s.ok()) {
      return fail(Status(s.code(), "migration to schema " + std::to_string(v) + ": " +
                                       s.message()));
    }
  }
  if (from < target) {
    auto set = conn.Prepare("UPDATE schema_version SET version = ?1");
    if (!set.ok()) return fail(set.status());
    set->Bind(1, static_cast<int64_t>(target));
    if (Status s = set->Run(); !s.ok()) return fail(s);
  }
  if (Status s = conn.Exec("COMMIT"); !s.ok()) return fail(s);
  return Status::Ok();
}

}  // namespace homevisit::server::sqlite
