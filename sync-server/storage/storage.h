// The central database, as one interface with two backends: SQLite (embedded default,
// `--db sqlite:PATH`) and PostgreSQL (`--db postgresql://...`). Both pass the same test
// suite. The server keeps no state outside the database, so several server instances may
// share one PostgreSQL.
//
// The merge rule itself does not live here: the server's batch merger (sync-server/merger.h)
// runs the pure rule of core/merge.h over the primitives of a WriteTxn, so both backends
// merge identically. A backend only stores, reads, numbers and checksums.
//
// Contracts common to every method:
//  * No method throws; failures come back as Status (kUnavailable for a busy or lost
//    database, kInternal for a broken invariant, kInvalidArgument for bad input).
//  * Strings are UTF-8; record ids are 16-byte UUIDs; values are stored losslessly.
//  * Times are milliseconds since the Unix epoch.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/checksum.h"
#include "core/record.h"
#include "core/review.h"
#include "core/status.h"

namespace homevisit::server {

// The identity fields of a record.
struct RecordHeader {
  Uuid id;
  std::string type;
  std::string scope;
};

// One field change as a pull sends it.
struct Change {
  uint64_t seq = 0;  // the cursor value after this change
  RecordHeader record;
  std::string field;
  FieldVersion version;
};

// Changes as stored: values still serialized (v1.Value bytes, as the backends keep them),
// so a pull that passes values through never decodes them. Each change names its record by
// index into `records`, which holds every record's header once.
struct EncodedChange {
  uint64_t seq = 0;     // the cursor value after this change
  uint32_t record = 0;  // index into EncodedChanges::records
  std::string field;
  std::string value;    // a serialized v1.Value
  Stamp stamp;
};
struct EncodedChanges {
  std::vector<RecordHeader> records;
  std::vector<EncodedChange> changes;
  size_t size() const { return changes.size(); }
  bool empty() const { return changes.empty(); }
};

struct User {
  int64_t id = 0;
  std::string name;          // login name, unique
  std::string display_name;  // shown in the app, e.g. "王老师"
  Role role = Role::kTeacher;
  std::string password_hash;  // Argon2id encoded string (libsodium crypto_pwhash_str)
  bool disabled = false;
  std::vector<std::string> scopes;  // scope paths the user may read and write
};

struct Device {
  uint32_t node = 0;        // the stamp node of the device, assigned by the database (>= 1)
  std::string device_id;    // the UUID the device made for itself
  int64_t user_id = 0;
  std::string name;         // operator-facing label
  std::string token_sha256; // 32 raw bytes; the token itself is never stored
  bool revoked = false;
  int64_t enrolled_ms = 0;
  int64_t last_seen_ms = 0;
};

struct ScopeRow {
  std::string path;   // "county/township/school"
  std::string title;  // display name, e.g. "花山中心小学"
};

struct Stats {
  std::vector<std::pair<std::string, int64_t>> records_by_type;  // live records per type
  int64_t fields = 0;
  int64_t open_conflicts = 0;
  int64_t users = 0;
  int64_t devices = 0;
  uint64_t last_seq = 0;
};

// One write transaction (a Push batch, an admin write, a seed). Destroying it without
// Commit() rolls everything back. Not thread-safe; one per thread.
class WriteTxn {
 public:
  virtual ~WriteTxn() = default;

  // Records that (node, batch_seq) is being applied. Returns false, changing nothing, when
  // that batch was applied before: the caller then acknowledges without reapplying.
  virtual Result<bool> MarkBatch(uint32_t node, uint64_t batch_seq) = 0;

  // The answer of a marked batch, kept with its mark so that a resent batch (its answer was
  // lost on the way) gets the same per-write outcomes again: opaque bytes, empty when every
  // write was applied. SaveBatchAnswer is called after MarkBatch returned true; BatchAnswer
  // after it returned false.
  virtual Status SaveBatchAnswer(uint32_t node, uint64_t batch_seq, const std::string& answer) = 0;
  virtual Result<std::string> BatchAnswer(uint32_t node, uint64_t batch_seq) = 0;

  // The display name of the user whose device writes with stamp node `node`; empty if no
  // device has it (the server's own node). Read inside the transaction: conflict records
  // name who wrote each value, and a coordinator decides knowing it.
  virtual Result<std::string> DeviceOwnerName(uint32_t node) = 0;

  // Locks, until the transaction ends, the records it is about to load (existing or not),
  // all at once and in one global order, so that two transactions touching the same
  // records in different orders wait for each other instead of deadlocking. Call it first.
  // Optional: LoadRecord locks what it loads anyway; a backend whose writers are serialized
  // (SQLite) has nothing to do.
  virtual Status LockRecords(const std::vector<Uuid>& ids) { return Status::Ok(); }

  // The record with all its current fields; nullopt if it does not exist.
  virtual Result<std::optional<Record>> LoadRecord(const Uuid& id) = 0;

  // True if `stamp` was once current for (id, field) and has since been superseded.
  virtual Result<bool> WasSuperseded(const Uuid& id, const std::string& field,
                                     const Stamp& stamp) = 0;

