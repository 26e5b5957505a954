// Scopes: a tree county → township → school written as a path "county/township/school".
// A scope covers itself and every scope below it. Scopes decide who may read and write a
// record; the server enforces them, never the client.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace homevisit {

// True if `scope` is `ancestor` or lies below it ("a/b" covers "a/b" and "a/b/c", not "a/bc").
bool ScopeCovers(std::string_view ancestor, std::string_view scope);
// True if any of `scopes` covers `scope`.
bool AnyScopeCovers(const std::vector<std::string>& scopes, std::string_view scope);
// A valid path: 1 to 3 non-empty segments of at most 64 bytes, no '/' at either end, no
// control characters or spaces at segment ends.
bool IsValidScopePath(std::string_view scope);
// Number of segments: 1 county, 2 township, 3 school.
int ScopeDepth(std::string_view scope);

// The scope of records every user reads (published forms): every Pull includes it, only the
// server writes it, and no school, township or county may be called this.
inline constexpr char kGlobalScope[] = "_global";
// True for kGlobalScope and any path below it.
bool IsGlobalScope(std::string_view scope);

}  // namespace homevisit
