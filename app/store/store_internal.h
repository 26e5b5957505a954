// Helpers shared by the store's implementation files. Not part of the store's interface.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "app/store/sqlite.h"

namespace homevisit::store {

// Outbox entry states (see device_store.h). Since schema 3 an entry's state is not stored
// with it: it follows from its seq and the two marks in sync_state (seq is AUTOINCREMENT, so
// it only grows and batches are ranges of it):
//   seq <= answered_through                    answered
//   answered_through < seq <= in_flight_through in flight (batch in_flight_seq)
//   seq > in_flight_through                    pending
// With no batch in flight, in_flight_through == answered_through. With two in flight
// (schema 5), in_flight_split ends the first: (answered_through, in_flight_split] is batch
// in_flight_seq and (in_flight_split, in_flight_through] batch in_flight_seq + 1. The view `outbox` shows
// every entry with its state, for tests and for looking at a device's file by hand.
inline constexpr int64_t kEntryPending = 0;
inline constexpr int64_t kEntryInFlight = 1;
inline constexpr int64_t kEntryAnswered = 2;

struct OutboxMarks {
  uint64_t next_batch_seq = 1;
  uint64_t in_flight_seq = 0;       // 0: no batch in flight
  int64_t in_flight_through = 0;    // last seq of the batch in flight (== answered_through if none)
  int64_t answered_through = 0;     // last seq of the answered batches
  int64_t in_flight_split = 0;      // last seq of the first of two batches in flight; 0: one
  // The last entry of the first batch in flight.
  int64_t first_through() const { return in_flight_split != 0 ? in_flight_split : in_flight_through; }
};
Result<OutboxMarks> ReadMarks(Connection& db);
Status WriteMarks(Connection& db, const OutboxMarks& marks);

// Scopes are kept one per line in sync_state.scopes.
std::vector<std::string> SplitScopes(const std::string& joined);

// The confirmed fields of one record, as kept in record.fields (schema 3): one blob per
// record instead of one row per field, so a pulled record is one row write.
//
// Encoding, version 1: the byte 0x01, then for each field in strictly increasing name order
//   varint name length, name, varint value length, value (a serialized v1.Value), and its
//   stamp: the byte 0x00 for "the previous field's stamp" (fields written together share
//   one), or the byte 0x01, varint hlc, varint node.
// An empty or NULL blob holds no field. Decoding checks every length and the order and
// refuses anything else (a damaged file is an error, never a crash or a wrong value).
struct StoredField {
  std::string_view name;
  std::string_view value;  // serialized v1.Value
  uint64_t hlc = 0;
  uint32_t node = 0;
};
// `fields` must be sorted by name without duplicates.
void EncodeFields(const std::vector<StoredField>& fields, std::string* out);
// Views into `blob`, which must outlive them. kInternal when the blob is malformed.
Status DecodeFields(std::string_view blob, std::vector<StoredField>* out);
// The field named `name`, or nullptr.
const StoredField* FindField(const std::vector<StoredField>& fields, std::string_view name);
// A serialized value that may hold a blob reference: its oneof tag is blob_sha256 (field 9)
// or rows (field 10), both length-delimited. Other values never reference an attachment.
bool MayHoldBlob(std::string_view encoded_value);

// Outbox entries (schema 6). An entry is one field write, or, under the name kGroupEntry,
// a group: the first fields of a record created on this device, written together. A
// group's value is their EncodeFields blob (each field with its own stamp, so one changed
// before the push keeps the group), field_count their number, has_blobs 1 when one of
// them may reference an attachment (for single entries: MayHoldBlob of the value).
// A 40-field visit is then one row to write, read and delete instead of 40: most of what
// a push of new visits costs the device.
// A record has at most one group, older than every single entry of the record: a write to
// a field of a pending group changes it inside the group (coalescing); once the group is
// sent, a write to one of its fields is an entry of its own, based on the field's stamp.
inline constexpr std::string_view kGroupEntry = "";
// A new record's fields larger than this together stay single entries: a group always goes
// whole in one batch, which must stay well within the server's batch size.
inline constexpr size_t kMaxGroupBytes = 64 << 10;
// The field writes of one entry (name, value, hlc as stored), `node` being this device's:
// views into `name` and `value`, valid while they are. kInternal for a damaged group.
Status EntryFields(std::string_view name, std::string_view value, uint64_t hlc, uint32_t node,
                   std::vector<StoredField>* out);
// A group's value (EncodeFields of `fields`) in *out; returns its has_blobs.
bool EncodeGroup(const std::vector<StoredField>& fields, std::string* out);
// The seq of the record's group and its value in *blob; 0 (blob empty) when it has none.
Result<int64_t> ReadGroup(Connection& db, const std::string& id_bytes, std::string* blob);

// Sets (or, for nullopt, removes) the query key of one field. Writing the value it already
// has changes nothing on disk.
Status PutKey(Connection& db, const std::string& id_bytes, const std::string& name,
              const std::optional<std::string>& text);
// Recomputes the query keys of `names` of one record from their effective values (newest
// outbox entry or group field, else confirmed value); names that are no query key of its type are skipped.
Status RefreshKeys(Connection& db, const std::string& id_bytes, const std::vector<std::string>& names);
inline Status RefreshKey(Connection& db, const std::string& id_bytes, const std::string& name) {
  return RefreshKeys(db, id_bytes, {name});
}

// SQL condition true when the record scope column `column` lies within the scope bound as
// parameter `param` (e.g. "?1"); mirrors core ScopeCovers.
std::string ScopeWithinSql(const std::string& column, const std::string& param);

}  // namespace homevisit::store
