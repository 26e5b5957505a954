// Helpers shared by the store's implementation files. Not part of the store's interface.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "app/store/sqlite.h"

namespace homevisit::store {

// Outbox entry states (see device_store.h).
inline constexpr int64_t kEntryPending = 0;
inline constexpr int64_t kEntryInFlight = 1;
inline constexpr int64_t kEntryAnswered = 2;

// Scopes are kept one per line in sync_state.scopes.
std::vector<std::string> SplitScopes(const std::string& joined);

// Sets (or, for nullopt, removes) the query key of one field.
Status PutKey(Connection& db, const std::string& id_bytes, const std::string& name,
              const std::optional<std::string>& text);
// Recomputes the query key of one field from its effective value (newest outbox entry,
// else confirmed value).
Status RefreshKey(Connection& db, const std::string& id_bytes, const std::string& name);

// SQL condition true when the record scope column `column` lies within the scope bound as
// parameter `param` (e.g. "?1"); mirrors core ScopeCovers.
std::string ScopeWithinSql(const std::string& column, const std::string& param);

}  // namespace homevisit::store
