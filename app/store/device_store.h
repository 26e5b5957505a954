// The device's own database (DESIGN.md "Client"): the confirmed replica of the server's
// records, the outbox of local writes, and the sync state. SQLite in WAL mode: this object
// owns the one writer connection; readers (StoreReader) use their own connections and see
// committed states only, so the UI can read while a sync writes.
//
// The outbox. Every local write (Create, Set, Delete, ResolveConflict) is one transaction
// that writes the record row (for a new record), one outbox entry per field, the query keys
// and the clock's last value: no edit without its entry, no entry without its edit.
// An entry is in one of three states:
//   pending   not sent yet. A later write to the same field replaces its value and stamp
//             and keeps its base: the server sees one write, based on the value the user
//             first edited (coalescing).
//   in flight part of batch `batch_seq`. Never changed, so after a crash or a lost answer
//             the same batch is rebuilt and resent with the same number. A later write to
//             the field becomes a new pending entry whose base is this entry's stamp.
//   answered  its batch was acknowledged. Still shown over the confirmed state and still the
//             base of later writes, until a complete pull has brought the server's result
//             into the confirmed replica (FinishPull); then removed.
// A write the server rejected leaves the outbox for rejected_write, with the reason.
// Entries are numbered in write order and batches take the oldest pending ones, so each
// state is a range of entry numbers and a batch changes state with one row write
// (store_internal.h); the confirmed replica keeps one row per record, its fields in one
// blob (schema.cc, version 3).
//
// Invariants:
//  1. At most two batches are in flight (sync_state.in_flight_seq, 0 for none): a first one
//     and, on a push stream, a following one that holds none of the first's records. They
//     are answered in order.
//  2. A field has at most one pending entry.
//  3. The effective value of a field, shown to the user, is its newest outbox entry if any,
//     else its confirmed value; the record row keeps the effective value of filter fields (key_* columns).
//  4. The confirmed replica changes only through ApplyPulled, together with the cursor, in
//     one transaction; scope_checksum always equals the checksum of the confirmed replica.
//  5. Stamps issued here are strictly increasing across restarts (hlc_last is saved with
//     every write) and follow server time (clock_offset_ms).
//
// Thread safety: every method may be called from any thread; calls are serialized.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "app/store/sqlite.h"
#include "core/checksum.h"
#include "core/hlc.h"
#include "core/record.h"
#include "core/review.h"
#include "core/status.h"
#include "core/uuid.h"
#include "homevisit/v1/sync.pb.h"

namespace homevisit::store {

class StoreReader;

// What Login told the device.
struct LoginInfo {
  std::string server;  // host:port it logged in to
  std::string user;
  std::string display_name;
  Role role = Role::kTeacher;
  std::vector<std::string> scopes;
  uint32_t node = 0;
  std::string token;  // 32 raw bytes
};

struct DeviceState {
  std::string device_id;  // UUID text, made when the database was created (or wiped)
  LoginInfo login;
  uint64_t cursor = 0;
  uint64_t next_batch_seq = 1;
  uint64_t in_flight_seq = 0;
  uint64_t hlc_last = 0;
  int64_t clock_offset_ms = 0;
  std::string repair_scope;  // non-empty while a scope is being re-pulled
  uint64_t repair_cursor = 0;
  int64_t last_sync_ms = 0;

