// The WriteTxn of the SQLite backend (internal to it). See sqlite_storage.h for why its
// cursor positions never let a pull skip a change.
#pragma once

#include <map>
#include <mutex>
#include <set>
#include <utility>

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
  Status Commit() override;

 private:
  SqliteWriteTxn(std::unique_lock<std::mutex> lock, sqlite::Connection& conn)
      : lock_(std::move(lock)), conn_(conn) {}
  Status EnsureRecord(const RecordHeader& record);
  Status CheckPrevious(const RecordHeader& record, const std::string& field,
                       const std::optional<FieldVersion>& previous);
  Status UpdateChecksum(const std::string& scope, int64_t delta_count, uint64_t add,
                        uint64_t remove);
  Result<uint64_t> NextSeq();

  std::unique_lock<std::mutex> lock_;
  sqlite::Connection& conn_;
  bool open_ = true;
  bool seq_loaded_ = false;
  uint64_t seq_ = 0;          // the last position handed out in this transaction
  uint64_t stored_seq_ = 0;   // the counter as read at the first PutField
  std::set<Uuid> known_records_;  // records whose row exists with a checked header
  // The current stamp of every field of the records this transaction loaded or wrote, so
  // PutField checks `previous` without a query: a record in loaded_records_ has exactly the
  // fields listed in field_stamps_.
  std::set<Uuid> loaded_records_;
  std::map<std::pair<Uuid, std::string>, Stamp> field_stamps_;
  // Checksum changes per scope, written once at Commit instead of once per field.
  struct ChecksumDelta {
    uint64_t add = 0;     // modulo 2^64
    uint64_t remove = 0;  // modulo 2^64
    int64_t count = 0;
  };
  std::map<std::string, ChecksumDelta> checksum_deltas_;
  Status FlushChecksums();
};

}  // namespace homevisit::server
