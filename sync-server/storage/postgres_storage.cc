// The PostgreSQL backend: opening, the change feed, checksums, record reads and stats.
// Write transactions are in postgres_write_txn.cc, accounts in postgres_accounts.cc.
//
// ## Why a pull can never skip a late commit
//
// A pull asks for every change with position > cursor. That is only safe if, once a reader
// has returned position P, no transaction can still commit a change below P. Positions
// taken from a sequence while a transaction runs break this: T1 takes 10, T2 takes 11 and
// commits, a reader returns 11 and the device stores cursor 11, T1 commits 10: skipped
// forever. Here positions are handed out in commit order instead:
//
//   1. A write transaction writes each record it changed once, at commit: the record row
//      (all its current fields in one bytea, postgres_internal.h) and one change entry in
//      `changes`, both naming the transaction id `txn` (sequence write_txns, taken with
//      BEGIN, any order) and the record's ordinal `ord` (1, 2, ... in the order of the
//      records' first changes); each field the transaction changed stores that (txn, ord).
//      No position yet.
//   2. As its last statements before COMMIT, a transaction that changed n records runs
//        UPDATE commit_counter SET last_pos = last_pos + n RETURNING last_pos
//      and records (first_pos = last_pos - n + 1, last_pos, txn) in `commits`.
//      commit_counter is a single row: its row lock is held from that UPDATE until the
//      transaction ends, so the next committer waits on it until this one has committed
//      (or rolled back), and then continues from this one's last_pos.
//   3. An entry's position is first_pos + ord - 1: all fields of one record changed by one
//      transaction share it, and a reader never splits it. ReadChanges joins commits,
//      entries and record rows and returns, per entry with position > cursor in order, the
//      record's fields whose stored (txn, ord) is that entry's, each window of commits in
//      one statement (one snapshot).
//
// Invariant: a snapshot that sees a commit sees every commit with smaller positions. The
// committer C' with the range just below C's held the counter lock until it ended, and C
// only got its range after that lock was released. PostgreSQL makes a committing
// transaction visible to new snapshots (ProcArrayEndTransaction) before it releases its
// locks (CommitTransaction in xact.c says so), so C' was visible before C even took its
// range, and a snapshot that sees C was taken after C committed. By induction it sees every
// earlier range. A rolled-back writer never touched the counter (or its update rolled back
// with it), so it leaves no hole to wait for. Hence a reader that returned changes up to P,
// in position order, has seen every change that will ever have a position <= P: the cursor
// never jumps over a late commit. tests/pg/cursor_test.cc holds a writer open while others
// commit and checks the late one still arrives, checks that a commit cannot finish while an
// earlier range is open, and runs readers against writers on two instances; the same tests
// fail when positions are taken at the start of the transaction.
//
// A field keeps only its latest change: a later transaction that overwrites it stores its
// own (txn, ord) in the field, so the field comes at that later position and no more at
// the old one; an entry left with no field is deleted by the transaction that took its last
// one, leaving a gap. A reader behind sees the newest version once, which is what delta
// sync needs; the checksum at the end of a pull confirms the result. (Why entries and not
// just the record row's latest position: a reader whose cursor stopped between a record's
// old and new positions, after the record had moved, would otherwise never get the fields
// of the old position.)
//
// Cost: writers serialize only over the tail of the commit: the counter UPDATE, one INSERT
// into commits and COMMIT itself (WAL flush). They are sent with the rest of the commit in
// one pipeline (postgres_write_txn.cc), so no network round trip happens while the lock is
// held; records, entries, history and checksums are written before the counter, outside it.
// bench/pg_commit_order_bench.cc measures this against the same writers without the
// counter (which would be unsafe).
//
// Rejected alternative: positions from a sequence during the transaction, with readers
// served only up to the oldest still-running writer (pg_snapshot_xmin). No global lock, but
// every pull then stalls behind the slowest writer in the database, unrelated long
// transactions included, and xid order is not position order, so the safe horizon needs its
// own bookkeeping. A short lock at commit is simpler to reason about and cheap in practice.
//
// ## Merging from several server processes
//
// See postgres_write_txn.cc: records are locked (advisory locks) before they are read for
// a merge, so two processes merging into one record take turns.
#include "sync-server/storage/postgres_storage.h"

#include <libpq-fe.h>

#include <algorithm>
#include <cstdlib>

#include "core/checksum.h"
#include "core/varint.h"
#include "homevisit/v1/records.pb.h"
#include "proto/wire.h"
#include "sync-server/storage/postgres_internal.h"
#include "sync-server/storage/postgres_schema.h"

