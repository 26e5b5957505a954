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

}  // namespace homevisit
