#include "app/store/schema.h"

#include <iterator>
#include <string>
#include <vector>

#include "app/store/record_fields.h"
#include "app/store/store_internal.h"

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

// Version 3. The device's side of a sync costs a few statements per record and per batch
// instead of several per field (see store_internal.h):
//  record.fields   the confirmed replica: each record's confirmed fields in one blob
//                  (EncodeFields), replacing the table `field`; record.has_blobs is 1 when one
//                  of them may reference an attachment (MayHoldBlob), for the attachment scans.
//  outbox_entry    the outbox without a state per entry: an entry's state follows from its
//                  seq and sync_state.in_flight_through / answered_through, so marking a
//                  batch in flight or answered is one row write. seq is AUTOINCREMENT: it
//                  never goes back, so a seq range names the same entries for good.
//  outbox          a view of outbox_entry with each entry's state and batch, as before.
//  rejected_write numbers its rows itself from now on (an entry's seq was copied before).
//  record_key      keeps only the fields StoreReader filters on, by record type
//                  (record_fields.h kQueryKeys).
// Existing entries are renumbered above every seq used so far: answered ones first, then the
// batch in flight, then pending ones, each in its old order, which keeps the in-flight batch
// exactly as it was sent.
constexpr char kSchemaV3Before[] = R"sql(
ALTER TABLE record ADD COLUMN fields BLOB;
ALTER TABLE record ADD COLUMN has_blobs INTEGER NOT NULL DEFAULT 0;

CREATE TABLE outbox_entry (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  record_id BLOB NOT NULL,
  name TEXT NOT NULL,
  value BLOB NOT NULL,
  hlc INTEGER NOT NULL,
  base_hlc INTEGER,
  base_node INTEGER
);
ALTER TABLE sync_state ADD COLUMN in_flight_through INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sync_state ADD COLUMN answered_through INTEGER NOT NULL DEFAULT 0;

CREATE TEMP TABLE v3_outbox AS
WITH base(n) AS (SELECT max(coalesce((SELECT max(seq) FROM outbox), 0),
                            coalesce((SELECT max(seq) FROM rejected_write), 0))),
     flight(b) AS (SELECT coalesce((SELECT in_flight_seq FROM sync_state WHERE id = 1), 0))
SELECT (SELECT n FROM base) + row_number() OVER (ORDER BY rank, seq) AS new_seq, rank, record_id,
       name, value, hlc, base_hlc, base_node
FROM (SELECT o.*, CASE WHEN o.state = 2 THEN 0
                       WHEN o.state = 1 AND o.batch_seq = (SELECT b FROM flight) AND
                            (SELECT b FROM flight) <> 0 THEN 1
                       ELSE 2 END AS rank
      FROM outbox o);
INSERT INTO outbox_entry(seq, record_id, name, value, hlc, base_hlc, base_node)
  SELECT new_seq, record_id, name, value, hlc, base_hlc, base_node FROM v3_outbox ORDER BY new_seq;
UPDATE sync_state SET
  answered_through = coalesce((SELECT max(new_seq) FROM v3_outbox WHERE rank = 0),
                              (SELECT min(new_seq) - 1 FROM v3_outbox), 0),
  in_flight_through = coalesce((SELECT max(new_seq) FROM v3_outbox WHERE rank <= 1),
                               (SELECT min(new_seq) - 1 FROM v3_outbox), 0);
UPDATE sync_state SET in_flight_seq = 0 WHERE in_flight_through = answered_through;
DROP TABLE v3_outbox;
)sql";

constexpr char kSchemaV3After[] = R"sql(
DROP TABLE field;
DROP TABLE outbox;
CREATE INDEX outbox_entry_by_field ON outbox_entry(record_id, name);
CREATE INDEX outbox_entry_blobs ON outbox_entry(seq) WHERE substr(value, 1, 1) IN (x'4a', x'52');
CREATE INDEX record_with_blobs ON record(has_blobs) WHERE has_blobs = 1;
CREATE VIEW outbox AS
  SELECT e.seq, e.record_id, e.name, e.value, e.hlc, e.base_hlc, e.base_node,
         CASE WHEN e.seq <= s.answered_through THEN 2
              WHEN e.seq <= s.in_flight_through THEN 1 ELSE 0 END AS state,
         CASE WHEN e.seq > s.answered_through AND e.seq <= s.in_flight_through
              THEN s.in_flight_seq END AS batch_seq
  FROM outbox_entry e JOIN sync_state s ON s.id = 1;
)sql";

