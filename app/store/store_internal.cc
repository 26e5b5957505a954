#include "app/store/store_internal.h"

#include "app/store/value_codec.h"

namespace homevisit::store {

Status PutKey(Connection& db, const std::string& id_bytes, const std::string& name,
              const std::optional<std::string>& text) {
  auto stmt = text ? db.Cached(
                         "INSERT INTO record_key(record_id, name, value) VALUES (?, ?, ?) "
                         "ON CONFLICT(record_id, name) DO UPDATE SET value = excluded.value")
                   : db.Cached("DELETE FROM record_key WHERE record_id = ? AND name = ?");
  if (!stmt.ok()) return stmt.status();
  stmt->BindBlob(1, id_bytes).BindText(2, name);
  if (text) stmt->BindText(3, *text);
  return stmt->Run();
}

Status RefreshKey(Connection& db, const std::string& id_bytes, const std::string& name) {
  // The newest outbox entry, else the confirmed value.
  auto stmt = db.Cached(
      "SELECT value FROM (SELECT value, 0 AS layer, seq FROM outbox WHERE record_id = ?1 AND "
      "name = ?2 UNION ALL SELECT value, 1, 0 FROM field WHERE record_id = ?1 AND name = ?2) "
      "ORDER BY layer, seq DESC LIMIT 1");
  if (!stmt.ok()) return stmt.status();
  stmt->BindBlob(1, id_bytes).BindText(2, name);
  auto row = stmt->Step();
  if (!row.ok()) return row.status();
  std::optional<std::string> text;
  if (*row) {
    v1::Value value;
    const std::string_view bytes = stmt->BlobView(0);
    if (value.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) text = KeyText(value);
  }
  return PutKey(db, id_bytes, name, text);
}

std::string ScopeWithinSql(const std::string& column, const std::string& param) {
  return "(" + column + " = " + param + " OR substr(" + column + ", 1, length(" + param +
         ") + 1) = " + param + " || '/')";
}

}  // namespace homevisit::store
