#include "app/store/schema.h"

#include <iterator>
#include <string>

namespace homevisit::store {

namespace {

// Version 1. Tables:
//  record         every record the device knows: pulled from the server or created here.
//  field          the confirmed replica: each field as the server last sent it.
//  outbox         local writes the server has not answered yet (and answered ones waiting
//                 for the next complete pull to replace them); see device_store.h.
//  rejected_write local writes the server refused, kept so the user can see them.
//  record_key     the effective (pending over confirmed) value of the few fields the UI
//                 filters on, as text, so lists need no scan of every field.
//  scope_checksum running checksum of the confirmed replica per record scope.
//  repair_seen    fields re-sent during a scope repair (see replica.cc).
//  sync_state     one row: identity, login, cursor, batch numbers, clock.
constexpr char kSchemaV1[] = R"sql(
CREATE TABLE record (
  id BLOB PRIMARY KEY,
  type TEXT NOT NULL,
  scope TEXT NOT NULL,
  confirmed INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
CREATE INDEX record_by_type ON record(type, scope);

CREATE TABLE field (
  record_id BLOB NOT NULL,
  name TEXT NOT NULL,
  value BLOB NOT NULL,
  hlc INTEGER NOT NULL,
  node INTEGER NOT NULL,
  PRIMARY KEY (record_id, name)
) WITHOUT ROWID;

CREATE TABLE outbox (
  seq INTEGER PRIMARY KEY,
  record_id BLOB NOT NULL,
  name TEXT NOT NULL,
  value BLOB NOT NULL,
  hlc INTEGER NOT NULL,
  base_hlc INTEGER,
  base_node INTEGER,
  state INTEGER NOT NULL DEFAULT 0,
  batch_seq INTEGER
);
CREATE INDEX outbox_by_field ON outbox(record_id, name);
CREATE INDEX outbox_pending ON outbox(seq) WHERE state = 0;
CREATE INDEX outbox_by_batch ON outbox(batch_seq) WHERE batch_seq IS NOT NULL;

CREATE TABLE rejected_write (
  seq INTEGER PRIMARY KEY,
  record_id BLOB NOT NULL,
  name TEXT NOT NULL,
  value BLOB NOT NULL,
  hlc INTEGER NOT NULL,
  reason TEXT NOT NULL,
  at_ms INTEGER NOT NULL
);

CREATE TABLE record_key (
  record_id BLOB NOT NULL,
  name TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (record_id, name)
) WITHOUT ROWID;
CREATE INDEX record_key_lookup ON record_key(name, value);

CREATE TABLE scope_checksum (
  scope TEXT PRIMARY KEY,
  sum INTEGER NOT NULL,
  count INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE repair_seen (
  record_id BLOB NOT NULL,
  name TEXT NOT NULL,
  PRIMARY KEY (record_id, name)
) WITHOUT ROWID;

CREATE TABLE sync_state (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  device_id TEXT NOT NULL,
  server TEXT NOT NULL DEFAULT '',
  user TEXT NOT NULL DEFAULT '',
  display_name TEXT NOT NULL DEFAULT '',
  role INTEGER NOT NULL DEFAULT 0,
  scopes TEXT NOT NULL DEFAULT '',
  node INTEGER NOT NULL DEFAULT 0,
  token BLOB,
  cursor INTEGER NOT NULL DEFAULT 0,
  next_batch_seq INTEGER NOT NULL DEFAULT 1,
  in_flight_seq INTEGER NOT NULL DEFAULT 0,
  hlc_last INTEGER NOT NULL DEFAULT 0,
  clock_offset_ms INTEGER NOT NULL DEFAULT 0,
  repair_scope TEXT NOT NULL DEFAULT '',
  repair_cursor INTEGER NOT NULL DEFAULT 0,
  last_sync_ms INTEGER NOT NULL DEFAULT 0
);
)sql";

// Version 2. Attachments and settings:
//  device_blob  the attachments this device holds as files
//               (<data dir>/attachments/<hex sha256>), a record that references each (the server checks access through it) and
//               whether the server has it whole.
//  setting      the user's settings, e.g. prefetch_blobs = on|off.
constexpr char kSchemaV2[] = R"sql(
CREATE TABLE device_blob (
  sha256 BLOB PRIMARY KEY,
  bytes INTEGER NOT NULL,
  record_id BLOB,
  uploaded INTEGER NOT NULL DEFAULT 0,
  added_ms INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX device_blob_to_upload ON device_blob(sha256) WHERE uploaded = 0;

CREATE TABLE setting (
  name TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;
)sql";

constexpr const char* kMigrations[] = {kSchemaV1, kSchemaV2};
static_assert(std::size(kMigrations) == kDeviceSchemaVersion);

}  // namespace

Status MigrateDeviceSchema(Connection& db) {
  auto version = db.QueryInt("PRAGMA user_version");
  if (!version.ok()) return version.status();
  if (*version > kDeviceSchemaVersion) {
    return FailedPrecondition("the device database has schema version " +
                              std::to_string(*version) + " but this build knows only up to " +
                              std::to_string(kDeviceSchemaVersion) + "; update the app");
  }
  for (int v = static_cast<int>(*version); v < kDeviceSchemaVersion; ++v) {
    Transaction txn(db);
    if (Status s = txn.Begin(); !s.ok()) return s;
    if (Status s = db.Exec(kMigrations[v]); !s.ok()) return s;
    if (Status s = db.Exec("PRAGMA user_version = " + std::to_string(v + 1)); !s.ok()) return s;
    if (Status s = txn.Commit(); !s.ok()) return s;
  }
  return Status::Ok();
}

}  // namespace homevisit::store