// Version 4. The query keys become columns of `record` (record_fields.h kKeyColumns): a
// pulled record is then one row write with its keys instead of one more upsert, two more
// B-tree inserts, per key. A column is NULL where the record has no such key; each filter
// column has a partial index by type, so a list reads only the records it shows.
constexpr char kSchemaV4[] = R"sql(
ALTER TABLE record ADD COLUMN key_class TEXT;
ALTER TABLE record ADD COLUMN key_village TEXT;
ALTER TABLE record ADD COLUMN key_household TEXT;
ALTER TABLE record ADD COLUMN key_status TEXT;
ALTER TABLE record ADD COLUMN key_author TEXT;
ALTER TABLE record ADD COLUMN key_deleted TEXT;
UPDATE record SET
  key_class = CASE WHEN type = 'student' THEN
    (SELECT value FROM record_key k WHERE k.record_id = record.id AND k.name = 'class_name') END,
  key_village = CASE WHEN type = 'student' THEN
    (SELECT value FROM record_key k WHERE k.record_id = record.id AND k.name = 'village') END,
  key_household = CASE WHEN type = 'student' THEN
    (SELECT value FROM record_key k WHERE k.record_id = record.id AND k.name = 'household_id') END,
  key_status = CASE WHEN type IN ('visit', 'conflict') THEN
    (SELECT value FROM record_key k WHERE k.record_id = record.id AND k.name = 'status') END,
  key_author = CASE WHEN type = 'visit' THEN
    (SELECT value FROM record_key k WHERE k.record_id = record.id AND k.name = 'author') END,
  key_deleted = (SELECT value FROM record_key k WHERE k.record_id = record.id AND k.name = '_deleted');
DROP TABLE record_key;
CREATE INDEX record_by_class ON record(type, key_class) WHERE key_class IS NOT NULL;
CREATE INDEX record_by_village ON record(type, key_village) WHERE key_village IS NOT NULL;
CREATE INDEX record_by_household ON record(type, key_household) WHERE key_household IS NOT NULL;
CREATE INDEX record_by_status ON record(type, key_status) WHERE key_status IS NOT NULL;
CREATE INDEX record_by_author ON record(type, key_author) WHERE key_author IS NOT NULL;
)sql";

// Version 5. Two batches may be in flight at once (DeviceStore::NextFollowingBatch): the
// first (answered_through, in_flight_split] as in_flight_seq, the following one
// (in_flight_split, in_flight_through] as in_flight_seq + 1. 0: one batch, or none.
constexpr char kSchemaV5[] = R"sql(
ALTER TABLE sync_state ADD COLUMN in_flight_split INTEGER NOT NULL DEFAULT 0;
DROP VIEW outbox;
CREATE VIEW outbox AS
  SELECT e.seq, e.record_id, e.name, e.value, e.hlc, e.base_hlc, e.base_node,
         CASE WHEN e.seq <= s.answered_through THEN 2
              WHEN e.seq <= s.in_flight_through THEN 1 ELSE 0 END AS state,
         CASE WHEN e.seq > s.answered_through AND e.seq <= s.in_flight_through
              THEN s.in_flight_seq +
                   CASE WHEN s.in_flight_split > 0 AND e.seq > s.in_flight_split THEN 1 ELSE 0 END
              END AS batch_seq
  FROM outbox_entry e JOIN sync_state s ON s.id = 1;
)sql";

// Version 6. A record created on this device puts its first fields into one outbox entry,
// a group (store_internal.h kGroupEntry): field_count is how many field writes an entry
// holds, has_blobs whether one of them may reference an attachment, which is the
// condition of the attachment scans' partial index from now on. The pending count (asked
// at every sync and after every save) sums field_count from a covering index instead of
// reading every pending row, group values and all: about 0.25 ms instead of 3 ms for
// 10,000 new visits.
constexpr char kSchemaV6[] = R"sql(
ALTER TABLE outbox_entry ADD COLUMN field_count INTEGER NOT NULL DEFAULT 1;
ALTER TABLE outbox_entry ADD COLUMN has_blobs INTEGER NOT NULL DEFAULT 0;
CREATE INDEX outbox_entry_count ON outbox_entry(seq, field_count);
UPDATE outbox_entry SET has_blobs = 1 WHERE substr(value, 1, 1) IN (x'4a', x'52');
DROP INDEX outbox_entry_blobs;
CREATE INDEX outbox_entry_blobs ON outbox_entry(seq) WHERE has_blobs = 1;
DROP VIEW outbox;
CREATE VIEW outbox AS
  SELECT e.seq, e.record_id, e.name, e.value, e.hlc, e.base_hlc, e.base_node,
         CASE WHEN e.seq <= s.answered_through THEN 2
              WHEN e.seq <= s.in_flight_through THEN 1 ELSE 0 END AS state,
         CASE WHEN e.seq > s.answered_through AND e.seq <= s.in_flight_through
              THEN s.in_flight_seq +
                   CASE WHEN s.in_flight_split > 0 AND e.seq > s.in_flight_split THEN 1 ELSE 0 END
              END AS batch_seq,
         e.field_count
  FROM outbox_entry e JOIN sync_state s ON s.id = 1;
)sql";

