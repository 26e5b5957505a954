#include "sync-server/cli_args.h"

#include <charconv>

namespace homevisit::server {

Result<Args> Args::Parse(const std::vector<std::string>& words, const FlagSpec& spec) {
  Args args;
  for (size_t i = 0; i < words.size(); ++i) {
    const std::string& word = words[i];
    if (word.rfind("--", 0) != 0 || word == "--") {
      args.positional_.push_back(word);
      continue;
    }
    const size_t eq = word.find('=');
    const std::string flag = word.substr(0, eq);
    if (spec.switches.count(flag)) {
      if (eq != std::string::npos) return InvalidArgument(flag + " takes no value");
      args.switches_.insert(flag);
      continue;
    }
    if (!spec.valued.count(flag)) return InvalidArgument("unknown option " + flag);
    std::string value;
    if (eq != std::string::npos) {
      value = word.substr(eq + 1);
    } else if (i + 1 < words.size()) {
      value = words[++i];
    } else {
      return InvalidArgument(flag + " needs a value");
    }
    if (args.values_.count(flag) && !spec.repeatable.count(flag)) {
      return InvalidArgument(flag + " given more than once");
    }
    args.values_.emplace(flag, value);
  }
  return args;
}

std::optional<std::string> Args::Get(const std::string& flag) const {
  auto it = values_.find(flag);
  if (it == values_.end()) return std::nullopt;
  return it->second;
}

std::vector<std::string> Args::GetAll(const std::string& flag) const {
  std::vector<std::string> out;
  for (auto [it, end] = values_.equal_range(flag); it != end; ++it) out.push_back(it->second);
  return out;
}

Result<int64_t> Args::GetInt(const std::string& flag, int64_t fallback, int64_t min,
                             int64_t max) const {
  const auto text = Get(flag);
  if (!text) return fallback;
  int64_t value = 0;
  const auto [end, error] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (error != std::errc() || end != text->data() + text->size()) {
    return InvalidArgument(flag + " needs a whole number, not '" + *text + "'");
  }
  if (value < min || value > max) {
    return InvalidArgument(flag + " must be between " + std::to_string(min) + " and " +
                           std::to_string(max));
  }
  return value;
}

}  // namespace homevisit::server