  bool logged_in() const { return login.node != 0 && !login.token.empty(); }
};

using FieldValues = std::map<std::string, Value>;

// Bounds of one push batch. The server takes up to 10,000 field writes and 4 MiB per
// batch; 8,000 fields of a typical visit (40 small answers) are about 300 KB before gzip,
// tens of KB on the wire. The byte bound keeps a batch of long texts sendable on a 2G link
// within the push deadline.
struct BatchLimits {
  size_t max_fields = 8000;
  size_t max_bytes = 512 << 10;
  // Records carry packed field writes (RecordWrite.packed_fields, for PushPacked) instead of
  // FieldWrite messages: outbox values go out as stored, without being parsed.
  bool packed = false;
};

// One push batch, as it goes on the wire.
struct OutboxBatch {
  uint64_t batch_seq = 0;  // 0: nothing to push
  bool resent = false;     // this batch was in flight before (crash or lost answer)
  v1::PushRequest request;
  // entries[i][j]: the outbox entry sent as the j-th field write of request.writes(i).
  std::vector<std::vector<int64_t>> entries;
  size_t field_count = 0;
  // A batch from PrepareNextBatch: formed after `after_seq` while the outbox was at
  // `outbox_version`, up to entry `last_seq`; MakeInFlight checks both.
  bool prepared = false;
  bool packed = false;  // formed with BatchLimits.packed
  uint64_t outbox_version = 0;
  int64_t after_seq = 0;
  int64_t last_seq = 0;
  bool empty() const { return batch_seq == 0; }
};

struct PushTally {
  uint32_t applied = 0;
  uint32_t conflicts = 0;
  uint32_t rejected = 0;
  bool duplicate = false;
};

// An attachment this device holds as a file (see DeviceStore::BlobDir).
struct LocalBlob {
  std::string sha256;  // 32 raw bytes
  uint64_t bytes = 0;
  Uuid record_id;      // a record that references it
  bool uploaded = false;
};

// An attachment a confirmed record references that this device does not hold.
struct MissingBlob {
  std::string sha256;  // 32 raw bytes
  Uuid record_id;      // a confirmed, not deleted record that references it
};

// Which cursor a pulled batch advances.
enum class PullTarget { kMain, kRepair };

class DeviceStore {
 public:
  struct Options {
    // Milliseconds since the Unix epoch; the system clock if empty. Tests move it.
    HybridClock::WallClock wall_clock;
    // Seed for record ids and the device id; from the platform's random source if 0.
    uint64_t random_seed = 0;
    // A local write returns once it is on disk (synchronous=FULL). Off only for bulk
    // loading in tests and benchmarks: a power cut may then lose the last writes (never
    // corrupt the database).
    bool durable_local_writes = true;
  };

  // Opens or creates the database at `path` (WAL), migrating it.
  static Result<std::unique_ptr<DeviceStore>> Open(const std::string& path, Options options);
  static Result<std::unique_ptr<DeviceStore>> Open(const std::string& path) {
    return Open(path, Options{});
  }
  ~DeviceStore();

  const std::string& path() const { return path_; }
  // A new read-only connection for queries (one per thread).
  Result<std::unique_ptr<StoreReader>> OpenReader();

  // --- Identity and login ---------------------------------------------------------------
  Result<DeviceState> State();
  // Keeps what Login returned and steps the clock to the server's time.
  Status SaveLogin(const LoginInfo& login, int64_t server_time_ms);
  // Drops the token (the server no longer accepts it); all data stays.
  Status ForgetToken();
  // Erases every record, outbox entry, login and cursor, and makes a new device id (the
  // operator revoked this device). Freed pages are overwritten and the file shrunk.
  Status Wipe();

  // --- Local writes: each is one transaction with its outbox entries -----------------------
  // Creates a record in one of the login's scopes. FailedPrecondition before a login;
  // PermissionDenied for a scope outside the login's or a field the role may not write;
  // InvalidArgument for an unknown type, a bad name or a value that does not suit the field
  // (core/record_types.h). All fields get one stamp.
  Result<Uuid> Create(const std::string& type, const std::string& scope,
                      const FieldValues& fields);
  // Writes fields of a known record. NotFound for an unknown id.
  Status Set(const Uuid& id, const FieldValues& fields);
  // Set(id, fields) and Create(type, scope, new_fields) in one transaction with one stamp:
  // both or neither (a coordinator's decision on a visit and the review record that
  // documents it). Returns the new record's id.
  Result<Uuid> SetAndCreate(const Uuid& id, const FieldValues& fields, const std::string& type,
                            const std::string& scope, const FieldValues& new_fields);
  // Deletion is the field "_deleted" set to true.
  Status Delete(const Uuid& id);
  // A coordinator's decision on a conflict record: writes `chosen` to the conflicting field
  // (based on its current stamp, like any edit) and marks the conflict resolved, with
  // `resolution` (a short note) and the login's user as resolved_by, all together.
  Status ResolveConflict(const Uuid& conflict_id, const Value& chosen,
                         const std::string& resolution);
  // Local writes the server has not acknowledged yet.
  Result<int64_t> PendingCount();

