// The WriteTxn of the SQLite backend (internal to it). See sqlite_storage.h for why its
// cursor positions never let a pull skip a change.
#pragma once

#include <map>
#include <mutex>
#include <set>
#include <utility>
#include <vector>

#include "sync-server/storage/sqlite_db.h"
#include "sync-server/storage/storage.h"

namespace homevisit::server {

class SqliteWriteTxn final : public WriteTxn {
 public:
  // Takes the process's write lock and begins an IMMEDIATE transaction on `conn`.
  static Result<std::unique_ptr<WriteTxn>> Begin(std::unique_lock<std::mutex> lock,
                                                 sqlite::Connection& conn);
  ~SqliteWriteTxn() override;

  Result<bool> MarkBatch(uint32_t node, uint64_t batch_seq) override;
  Status SaveBatchAnswer(uint32_t node, uint64_t batch_seq, const std::string& answer) override;
  Result<std::string> BatchAnswer(uint32_t node, uint64_t batch_seq) override;
  Result<std::string> DeviceOwnerName(uint32_t node) override;
  Result<std::optional<Record>> LoadRecord(const Uuid& id) override;
  Result<bool> WasSuperseded(const Uuid& id, const std::string& field,
                             const Stamp& stamp) override;
  Status PutField(const RecordHeader& record, const std::string& field,
                  const FieldVersion& version,
                  const std::optional<FieldVersion>& previous) override;
  Status PutEncodedField(const RecordHeader& record, const std::string& field,
                         const FieldVersion& version, std::string_view encoded,
                         const std::optional<FieldVersion>& previous) override;
  Status PutNewRecord(const RecordHeader& record, const std::vector<NewField>& fields) override;
  Status Commit() override;

 private:
  // A record as this transaction knows it: loaded from its row (or found absent), then
  // changed in memory. Changed records are written back once each, at Commit.
  // A field as stored: its value stays encoded until LoadRecord hands it out, so a field
  // the transaction only writes is never decoded here.
  struct CachedField {
    std::string name;
    Stamp stamp;
    std::string encoded;  // EncodeValue(value)
    uint64_t seq = 0;     // position of the field's last change
  };
  struct CachedRecord {
    bool present = false;    // the record exists (stored, or created in this transaction)
    bool stored = false;     // it has a row in the database
    bool changed = false;    // written back at Commit
    RecordHeader header;
    uint64_t seq = 0;        // this transaction's position for the record, once changed
    std::vector<CachedField> fields;  // in name order; a new field most often goes last
    std::set<uint64_t> stored_positions;  // of its fields as loaded (their change entries)
  };

  SqliteWriteTxn(std::unique_lock<std::mutex> lock, sqlite::Connection& conn)
      : lock_(std::move(lock)), conn_(conn) {}
  Result<CachedRecord*> Cached(const Uuid& id);
  Result<uint64_t> NextSeq();
  Status WriteRecords();
  Status FlushChecksums();

  std::unique_lock<std::mutex> lock_;
  sqlite::Connection& conn_;
  bool open_ = true;
  bool seq_loaded_ = false;
  uint64_t seq_ = 0;          // the last position handed out in this transaction
  uint64_t stored_seq_ = 0;   // the counter as read at the first change
  std::map<Uuid, CachedRecord> records_;
  // The record Cached returned last (map nodes never move): a merge asks for one record
  // field after field.
  Uuid last_id_;
  CachedRecord* last_ = nullptr;
  std::vector<Uuid> changed_;  // changed records, in the order of their first change
  // Checksum changes per scope, written once at Commit instead of once per field.
  struct ChecksumDelta {
    uint64_t add = 0;     // modulo 2^64
    uint64_t remove = 0;  // modulo 2^64
    int64_t count = 0;
  };
  std::map<std::string, ChecksumDelta> checksum_deltas_;
  const std::string* last_delta_scope_ = nullptr;  // the key of last_delta_
  ChecksumDelta* last_delta_ = nullptr;
  ChecksumDelta& DeltaOf(const std::string& scope);
};

}  // namespace homevisit::server
