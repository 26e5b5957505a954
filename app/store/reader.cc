#include "app/store/reader.h"

#include "app/store/record_fields.h"
#include "app/store/store_internal.h"
#include "app/store/value_codec.h"

namespace homevisit::store {

namespace {

constexpr size_t kListLimit = 100000;

// A deferred read transaction: every query inside sees the same committed state.
class ReadSnapshot {
 public:
  explicit ReadSnapshot(Connection& db) : db_(db) { ok_ = db_.Exec("BEGIN").ok(); }
  ~ReadSnapshot() {
    if (ok_) (void)db_.Exec("COMMIT");
  }

 private:
  Connection& db_;
  bool ok_ = false;
};

}  // namespace

Result<std::unique_ptr<StoreReader>> StoreReader::Open(const std::string& path) {
  auto db = Connection::Open(path, /*create=*/false, /*read_only=*/true);
  if (!db.ok()) return db.status();
  return std::unique_ptr<StoreReader>(new StoreReader(std::move(db).value()));
}

Result<uint32_t> StoreReader::Node() {
  auto node = db_.QueryInt("SELECT node FROM sync_state WHERE id = 1");
  if (!node.ok()) return node.status();
  return static_cast<uint32_t>(*node);
}

Result<std::optional<RecordView>> StoreReader::Get(const Uuid& id) {
  ReadSnapshot snapshot(db_);
  auto node = Node();
  if (!node.ok()) return node.status();
  return Load(id, *node);
}

Result<std::optional<RecordView>> StoreReader::Load(const Uuid& id, uint32_t node) {
  auto head = db_.Cached("SELECT type, scope, confirmed, fields FROM record WHERE id = ?");
  if (!head.ok()) return head.status();
  head->BindBlob(1, id.AsBytes());
  auto found = head->Step();
  if (!found.ok()) return found.status();
  if (!*found) return std::optional<RecordView>();
  RecordView view;
  view.record.id = id;
  view.record.type = head->Text(0);
  view.record.scope = head->Text(1);
  view.confirmed = head->Int(2) != 0;

  const std::string blob = head->Blob(3);
  head->Reset();
  std::vector<StoredField> confirmed;
  if (Status s = DecodeFields(blob, &confirmed); !s.ok()) return s;
  for (const StoredField& f : confirmed) {
    auto value = DecodeValue(f.value);
    if (!value.ok()) return Internal("stored field is malformed");
    view.record.fields[std::string(f.name)] =
        FieldVersion{std::move(value).value(), Stamp{f.hlc, f.node}};
  }
  auto outbox = db_.Cached(
      "SELECT name, value, hlc FROM outbox_entry WHERE record_id = ? ORDER BY seq");
  if (!outbox.ok()) return outbox.status();
  outbox->BindBlob(1, id.AsBytes());
  std::vector<StoredField> written;
  for (;;) {
    auto row = outbox->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    if (Status s = EntryFields(outbox->BlobView(0), outbox->BlobView(1),
                               static_cast<uint64_t>(outbox->Int(2)), node, &written);
        !s.ok()) {
      return s;
    }
    for (const StoredField& f : written) {
      auto value = DecodeValue(f.value);
      if (!value.ok()) return Internal("stored write is malformed");
      const std::string name(f.name);
      view.record.fields[name] = FieldVersion{std::move(value).value(), Stamp{f.hlc, f.node}};
      view.pending.insert(name);
    }
  }
  return std::optional<RecordView>(std::move(view));
}

Result<std::vector<RecordView>> StoreReader::Matching(const std::string& type,
                                                      const std::string& scope,
                                                      const std::vector<KeyFilter>& filters,
                                                      size_t limit) {
  std::string sql = "SELECT r.id FROM record r WHERE r.type = ?1 ";
  int param = 3;  // ?1 type, ?2 scope
  for (const KeyFilter& f : filters) {
    const int column = KeyColumnOf(f.name);
    if (column < 0) return Internal(std::string("'") + f.name + "' is no query key");
    sql += std::string("AND r.") + kKeyColumns[column].column + " = ?" + std::to_string(param) + " ";
    ++param;
  }
  if (!scope.empty()) sql += "AND " + ScopeWithinSql("r.scope", "?2") + " ";
  sql += "AND r.key_deleted IS NOT 'true' ORDER BY r.id LIMIT ?" + std::to_string(param);

  ReadSnapshot snapshot(db_);
  auto node = Node();
  if (!node.ok()) return node.status();
  auto stmt = db_.Cached(sql);
  if (!stmt.ok()) return stmt.status();
  stmt->BindText(1, type).BindText(2, scope);
  param = 3;
  for (const KeyFilter& f : filters) stmt->BindText(param++, f.value);
  stmt->Bind(param, static_cast<int64_t>(limit));
  std::vector<Uuid> ids;
  for (;;) {
    auto row = stmt->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    ids.push_back(*Uuid::FromBytes(stmt->BlobView(0)));
  }
  std::vector<RecordView> out;
  out.reserve(ids.size());
  for (const Uuid& id : ids) {
    auto view = Load(id, *node);
    if (!view.ok()) return view.status();
    if (*view) out.push_back(std::move(**view));
  }
  return out;
}

Result<std::vector<RecordView>> StoreReader::List(const std::string& type, size_t limit) {
  return Matching(type, "", {}, limit);
}

Result<std::vector<RecordView>> StoreReader::StudentsOfSchool(const std::string& scope) {
  return Matching(type::kStudent, scope, {}, kListLimit);
}

Result<std::vector<RecordView>> StoreReader::StudentsOfClass(const std::string& scope,
                                                             const std::string& class_name) {
  return Matching(type::kStudent, scope, {{field::kClass, class_name}}, kListLimit);
}

Result<std::vector<RecordView>> StoreReader::StudentsOfVillage(const std::string& village) {
  return Matching(type::kStudent, "", {{field::kVillage, village}}, kListLimit);
}

Result<std::optional<HouseholdView>> StoreReader::Household(const Uuid& id) {
  auto household = Get(id);
  if (!household.ok()) return household.status();
  if (!*household || (*household)->record.type != type::kHousehold) {
    return std::optional<HouseholdView>();
  }
  auto students = Matching(type::kStudent, "", {{field::kHousehold, id.ToString()}}, kListLimit);
  if (!students.ok()) return students.status();
  return std::optional<HouseholdView>(
      HouseholdView{std::move(**household), std::move(students).value()});
}

Result<std::vector<RecordView>> StoreReader::Visits(const std::string& status,
                                                    const std::string& author) {
  std::vector<KeyFilter> filters;
  if (!status.empty()) filters.push_back({field::kStatus, status});
  if (!author.empty()) filters.push_back({field::kAuthor, author});
  return Matching(type::kVisit, "", filters, kListLimit);
}

Result<std::vector<RecordView>> StoreReader::OpenConflicts() {
  return Matching(type::kConflict, "", {{field::kStatus, "open"}}, kListLimit);
}

Result<int64_t> StoreReader::PendingCount() {
  return db_.QueryInt(
      "SELECT coalesce(sum(field_count), 0) FROM outbox_entry WHERE seq > "
      "(SELECT answered_through FROM sync_state WHERE id = 1)");
}

Result<std::vector<PendingWrite>> StoreReader::PendingWrites(size_t limit) {
  auto stmt = db_.Cached(
      "SELECT o.record_id, r.type, o.name, o.seq <= s.in_flight_through, "
      "CASE WHEN o.name = '' THEN o.value END FROM sync_state s "
      "JOIN outbox_entry o ON o.seq > s.answered_through JOIN record r ON r.id = o.record_id "
      "WHERE s.id = 1 ORDER BY o.seq LIMIT ?");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, static_cast<int64_t>(limit));
  std::vector<PendingWrite> out;
  std::vector<StoredField> written;
  while (out.size() < limit) {
    auto row = stmt->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    if (Status s = EntryFields(stmt->BlobView(2), stmt->BlobView(4), 0, 0, &written); !s.ok()) {
      return s;
    }
    const Uuid id = *Uuid::FromBytes(stmt->BlobView(0));
    for (const StoredField& f : written) {
      if (out.size() >= limit) break;
      out.push_back({id, stmt->Text(1), std::string(f.name), stmt->Int(3) != 0});
    }
  }
  stmt->Reset();
  return out;
}