  // --- Sync side --------------------------------------------------------------------------
  // The batch in flight if there is one (resent == true), else a new batch of the oldest
  // pending entries within `limits`, marked in flight under the next batch number. An empty
  // batch (batch_seq 0) when nothing is pending.
  Result<OutboxBatch> NextBatch(const BatchLimits& limits);
  // The batch NextBatch will form once the batch in flight is answered without rejections,
  // formed now and changing nothing, so that a push prepares it while the server works on
  // the one in flight. Empty when nothing lies after the batch in flight.
  Result<OutboxBatch> PrepareNextBatch(const BatchLimits& limits);
  // Puts a prepared batch in flight, exactly as NextBatch would have formed it. False, with
  // nothing changed, when the outbox changed since it was prepared (a local write, a
  // rejection, a batch still in flight): then call NextBatch.
  Result<bool> MakeInFlight(OutboxBatch& batch);
  // Pipelining: while the batch NextBatch returned is in flight, the batch to send behind it
  // on the same push stream, put in flight too (invariant 1). It ends before the first
  // entry of a record the first batch holds, so whatever the first one's answer (a rejection
  // re-bases later writes of its fields), nothing in it would have been formed otherwise.
  // If a following batch is in flight already (a crash, a lost answer), it is returned as it
  // was sent. Empty if there is nothing to send or it would touch only the first's records.
  Result<OutboxBatch> NextFollowingBatch(const BatchLimits& limits);
  // Takes the following batch out of flight, its entries pending again and its number free:
  // only when the server is known not to have applied it (it refused the first batch on a
  // push stream, which then ends unread).
  Status DropFollowingBatch();
  // The server refused the in-flight batch as a whole without recording it: keeps its first
  // entries holding at most `keep_fields` field writes in flight (same batch number; at
  // least one entry, a group whole) and returns the rest to pending. False when the batch
  // is one entry: nothing to halve, that entry is the one at fault.
  Result<bool> ShrinkInFlight(size_t keep_fields);
  // The server refused a one-entry in-flight batch without recording it: the entry (every
  // field of a group) moves to rejected_write with `reason`, and its batch number is reused
  // by the next batch.
  Status RejectInFlight(const std::string& reason);
  // Records the server's answer to the in-flight batch: answered entries stay (state
  // answered) until FinishPull; rejected ones move to rejected_write. InvalidArgument if the
  // answer does not belong to this batch.
  Result<PushTally> Acknowledge(const OutboxBatch& batch, const v1::PushResponse& response);
  // Applies one pulled batch and its cursor in one transaction. InvalidArgument (nothing
  // applied) if any record or value in it is malformed. Returns the number of fields.
  Result<size_t> ApplyPulled(const v1::ChangeBatch& batch, PullTarget target);
  // A pull reached its end: the confirmed replica now holds the server's answer to every
  // acknowledged write, so answered entries are removed.
  Status FinishPull(int64_t now_ms);
  // Checksum of the confirmed fields of every record whose scope `scope` covers.
  Result<ScopeChecksum> ChecksumOf(const std::string& scope);
  // Starts re-pulling one scope from cursor 0 (its checksum did not match). Fields of the
  // scope that the re-pull does not send again are removed at FinishRepair.
  Status BeginRepair(const std::string& scope);
  Status FinishRepair();
  // Steps the clock's offset to the server's time (every response carries it).
  Status ObserveServerTime(int64_t server_time_ms);
  // The clock's next stamp would be greater than this (for tests).
  uint64_t ClockLast();

  // --- Attachments and settings (blob_index.cc) ------------------------------------------
  // Attachments are files named by their lower-case hex SHA-256 in BlobDir(): the
  // directory "attachments" next to the database file. The database notes which exist and
  // which the server holds; a file is written (and fsynced) before its row.
  std::string BlobDir() const;
  std::string BlobPath(std::string_view sha256) const;
  // Sets `field` of record `id` to the reference of the blob `sha256` (32 bytes, `bytes`
  // long, already stored at BlobPath) and notes the blob as not yet uploaded, in one
  // transaction. Errors as for Set, plus InvalidArgument for a malformed hash and
  // FailedPrecondition when the file is missing or has another size.
  Status AttachBlob(const Uuid& id, const std::string& field, const std::string& sha256,
                    uint64_t bytes);
  // Blobs the server does not hold yet whose referencing record has no unsent write left
  // (records go first: the server lets a device upload only what a record references).
  // A blob that one of this device's writes references and whose file is in BlobDir() is
  // noted first, however it got there (the app's form writes the file and the field).
  Result<std::vector<LocalBlob>> BlobsToUpload();
  // The server holds `sha256` whole (uploaded from here, or fetched from it).
  Status MarkBlobUploaded(const std::string& sha256);
  // Notes a blob fetched from the server into BlobPath(sha256).
  Status NoteFetchedBlob(const std::string& sha256, uint64_t bytes, const Uuid& record_id);
  // The blob as this device holds it; nullopt when it has no verified file.
  Result<std::optional<LocalBlob>> FindLocalBlob(const std::string& sha256);
  // A record that references `sha256` in a field (confirmed first, then unsent writes);
  // nullopt if none does.
  Result<std::optional<Uuid>> RecordReferencingBlob(const std::string& sha256);
  // Up to `limit` blobs referenced by confirmed, not deleted records that this device
  // does not hold.
  Result<std::vector<MissingBlob>> MissingBlobs(size_t limit);
  // A setting's value; "" when it was never set.
  Result<std::string> Setting(const std::string& name);
  Status SetSetting(const std::string& name, const std::string& value);

