// A small command-line parser for homevisit-server: positional words and --flags.
//
// A flag takes a value ("--role teacher" or "--role=teacher") unless it is declared a switch
// ("--insecure"). Unknown flags, missing values, repeated single flags and a wrong number of
// positional words are errors with a message naming the problem.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/status.h"

namespace homevisit::server {

struct FlagSpec {
  std::set<std::string> valued;      // "--db", "--role", ...
  std::set<std::string> repeatable;  // valued flags that may appear more than once
  std::set<std::string> switches;    // "--insecure", ...
};

class Args {
 public:
  static Result<Args> Parse(const std::vector<std::string>& words, const FlagSpec& spec);

  const std::vector<std::string>& positional() const { return positional_; }
  std::optional<std::string> Get(const std::string& flag) const;
  std::vector<std::string> GetAll(const std::string& flag) const;
  bool Has(const std::string& flag) const { return switches_.count(flag) > 0; }
  // The flag as an integer within [min, max], or `fallback` when absent.
  Result<int64_t> GetInt(const std::string& flag, int64_t fallback, int64_t min,
                         int64_t max) const;

 private:
  std::vector<std::string> positional_;
  std::multimap<std::string, std::string> values_;
  std::set<std::string> switches_;
};

}  // namespace homevisit::server