Result<std::vector<Record>> StoreReader::ConfirmedRecords() {
  ReadSnapshot snapshot(db_);
  auto stmt = db_.Cached("SELECT id, type, scope, fields FROM record WHERE confirmed = 1 ORDER BY id");
  if (!stmt.ok()) return stmt.status();
  std::vector<Record> out;
  std::vector<StoredField> fields;
  for (;;) {
    auto row = stmt->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    auto id = Uuid::FromBytes(stmt->BlobView(0));
    if (!id) return Internal("stored record id is malformed");
    Record r;
    r.id = *id;
    r.type = stmt->Text(1);
    r.scope = stmt->Text(2);
    if (Status s = DecodeFields(stmt->BlobView(3), &fields); !s.ok()) return s;
    for (const StoredField& f : fields) {
      auto value = DecodeValue(f.value);
      if (!value.ok()) return Internal("stored field is malformed");
      r.fields[std::string(f.name)] = FieldVersion{std::move(value).value(), Stamp{f.hlc, f.node}};
    }
    out.push_back(std::move(r));
  }
  return out;
}

Result<std::vector<RejectedWrite>> StoreReader::RejectedWrites(size_t limit) {
  auto stmt = db_.Cached(
      "SELECT record_id, name, reason, at_ms FROM rejected_write ORDER BY seq DESC LIMIT ?");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, static_cast<int64_t>(limit));
  std::vector<RejectedWrite> out;
  for (;;) {
    auto row = stmt->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    out.push_back({*Uuid::FromBytes(stmt->BlobView(0)), stmt->Text(1), stmt->Text(2), stmt->Int(3)});
  }
  return out;
}

}  // namespace homevisit::store