// Version 3's data step: the rows of `field` become each record's fields blob.
Status MoveFieldsIntoRecords(Connection& db) {
  auto rows = db.Prepare("SELECT record_id, name, value, hlc, node FROM field ORDER BY record_id, name");
  auto put = db.Prepare("UPDATE record SET fields = ?, has_blobs = ? WHERE id = ?");
  if (!rows.ok()) return rows.status();
  if (!put.ok()) return put.status();
  struct Owned {
    std::string name, value;
    uint64_t hlc;
    uint32_t node;
  };
  std::string id;
  std::vector<Owned> fields;
  std::string blob;
  auto flush = [&]() -> Status {
    if (fields.empty()) return Status::Ok();
    std::vector<StoredField> views;
    bool blobs = false;
    for (const Owned& f : fields) {
      views.push_back({f.name, f.value, f.hlc, f.node});
      blobs = blobs || MayHoldBlob(f.value);
    }
    EncodeFields(views, &blob);
    put->Reset();
    put->BindBlob(1, blob).Bind(2, blobs ? 1 : 0).BindBlob(3, id);
    fields.clear();
    return put->Run();
  };
  for (;;) {
    auto row = rows->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    if (rows->BlobView(0) != id) {
      if (Status s = flush(); !s.ok()) return s;
      id = rows->Blob(0);
    }
    const std::string name = rows->Text(1);
    if (name.empty() || name.size() > 128) continue;  // never written by any version
    fields.push_back({name, rows->Blob(2), static_cast<uint64_t>(rows->Int(3)),
                      static_cast<uint32_t>(rows->Int(4))});
  }
  return flush();
}

// Version 3's key step: removes the record_key rows no query reads (see kQueryKeys).
Status PruneQueryKeys(Connection& db) {
  std::string kept;
  for (const QueryKey& key : kQueryKeys) {
    kept += std::string(kept.empty() ? "" : " OR ") + "(record_key.name = '" + key.name + "'" +
            (*key.type ? std::string(" AND r.type = '") + key.type + "'" : std::string()) + ")";
  }
  return db.Exec("DELETE FROM record_key WHERE NOT EXISTS (SELECT 1 FROM record r WHERE r.id = "
                 "record_key.record_id AND (" + kept + "))");
}

Status MigrateDataToV3(Connection& db) {
  if (Status s = MoveFieldsIntoRecords(db); !s.ok()) return s;
  return PruneQueryKeys(db);
}

struct Migration {
  const char* sql;
  Status (*data)(Connection&) = nullptr;  // runs after `sql`, in the same transaction
  const char* sql_after = nullptr;
};

const Migration kMigrations[] = {
    {kSchemaV1},
    {kSchemaV2},
    {kSchemaV3Before, MigrateDataToV3, kSchemaV3After},
    {kSchemaV4},
    {kSchemaV5},
    {kSchemaV6},
};
static_assert(std::size(kMigrations) == kDeviceSchemaVersion);

}  // namespace

Status MigrateDeviceSchema(Connection& db, int target_version) {
  auto version = db.QueryInt("PRAGMA user_version");
  if (!version.ok()) return version.status();
  if (*version > kDeviceSchemaVersion) {
    return FailedPrecondition("the device database has schema version " +
                              std::to_string(*version) + " but this build knows only up to " +
                              std::to_string(kDeviceSchemaVersion) + "; update the app");
  }
  for (int v = static_cast<int>(*version); v < target_version && v < kDeviceSchemaVersion; ++v) {
    const Migration& m = kMigrations[v];
    Transaction txn(db);
    if (Status s = txn.Begin(); !s.ok()) return s;
    if (Status s = db.Exec(m.sql); !s.ok()) return s;
    if (m.data) {
      if (Status s = m.data(db); !s.ok()) return s;
    }
    if (m.sql_after) {
      if (Status s = db.Exec(m.sql_after); !s.ok()) return s;
    }
    if (Status s = db.Exec("PRAGMA user_version = " + std::to_string(v + 1)); !s.ok()) return s;
    if (Status s = txn.Commit(); !s.ok()) return s;
  }
  return Status::Ok();
}

}  // namespace homevisit::store