 private:
  DeviceStore(std::string path, Connection db, Options options);
  Status LoadClock();
  Status SaveClock();
  int64_t WallNow() const;
  // One record's writes inside an open transaction. `new_record_type` is set for a record
  // created in this same transaction, so nothing about it needs looking up.
  Status WriteFields(const Uuid& id, const FieldValues& fields, const Stamp& stamp,
                     const std::string& new_record_type = "");
  // Create()'s checks (type, scope, login), and its insert inside an open transaction.
  Status CheckCreate(const std::string& type, const std::string& scope,
                     const FieldValues& fields) const;
  Result<Uuid> InsertRecord(const std::string& type, const std::string& scope,
                            const FieldValues& fields, const Stamp& stamp);
  // The server's rules for a field write by this login's role (`type` empty: the name and
  // the value's form only).
  Status CheckWritable(const std::string& type, const std::string& name, const Value& value,
                       bool record_exists) const;
  // Moves the outbox entries with seq in [first_seq, last_seq] to rejected_write, every
  // field of a group. With `part` >= 0 (first_seq == last_seq), only the part-th field
  // write of that entry: a group keeps its other fields.
  Status MoveToRejected(int64_t first_seq, int64_t last_seq, const std::string& reason,
                        int part = -1);
  Uuid NewId();
  // Deletes every file in BlobDir() (Wipe).
  Status RemoveBlobFiles();
  // Notes the blobs referenced by outbox entries whose files are in BlobDir() (see
  // BlobsToUpload). Caller holds mu_.
  Status AdoptWrittenBlobs();

  // Forms a batch of the entries after `after_seq` within `limits` (NextBatch, PrepareNextBatch).
  // The batch in flight of number `batch_seq`, entries (after_seq, through_seq], formed again
  // to be resent.
  Status FormResent(int64_t after_seq, int64_t through_seq, uint64_t batch_seq, bool packed,
                    OutboxBatch* batch);
  // With `stop_at_records` (sorted), the batch ends before the first entry of one of those
  // records.
  Status FormBatch(int64_t after_seq, const BatchLimits& limits, OutboxBatch* batch,
                   const std::vector<std::string>* stop_at_records = nullptr);
  // Notes the records of a batch just put in flight (see FlightRecords).
  void NoteInFlight(const OutboxBatch& batch);
  // The records with entries in (after_seq, through_seq], sorted: from flight_records_ when
  // a batch covered exactly that range, else read from the outbox.
  Result<std::vector<std::string>> RecordsInRange(int64_t after_seq, int64_t through_seq);

  // The records of the last batches put in flight, by their entry range. An entry's seq is
  // never reused and entries in flight are only removed, so a range's records can only
  // shrink: a noted set may hold more than the range now does, which only ends a
  // following batch earlier. NextFollowingBatch then needs no scan of the outbox.
  struct FlightRecords {
    int64_t after_seq = 0, through_seq = 0;
    std::vector<std::string> record_ids;  // sorted, unique
  };

  std::mutex mu_;
  std::vector<FlightRecords> flight_records_;  // guarded by mu_; at most two, newest last
  // Counts every change to outbox entries or marks other than a batch being formed or
  // answered without rejections: a prepared batch is valid only while it stands still.
  uint64_t outbox_version_ = 0;  // guarded by mu_
  const std::string path_;
  Connection db_;  // guarded by mu_
  Options options_;
  HybridClock clock_;         // guarded by mu_
  int64_t clock_offset_ms_ = 0;  // guarded by mu_
  std::unique_ptr<UuidGenerator> ids_;  // guarded by mu_
  std::vector<std::string> scopes_;     // guarded by mu_; the login's scopes
  std::string user_;                    // guarded by mu_; the login's user
  Role role_ = Role::kTeacher;          // guarded by mu_; the login's role
};

}  // namespace homevisit::store
