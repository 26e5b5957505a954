// Declarations shared by the files of the PostgreSQL backend. Not part of its API: include
// postgres_storage.h instead. Tests may include it to reach the position encoding.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "sync-server/storage/postgres_conn.h"
#include "sync-server/storage/postgres_pool.h"
#include "sync-server/storage/postgres_storage.h"

namespace homevisit::server::pg {

// Records one transaction may change (each takes one change position at commit).
inline constexpr int32_t kMaxWritesPerTxn = 1 << 30;

// Serialized homevisit.v1.Value bytes, as stored in bytea columns.
std::string EncodeValue(const Value& value);
Result<Value> DecodeValue(std::string_view bytes);

// The advisory-lock key that serializes merges of one record across server processes.
int64_t RecordLockKey(const Uuid& id);

// ## The fields of a record row (records.fields)
//
// All current fields of a record live in one bytea, so storing, indexing and reading a
// 40-field visit costs one row instead of forty. Format 1 (the leading byte is the format,
// so a later build can change it; anything else is refused as damaged):
//
//   0x01, varint field count, then per field in strictly increasing bytewise name order:
//   varint name length, name (UTF-8), varint value length, value (EncodeValue bytes),
//   varint hlc, varint node, varint txn, varint ord.
//
// Varints are unsigned LEB128 (7 bits a byte, low first, at most ten bytes). (txn, ord) is
// the change entry (table changes) of the field's last change, i.e. its change position
// once that transaction committed. The migration to schema 3 builds the same bytes in SQL
// (postgres_schema.cc).
struct StoredField {
  std::string_view name;
  std::string_view value;  // EncodeValue bytes
  Stamp stamp;
  uint64_t txn = 0;
  uint32_t ord = 0;
};

// `fields` must be in strictly increasing name order.
std::string EncodeStoredFields(const std::vector<StoredField>& fields);
// kInternal (the database is damaged) for anything but a well-formed format-1 row; never
// reads outside `bytes`. The views in *out point into `bytes`.
Status DecodeStoredFields(std::string_view bytes, std::vector<StoredField>* out);

// The change entry (txn, ord) of a field's last change.
using EntryKey = std::pair<uint64_t, uint32_t>;

// Fills record.fields from a stored fields column; with `entries`, also the change entry of
// each field. kInternal when damaged.
Status AddStoredFields(std::string_view bytes, Record& record,
                       std::map<std::string, EntryKey>* entries = nullptr);

// The statement that loads one record row (columns: type, scope, fields), shared by the
// write transaction and Storage::GetRecord.
extern const Statement kLoadRecord;

class PostgresWriteTxn final : public WriteTxn {
 public:
  explicit PostgresWriteTxn(Lease lease) : lease_(std::move(lease)) {}
  ~PostgresWriteTxn() override;

  Result<bool> MarkBatch(uint32_t node, uint64_t batch_seq) override;
  Status SaveBatchAnswer(uint32_t node, uint64_t batch_seq, const std::string& answer) override;
  Result<std::string> BatchAnswer(uint32_t node, uint64_t batch_seq) override;
  Result<std::string> DeviceOwnerName(uint32_t node) override;
  Status LockRecords(const std::vector<Uuid>& ids) override;
  Result<std::optional<Record>> LoadRecord(const Uuid& id) override;
  Result<bool> WasSuperseded(const Uuid& id, const std::string& field,
                             const Stamp& stamp) override;
  Status PutField(const RecordHeader& record, const std::string& field,
                  const FieldVersion& version,
                  const std::optional<FieldVersion>& previous) override;
  Status Commit() override;

 private:
  // A record this transaction has locked: its state as committed when locked, with this
  // transaction's own writes applied on top.
  struct LockedRecord {
    std::optional<Record> record;  // nullopt: no such record (yet)
    // Per committed field, the change entry of its last change: what the row is rewritten
    // with for the fields this transaction leaves alone.
    std::map<std::string, EntryKey> entries;
    std::set<std::string> changed;  // fields this transaction wrote
  };
  using HistoryKey = std::tuple<Uuid, std::string, uint64_t, uint32_t>;

  // Runs steps on the transaction's connection, opening the transaction first if needed.
  Result<std::vector<Rows>> Run(std::vector<Step> steps);
  Result<LockedRecord*> Lock(const Uuid& id);
  Status Put(const RecordHeader& header, const std::string& field, const FieldVersion& version,
             const std::optional<FieldVersion>& previous);
  Status CommitWrites();
  void Rollback();

  Lease lease_;
  bool begun_ = false;
  bool finished_ = false;
  uint64_t txn_id_ = 0;  // from write_txns, taken with BEGIN
  Status failure_;  // the first failed statement; the transaction can only roll back
  std::map<Uuid, LockedRecord> locked_;
  std::set<int64_t> lock_keys_;  // advisory locks this transaction holds
  // Records this transaction changed, in the order of their first change: the k-th is
  // written with ord k, i.e. takes the k-th of the transaction's positions.
  std::vector<Uuid> changed_records_;
  std::map<HistoryKey, Value> superseded_;
  std::map<std::string, ScopeChecksum> checksum_deltas_;  // per exact record scope
};

class PostgresStorage final : public Storage {
 public:
  explicit PostgresStorage(std::unique_ptr<ConnectionPool> pool) : pool_(std::move(pool)) {}

  Status Migrate() override;
  int SchemaVersion() const override;
  Result<std::unique_ptr<WriteTxn>> BeginWrite() override;
  Result<EncodedChanges> ReadEncodedChanges(const std::vector<std::string>& scopes,
                                            uint64_t after_seq, size_t limit) override;
  Result<ScopeChecksum> ChecksumOf(const std::string& scope) override;
  Result<std::optional<Record>> GetRecord(const Uuid& id) override;
  Result<std::vector<Record>> ListRecords(const std::string& type, const std::string& scope,
                                          size_t limit) override;

  Result<int64_t> AddUser(const User& user) override;
  Result<std::optional<User>> FindUser(const std::string& name) override;
  Result<std::optional<User>> GetUser(int64_t id) override;
  Result<std::vector<User>> ListUsers() override;
  Status SetUserDisabled(const std::string& name, bool disabled) override;
  Status SetPasswordHash(const std::string& name, const std::string& hash) override;

  Status AddScope(const ScopeRow& scope) override;
  Result<std::vector<ScopeRow>> ListScopes() override;

  Result<Device> EnrollDevice(const std::string& device_id, int64_t user_id,
                              const std::string& name, const std::string& token_sha256,
                              int64_t now_ms) override;
  Result<std::optional<Device>> FindDeviceByToken(const std::string& token_sha256) override;
  Result<std::vector<Device>> ListDevices() override;
  Status RevokeDevice(const std::string& device_id) override;
  Status TouchDevice(uint32_t node, int64_t now_ms) override;

  Result<int> AddLoginFailure(const std::string& key, int64_t now_ms,
                              int64_t window_ms) override;
  Result<int> CountLoginFailures(const std::string& key, int64_t now_ms,
                                 int64_t window_ms) override;
  Status ClearLoginFailures(const std::string& key) override;

  Result<Stats> GetStats() override;

 private:
  // Runs one statement on a pooled connection.
  Result<Rows> Exec(const Statement& statement, const Params& params = Params());
  // Runs steps in one round trip on a pooled connection.
  Result<std::vector<Rows>> Pipeline(std::vector<Step> steps);
  Result<std::vector<User>> UsersFrom(const Rows& rows);

  std::unique_ptr<ConnectionPool> pool_;
};

}  // namespace homevisit::server::pg