namespace homevisit::server {
namespace pg {

const Statement kLoadRecord = {"load_record",
                               "SELECT type, scope, fields FROM records WHERE id = $1::bytea"};

namespace {

// One window of the change feed: the next `window` commits ending after the cursor, and up
// to `limit` of their change entries after the cursor in the reader's scopes, in position
// order, each with its commit's txn and its record's row. The first two columns (commits in
// the window, the window's last position) are there even when no entry matched, so the
// caller knows whether to move on to the next window.
//
// The shape fixes the plan whatever the statistics say (a fresh database has none): the
// LIMITs keep the subqueries from being flattened (into a hash join over all of records,
// say), so PostgreSQL walks the window's commits in order through their primary key, reads
// at most `limit` entries of each through (txn, ord) and each entry's record through its
// id, and keeps the first `limit`, instead of joining and sorting whole windows. Commits that wrote none of the
// reader's scopes are passed over without reading their entries.
const Statement kReadChanges = {"read_changes", R"sql(
SELECT w.n, w.last, x.pos, x.txn, x.ord, x.record_id, x.type, x.scope, x.fields
FROM (SELECT count(*)::int8 AS n, coalesce(max(last_pos), 0)::int8 AS last
      FROM (SELECT last_pos FROM commits WHERE last_pos > $1::int8
            ORDER BY last_pos LIMIT $4::int8) q) w
LEFT JOIN LATERAL (
  SELECT c.first_pos + e.ord - 1 AS pos, c.txn, e.ord, e.record_id, r.type, e.scope, r.fields
  FROM (SELECT first_pos, last_pos, txn, scopes FROM commits WHERE last_pos > $1::int8
        ORDER BY last_pos LIMIT $4::int8) c
  CROSS JOIN LATERAL (
    SELECT e.ord, e.record_id, e.scope FROM changes e
    WHERE e.txn = c.txn AND c.first_pos + e.ord - 1 > $1::int8
      AND EXISTS (SELECT 1 FROM unnest($2::text[]) AS s(path)
                  WHERE e.scope = s.path OR starts_with(e.scope, s.path || '/'))
    ORDER BY e.ord LIMIT $3::int8) e
  CROSS JOIN LATERAL (SELECT r.type, r.fields FROM records r WHERE r.id = e.record_id
                      LIMIT 1) r
  WHERE EXISTS (SELECT 1 FROM unnest(c.scopes) AS w(scope), unnest($2::text[]) AS s(path)
                WHERE w.scope = s.path OR starts_with(w.scope, s.path || '/'))
  ORDER BY c.last_pos, e.ord
  LIMIT $3::int8) x ON true
ORDER BY x.pos)sql"};

const Statement kChecksumOf = {"checksum_of", R"sql(
SELECT (coalesce(sum(sum), 0) % 18446744073709551616)::text, coalesce(sum(count), 0)::int8
FROM scope_checksums
WHERE scope = $1::text OR starts_with(scope, $1::text || '/'))sql"};

const Statement kListRecords = {"list_records", R"sql(
SELECT id, type, scope, fields FROM records
WHERE type = $1::text AND (scope = $2::text OR starts_with(scope, $2::text || '/'))
ORDER BY id LIMIT $3::int8)sql"};

// Stats read the summary columns the writer keeps next to the fields (field_count, the
// stored bytes of "_deleted" and "status"), so they never decode a record row.
const Statement kLiveRecordsByType = {"stats_records", R"sql(
SELECT type, count(*)::int8 FROM records
WHERE deleted_value IS DISTINCT FROM $1::bytea
GROUP BY type ORDER BY type)sql"};

const Statement kStatsCounts = {"stats_counts", R"sql(
SELECT (SELECT coalesce(sum(field_count), 0) FROM records)::int8,
       (SELECT count(*) FROM records
        WHERE type = 'conflict' AND status_value = $1::bytea)::int8,
       (SELECT count(*) FROM users)::int8,
       (SELECT count(*) FROM devices)::int8,
       (SELECT last_pos FROM commit_counter))sql"};

constexpr char kStoredFormat1 = 0x01;
// Bounds a damaged count before anything is reserved for it.
constexpr uint64_t kMaxStoredFields = 1u << 16;

Status Damaged(const char* what) {
  return Internal(std::string("postgres: a stored record row is damaged (") + what + ")");
}

}  // namespace

std::string EncodeStoredFields(const std::vector<StoredField>& fields) {
  size_t size = 4;
  for (const StoredField& f : fields) size += f.name.size() + f.value.size() + 24;
  std::string out;
  out.reserve(size);
  out.push_back(kStoredFormat1);
  AppendVarint(out, fields.size());
  for (const StoredField& f : fields) {
    AppendLengthPrefixed(out, f.name);
    AppendLengthPrefixed(out, f.value);
    AppendVarint(out, f.stamp.hlc);
    AppendVarint(out, f.stamp.node);
    AppendVarint(out, f.txn);
    AppendVarint(out, f.ord);
  }
  return out;
}

Status DecodeStoredFields(std::string_view bytes, std::vector<StoredField>* out) {
  out->clear();
  std::string_view in = bytes;
  if (in.empty() || in.front() != kStoredFormat1) return Damaged("unknown format");
  in.remove_prefix(1);
  uint64_t count = 0;
  // Every field takes at least six bytes, which bounds a damaged count by the row's size.
  if (!ReadVarint(&in, &count) || count > kMaxStoredFields || count > bytes.size() / 6) {
    return Damaged("field count");
  }
  out->reserve(count);
  for (uint64_t i = 0; i < count; ++i) {
    StoredField f;
    uint64_t node = 0, ord = 0;
    if (!ReadLengthPrefixed(&in, in.size(), &f.name) || f.name.empty() ||
        !ReadLengthPrefixed(&in, in.size(), &f.value) || !ReadVarint(&in, &f.stamp.hlc) ||
        !ReadVarint(&in, &node) || node > UINT32_MAX || !ReadVarint(&in, &f.txn) ||
        !ReadVarint(&in, &ord) || ord > INT32_MAX) {
      return Damaged("truncated field");
    }
    f.ord = static_cast<uint32_t>(ord);
    if (!out->empty() && !(out->back().name < f.name)) return Damaged("field order");
    f.stamp.node = static_cast<uint32_t>(node);
    out->push_back(f);
  }
  if (!in.empty()) return Damaged("trailing bytes");
  return Status::Ok();
}

Status AddStoredFields(std::string_view bytes, Record& record,
                       std::map<std::string, EntryKey>* entries) {
  std::vector<StoredField> fields;
  if (Status s = DecodeStoredFields(bytes, &fields); !s.ok()) return s;
  for (const StoredField& f : fields) {
    auto value = DecodeValue(f.value);
    if (!value.ok()) return value.status();
    std::string name(f.name);
    if (entries) (*entries)[name] = EntryKey{f.txn, f.ord};
    record.fields[std::move(name)] = FieldVersion{std::move(value).value(), f.stamp};
  }
  return Status::Ok();
}

std::string EncodeValue(const Value& value) {
  v1::Value proto;
  wire::ToProto(value, &proto);
  return proto.SerializeAsString();
}

Result<Value> DecodeValue(std::string_view bytes) {
  v1::Value proto;
  if (!proto.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return Internal("postgres: a stored value is not a valid homevisit.v1.Value");
  }
  auto value = wire::FromProto(proto);
  if (!value.ok()) return Internal("postgres: a stored value is invalid: " + value.status().message());
  return value;
}

int64_t RecordLockKey(const Uuid& id) {
  return static_cast<int64_t>(Fnv1a64(id.AsBytes(), 0x484f4d4556495354ull));
}

Result<Rows> PostgresStorage::Exec(const Statement& statement, const Params& params) {
  auto lease = pool_->Acquire();
  if (!lease.ok()) return lease.status();
  return (*lease)->Exec(statement, params);
}

Result<std::vector<Rows>> PostgresStorage::Pipeline(std::vector<Step> steps) {
  auto lease = pool_->Acquire();
  if (!lease.ok()) return lease.status();
  return (*lease)->Pipeline(steps);
}

Status PostgresStorage::Migrate() {
  auto lease = pool_->Acquire();
  if (!lease.ok()) return lease.status();
  return MigrateSchema(**lease);
}

int PostgresStorage::SchemaVersion() const { return kSchemaVersion; }

Result<std::unique_ptr<WriteTxn>> PostgresStorage::BeginWrite() {
  auto lease = pool_->Acquire();
  if (!lease.ok()) return lease.status();
  // The transaction itself opens with the first statement, in the same round trip.
  return std::unique_ptr<WriteTxn>(new PostgresWriteTxn(std::move(lease).value()));
}

Result<EncodedChanges> PostgresStorage::ReadEncodedChanges(const std::vector<std::string>& scopes,
                                                           uint64_t after_seq, size_t limit) {
  EncodedChanges out;
  if (scopes.empty() || limit == 0) return out;
  const size_t capped = std::min<size_t>(limit, 1u << 20);
  constexpr int64_t window = 2048;  // commits per statement
  auto lease = pool_->Acquire();
  if (!lease.ok()) return lease.status();
  // The statement limits entries, the caller limits fields: ask for about as many entries
  // as the remaining fields need, guessing fields per entry from what came so far (a fresh
  // visit brings ~40, an edit one or two), so that neither many round trips nor many unused
  // rows are spent.
  size_t entries_seen = 0;
  size_t fields_seen = 0;
  auto after = static_cast<int64_t>(after_seq);
  std::vector<StoredField> fields;
  // Each statement is its own snapshot. That is safe: a snapshot sees a prefix of the
  // commit order, so everything up to the last position one statement returned lies inside
  // it, and a field that moves to a later commit between statements is met again there.
  while (out.size() < capped) {
    const size_t remaining = capped - out.size();
    const size_t per_entry =
        entries_seen == 0 ? 32 : std::max<size_t>(1, fields_seen / entries_seen);
    const size_t want = std::clamp<size_t>((remaining + per_entry - 1) / per_entry, 1, remaining);
    Params p;
    p.Int64(after).TextArray(scopes).Int64(static_cast<int64_t>(want)).Int64(window);
    auto rows = (*lease)->Exec(kReadChanges, p);
    if (!rows.ok()) return rows.status();
    size_t got = 0;
    for (int i = 0; i < rows->size() && out.size() < capped; ++i) {
      if (rows->IsNull(i, 2)) continue;
      const auto pos = static_cast<uint64_t>(rows->Int64(i, 2));
      const EntryKey entry{static_cast<uint64_t>(rows->Int64(i, 3)),
                           static_cast<uint32_t>(rows->Int32(i, 4))};
      auto id = Uuid::FromBytes(rows->Bytes(i, 5));
      if (!id) return Internal("postgres: a stored record id is not 16 bytes");
      if (Status s = DecodeStoredFields(rows->Bytes(i, 8), &fields); !s.ok()) return s;
      const auto record = static_cast<uint32_t>(out.records.size());
      out.records.push_back(RecordHeader{*id, rows->Text(i, 6), rows->Text(i, 7)});
      // The fields whose last change is this entry, all at its position: a position is
      // never split. Fields changed again later are not here but at their later entry.
      for (const StoredField& f : fields) {
        if (EntryKey{f.txn, f.ord} != entry) continue;
        out.changes.push_back(
            EncodedChange{pos, record, std::string(f.name), std::string(f.value), f.stamp});
        ++fields_seen;
      }
      ++entries_seen;
      ++got;
      after = static_cast<int64_t>(pos);
    }
    if (out.size() >= capped) break;
    if (got == want) continue;              // the entry limit cut the window: resume after it
    if (rows->Int64(0, 0) < window) break;  // the window reached the newest commit
    after = std::max(after, rows->Int64(0, 1));
  }
  return out;
}

Result<ScopeChecksum> PostgresStorage::ChecksumOf(const std::string& scope) {
  auto rows = Exec(kChecksumOf, Params().Text(scope));
  if (!rows.ok()) return rows.status();
  ScopeChecksum sum;
  sum.sum = std::stoull(rows->Text(0, 0));
  sum.count = static_cast<uint64_t>(rows->Int64(0, 1));
  return sum;
}

Result<std::optional<Record>> PostgresStorage::GetRecord(const Uuid& id) {
  auto rows = Exec(kLoadRecord, Params().Bytes(id.AsBytes()));
  if (!rows.ok()) return rows.status();
  if (rows->size() == 0) return std::optional<Record>();
  Record record{id, rows->Text(0, 0), rows->Text(0, 1), {}};
  if (Status s = AddStoredFields(rows->Bytes(0, 2), record); !s.ok()) return s;
  return std::optional<Record>(std::move(record));
}

Result<std::vector<Record>> PostgresStorage::ListRecords(const std::string& type,
                                                         const std::string& scope,
                                                         size_t limit) {
  const auto capped = static_cast<int64_t>(std::min<size_t>(limit, 1u << 30));
  auto rows = Exec(kListRecords, Params().Text(type).Text(scope).Int64(capped));
  if (!rows.ok()) return rows.status();
  std::vector<Record> out;
  out.reserve(rows->size());
  for (int i = 0; i < rows->size(); ++i) {
    auto id = Uuid::FromBytes(rows->Bytes(i, 0));
    if (!id) return Internal("postgres: a stored record id is not 16 bytes");
    out.push_back(Record{*id, rows->Text(i, 1), rows->Text(i, 2), {}});
    if (Status s = AddStoredFields(rows->Bytes(i, 3), out.back()); !s.ok()) return s;
  }
  return out;
}

Result<Stats> PostgresStorage::GetStats() {
  const Params deleted = Params().Bytes(EncodeValue(Value(true)));
  const Params open = Params().Bytes(EncodeValue(Value("open")));
  auto results = Pipeline({{&kLiveRecordsByType, &deleted}, {&kStatsCounts, &open}});
  if (!results.ok()) return results.status();
  const Rows& by_type = (*results)[0];
  const Rows& counts = (*results)[1];
  Stats stats;
  for (int i = 0; i < by_type.size(); ++i) {
    stats.records_by_type.emplace_back(by_type.Text(i, 0), by_type.Int64(i, 1));
  }
  stats.fields = counts.Int64(0, 0);
  stats.open_conflicts = counts.Int64(0, 1);
  stats.users = counts.Int64(0, 2);
  stats.devices = counts.Int64(0, 3);
  stats.last_seq = static_cast<uint64_t>(counts.Int64(0, 4));
  return stats;
}

}  // namespace pg

namespace {

constexpr char kPoolOption[] = "pool_max_conns";

// Removes this backend's own option pool_max_conns=N from a URL's query or a key=value
// string (libpq would refuse it) and returns N in *max (unchanged when absent).
Result<std::string> TakePoolOption(const std::string& conninfo, int* max) {
  const bool url = conninfo.rfind("postgresql://", 0) == 0 || conninfo.rfind("postgres://", 0) == 0;
  const std::string key = std::string(kPoolOption) + "=";
  size_t at = std::string::npos;
  for (size_t from = 0; (from = conninfo.find(key, from)) != std::string::npos; ++from) {
    const char before = from == 0 ? ' ' : conninfo[from - 1];
    if (url ? (before == '?' || before == '&') : (before == ' ' || before == '\t')) {
      at = from;
      break;
    }
  }
  if (at == std::string::npos) return conninfo;
  size_t end = at + key.size();
  while (end < conninfo.size() && conninfo[end] != '&' && conninfo[end] != ' ' &&
         conninfo[end] != '\t') {
    ++end;
  }
  const std::string value = conninfo.substr(at + key.size(), end - at - key.size());
  char* parsed_end = nullptr;
  const long n = std::strtol(value.c_str(), &parsed_end, 10);
  if (value.empty() || *parsed_end != '\0' || n < 1 || n > 1000) {
    return InvalidArgument(std::string(kPoolOption) + " must be a number from 1 to 1000");
  }
  *max = static_cast<int>(n);
  std::string rest = conninfo;
  if (url) {
    // Drop "key=value" with one neighbouring separator; a lone '?' left at the end goes too.
    size_t from = at, to = end;
    if (to < rest.size() && rest[to] == '&') {
      ++to;
    } else if (rest[from - 1] == '&') {
      --from;
    }
    rest.erase(from, to - from);
    if (!rest.empty() && rest.back() == '?') rest.pop_back();
  } else {
    rest.erase(at, end - at);
  }
  return rest;
}

}  // namespace

bool LooksLikePostgres(const std::string& url) {
  return url.rfind("postgresql://", 0) == 0 || url.rfind("postgres://", 0) == 0 ||
         url.find('=') != std::string::npos;
}

Result<std::unique_ptr<Storage>> OpenPostgresStorage(const std::string& conninfo,
                                                     const PostgresOptions& options) {
  if (!LooksLikePostgres(conninfo)) {
    return InvalidArgument(
        "not a PostgreSQL connection string: expected postgresql://..., postgres://... or "
        "key=value pairs");
  }
  int max_connections = options.max_connections;
  auto libpq_string = TakePoolOption(conninfo, &max_connections);
  if (!libpq_string.ok()) return libpq_string.status();
  char* error = nullptr;
  PQconninfoOption* parsed = PQconninfoParse(libpq_string->c_str(), &error);
  if (parsed == nullptr) {
    std::string why = error ? error : "out of memory";
    PQfreemem(error);
    while (!why.empty() && (why.back() == '\n' || why.back() == ' ')) why.pop_back();
    return InvalidArgument("bad PostgreSQL connection string: " + why);
  }
  PQconninfoFree(parsed);
  auto pool = std::make_unique<pg::ConnectionPool>(*libpq_string, max_connections,
                                                   options.acquire_timeout);
  // Connect once now, so a wrong address or password shows at startup, not at first sync.
  {
    auto lease = pool->Acquire();
    if (!lease.ok()) return lease.status();
  }
  return std::unique_ptr<Storage>(new pg::PostgresStorage(std::move(pool)));
}

}  // namespace homevisit::server
