#include "app/cli/value_text.h"

#include <nlohmann/json.hpp>

#include <charconv>
#include <cstdio>

namespace homevisit::cli {

namespace {

bool StartsWith(const std::string& text, const char* prefix, std::string* rest) {
  const std::string p(prefix);
  if (text.compare(0, p.size(), p) != 0) return false;
  *rest = text.substr(p.size());
  return true;
}

bool ParseInt(const std::string& text, int64_t* out) {
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, *out);
  return ec == std::errc() && ptr == end && !text.empty();
}

bool ParseDouble(const std::string& text, double* out) {
  if (text.empty()) return false;
  char* end = nullptr;
  *out = std::strtod(text.c_str(), &end);
  return end == text.c_str() + text.size();
}

bool IsDecimalText(const std::string& text) {
  size_t i = text.size() > 0 && text[0] == '-' ? 1 : 0;
  const size_t digits_start = i;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
  if (i == digits_start) return false;
  if (i == text.size()) return true;
  if (text[i++] != '.') return false;
  const size_t frac_start = i;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
  return i == text.size() && i > frac_start;
}

}  // namespace

Result<Value> ParseValueText(const std::string& text) {
  std::string rest;
  if (text == "null") return Value();
  if (StartsWith(text, "text:", &rest)) return Value(rest);
  if (StartsWith(text, "int:", &rest)) {
    int64_t n = 0;
    if (!ParseInt(rest, &n)) return InvalidArgument("int: needs a whole number, e.g. int:3");
    return Value(n);
  }
  if (StartsWith(text, "dec:", &rest)) {
    if (!IsDecimalText(rest)) return InvalidArgument("dec: needs a decimal number, e.g. dec:8000.50");
    return Value(Decimal{rest});
  }
  if (StartsWith(text, "bool:", &rest)) {
    if (rest == "true") return Value(true);
    if (rest == "false") return Value(false);
    return InvalidArgument("bool: needs true or false, e.g. bool:true");
  }
  if (StartsWith(text, "date:", &rest)) {
    Date d;
    if (!ParseDate(rest, &d)) return InvalidArgument("date: needs YYYY-MM-DD, e.g. date:2026-03-01");
    return Value(d);
  }
  if (StartsWith(text, "list:", &rest)) {
    StringList items;
    size_t start = 0;
    while (start <= rest.size() && !rest.empty()) {
      size_t comma = rest.find(',', start);
      if (comma == std::string::npos) comma = rest.size();
      items.push_back(rest.substr(start, comma - start));
      start = comma + 1;
    }
    return Value(std::move(items));
  }
  if (StartsWith(text, "geo:", &rest)) {
    const size_t comma = rest.find(',');
    double lat = 0, lon = 0;
    if (comma == std::string::npos || !ParseDouble(rest.substr(0, comma), &lat) ||
        !ParseDouble(rest.substr(comma + 1), &lon) || lat < -90 || lat > 90 || lon < -180 ||
        lon > 180) {
      return InvalidArgument("geo: needs LAT,LON in degrees, e.g. geo:27.51,109.92");
    }
    return Value(GeoPoint{lat, lon, 0});
  }
  if (StartsWith(text, "rows:", &rest)) return ParseRowsText(rest);
  return Value(text);
}

Result<Value> ParseRowsText(const std::string& json_text) {
  constexpr char kHint[] =
      "rows: needs a JSON list of objects whose values are texts in this syntax, e.g. "
      "rows:[{\"member_name\":\"王建国\",\"age\":\"int:42\"}]";
  const auto json = nlohmann::json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_array()) return InvalidArgument(kHint);
  Rows rows;
  for (const auto& object : json) {
    if (!object.is_object()) return InvalidArgument(kHint);
    Row row;
    for (const auto& [name, cell] : object.items()) {
      if (!cell.is_string()) return InvalidArgument(kHint);
      const std::string cell_text = cell.get<std::string>();
      if (cell_text.rfind("rows:", 0) == 0) return InvalidArgument("rows do not nest");
      auto value = ParseValueText(cell_text);
      if (!value.ok()) return InvalidArgument("row " + std::to_string(rows.rows.size() + 1) +
                                              ", '" + name + "': " + value.status().message());
      row.Set(name, *value);
    }
    rows.rows.push_back(std::move(row));
  }
  return Value(std::move(rows));
}

std::string FormatValue(const Value& value) {
  struct Visitor {
    std::string operator()(const Null&) const { return "null"; }
    std::string operator()(const std::string& s) const { return s; }
    std::string operator()(int64_t n) const { return "int:" + std::to_string(n); }
    std::string operator()(const Decimal& d) const { return "dec:" + d.text; }
    std::string operator()(bool b) const { return b ? "bool:true" : "bool:false"; }
    std::string operator()(const Date& d) const { return "date:" + FormatDate(d); }
    std::string operator()(const StringList& l) const {
      std::string out = "list:";
      for (size_t i = 0; i < l.size(); ++i) out += (i ? "," : "") + l[i];
      return out;
    }
    std::string operator()(const GeoPoint& g) const {
      char buf[64];
      std::snprintf(buf, sizeof buf, "geo:%.6f,%.6f", g.latitude, g.longitude);
      return buf;
    }
    std::string operator()(const BlobRef&) const { return "(attachment)"; }
    std::string operator()(const Rows& r) const {
      return "(" + std::to_string(r.rows.size()) + " rows)";
    }
  };
  return std::visit(Visitor{}, value.variant());
}

}  // namespace homevisit::cli