  // Makes `version` the current version of (record, field). `previous` is the version it
  // replaces (nullopt for a new field); the backend moves it to history, creates the record
  // row if needed, gives the change a new cursor position (visible to pulls only after
  // commit, and never behind a position a pull has already passed), and updates the
  // checksum of the record's scope (minus the previous FieldHash, plus the new one).
  // kInternal if `previous` is not the stored current version (a stale caller would corrupt
  // history and the checksum); kInvalidArgument if the record exists with another type or
  // scope (records never change either).
  virtual Status PutField(const RecordHeader& record, const std::string& field,
                          const FieldVersion& version,
                          const std::optional<FieldVersion>& previous) = 0;
  // PutField for a caller that holds the value's stored form already: `encoded` is
  // exactly EncodeValue(version.value) (value_codec.h), e.g. bytes a device sent that
  // wire::IsCanonicalScalar accepted. A backend may store it instead of encoding again.
  virtual Status PutEncodedField(const RecordHeader& record, const std::string& field,
                                 const FieldVersion& version, std::string_view encoded,
                                 const std::optional<FieldVersion>& previous) {
    return PutField(record, field, version, previous);
  }

  // One field of a record PutNewRecord creates: its value, and its stored form when the
  // caller holds it (`encoded` as in PutEncodedField; empty: encode `*value`).
  struct NewField {
    std::string_view name;
    Stamp stamp;
    std::string_view encoded;
    const Value* value = nullptr;
  };
  // Creates `record` with `fields`, as PutField of each with no previous version would, in
  // one call (a device's new visit is forty fields). The caller has found (LoadRecord) that
  // the record does not exist in this transaction; `fields` are in strictly ascending name
  // order. kInternal if either is not so. By default PutEncodedField / PutField field by
  // field.
  virtual Status PutNewRecord(const RecordHeader& record, const std::vector<NewField>& fields);

  virtual Status Commit() = 0;
};

class Storage {
 public:
  virtual ~Storage() = default;

  // Creates or migrates the schema. Refuses (kFailedPrecondition, naming both versions) a
  // database whose schema is newer than this build.
  virtual Status Migrate() = 0;
  virtual int SchemaVersion() const = 0;  // of this build

  virtual Result<std::unique_ptr<WriteTxn>> BeginWrite() = 0;

  // Changes with cursor position > after_seq, in position order, only for records whose
  // scope is covered by one of `scopes` (empty `scopes`: none). A field changed several
  // times appears once, at the position of its latest change, with its current version.
  // Several changes may share one position (the fields of one record that one transaction
  // changed); a position is never split: the result stops at the first position boundary
  // at or after `limit` changes, so it may hold up to one record's fields more than
  // `limit`, and a caller that resumes after the last position returned misses nothing.
  // Never returns a position that a later call could still precede (see each backend's
  // note on cursor safety).
  virtual Result<EncodedChanges> ReadEncodedChanges(const std::vector<std::string>& scopes,
                                                    uint64_t after_seq, size_t limit) = 0;
  // ReadEncodedChanges with every value decoded (a value that does not decode is kInternal).
  Result<std::vector<Change>> ReadChanges(const std::vector<std::string>& scopes,
                                          uint64_t after_seq, size_t limit);
  // The checksum of every field of every record whose scope `scope` covers.
  virtual Result<ScopeChecksum> ChecksumOf(const std::string& scope) = 0;
  // A record by id, for admin commands and tests.
  virtual Result<std::optional<Record>> GetRecord(const Uuid& id) = 0;
  // Records of one type within a scope (admin commands: conflicts list; forms).
  virtual Result<std::vector<Record>> ListRecords(const std::string& type,
                                                  const std::string& scope, size_t limit) = 0;

  // Users. AddUser fails with kAlreadyExists for a taken name; scopes must exist.
  virtual Result<int64_t> AddUser(const User& user) = 0;
  virtual Result<std::optional<User>> FindUser(const std::string& name) = 0;
  virtual Result<std::optional<User>> GetUser(int64_t id) = 0;
  virtual Result<std::vector<User>> ListUsers() = 0;
  virtual Status SetUserDisabled(const std::string& name, bool disabled) = 0;
  virtual Status SetPasswordHash(const std::string& name, const std::string& hash) = 0;

  // Scopes. A scope's parent must exist (a county has none).
  virtual Status AddScope(const ScopeRow& scope) = 0;
  virtual Result<std::vector<ScopeRow>> ListScopes() = 0;

  // Devices. EnrollDevice creates the device (or, for a known device_id of the same user,
  // replaces its token and clears nothing else) and returns it with its node.
  // A device_id enrolled by another user, or revoked, gets kPermissionDenied.
  virtual Result<Device> EnrollDevice(const std::string& device_id, int64_t user_id,
                                      const std::string& name,
                                      const std::string& token_sha256, int64_t now_ms) = 0;
  virtual Result<std::optional<Device>> FindDeviceByToken(const std::string& token_sha256) = 0;
  virtual Result<std::vector<Device>> ListDevices() = 0;
  virtual Status RevokeDevice(const std::string& device_id) = 0;
  virtual Status TouchDevice(uint32_t node, int64_t now_ms) = 0;

  // Failed-login throttling, shared by every server instance. Adds one failure for `key`
  // and returns how many there were in the `window_ms` before now (including this one).
  virtual Result<int> AddLoginFailure(const std::string& key, int64_t now_ms,
                                      int64_t window_ms) = 0;
  virtual Result<int> CountLoginFailures(const std::string& key, int64_t now_ms,
                                         int64_t window_ms) = 0;
  virtual Status ClearLoginFailures(const std::string& key) = 0;

  virtual Result<Stats> GetStats() = 0;
};

// Opens "sqlite:PATH" or "postgresql://..." / "postgres://..." / a libpq "host=..." string.
// Does not migrate: call Migrate().
Result<std::unique_ptr<Storage>> OpenStorage(const std::string& url);

}  // namespace homevisit::server
