// The WriteTxn of the SQLite backend (internal to it). See sqlite_storage.h for why its
// cursor positions never let a pull skip a change.
#pragma once

#include <mutex>
#include <set>

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
};

}  // namespace homevisit::server
