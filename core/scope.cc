#include "core/scope.h"

namespace homevisit {

bool ScopeCovers(std::string_view ancestor, std::string_view scope) {
  if (ancestor.empty()) return false;
  if (scope.size() < ancestor.size() || scope.substr(0, ancestor.size()) != ancestor) return false;
  return scope.size() == ancestor.size() || scope[ancestor.size()] == '/';
}

bool AnyScopeCovers(const std::vector<std::string>& scopes, std::string_view scope) {
  for (const auto& s : scopes) {
    if (ScopeCovers(s, scope)) return true;
  }
  return false;
}

bool IsValidScopePath(std::string_view scope) {
  if (scope.empty() || scope.size() > 200) return false;
  int segments = 0;
  size_t start = 0;
  while (start <= scope.size()) {
    size_t end = scope.find('/', start);
    if (end == std::string_view::npos) end = scope.size();
    const std::string_view seg = scope.substr(start, end - start);
    if (seg.empty() || seg.size() > 64) return false;
    if (seg.front() == ' ' || seg.back() == ' ') return false;
    for (unsigned char c : seg) {
      if (c < 0x20 || c == 0x7F) return false;
    }
    ++segments;
    start = end + 1;
  }
  return segments >= 1 && segments <= 3;
}

bool IsGlobalScope(std::string_view scope) { return ScopeCovers(kGlobalScope, scope); }

int ScopeDepth(std::string_view scope) {
  if (scope.empty()) return 0;
  int depth = 1;
  for (char c : scope) depth += c == '/';
  return depth;
}

}  // namespace homevisit
