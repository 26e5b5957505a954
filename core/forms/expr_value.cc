// ExprValue conversions: the rules for empty values, numbers, dates and lists listed in
// expression.h.
#include <charconv>
#include <cmath>

#include "core/forms/expr_value_internal.h"
#include "core/forms/expression.h"

namespace homevisit::forms {

double ParseNumber(std::string_view text) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  // Only plain decimals: no exponent, hex, "inf" or "nan", so text never sneaks in a number
  // the user did not type.
  size_t i = 0;
  if (i < text.size() && text[i] == '-') ++i;
  size_t digits = 0;
  bool dot = false;
  for (; i < text.size(); ++i) {
    if (text[i] >= '0' && text[i] <= '9') {
      ++digits;
    } else if (text[i] == '.' && !dot) {
      dot = true;
    } else {
      return std::nan("");
    }
  }
  if (digits == 0 || text.size() > 64) return std::nan("");
  double out = 0;
  const char* begin = text.data();
  if (*begin == '-') ++begin;
  const auto res = std::from_chars(begin, text.data() + text.size(), out, std::chars_format::fixed);
  if (res.ec != std::errc() || res.ptr != text.data() + text.size()) return std::nan("");
  return text.front() == '-' ? -out : out;
}

std::string FormatNumber(double n) {
  if (std::isnan(n)) return "";
  if (std::isinf(n)) return "";
  if (n == std::trunc(n) && std::fabs(n) < 1e15) {
    return std::to_string(static_cast<int64_t>(n));
  }
  char buf[64];
  const auto res = std::to_chars(buf, buf + sizeof buf, n);
  return std::string(buf, res.ptr);
}

namespace {
// Locale-independent fixed notation ("" for values too large to print this way).
std::string Fixed(double n, int decimals) {
  char buf[400];
  const auto res = std::to_chars(buf, buf + sizeof buf, n, std::chars_format::fixed, decimals);
  return res.ec == std::errc() ? std::string(buf, res.ptr) : std::string();
}
}  // namespace

bool DaysInRange(double days) { return days >= kMinDateDays && days <= kMaxDateDays; }

bool TextToDate(std::string_view text, Date* out) {
  return ParseDate(std::string(text), out) && DaysInRange(out->days);
}

ExprValue ExprValue::FromValue(const Value& value) {
  struct Visitor {
    ExprValue operator()(const Null&) const { return {}; }
    ExprValue operator()(const std::string& s) const { return s; }
    ExprValue operator()(int64_t n) const { return static_cast<double>(n); }
    ExprValue operator()(const Decimal& d) const { return ParseNumber(d.text); }
    ExprValue operator()(bool b) const { return b; }
    ExprValue operator()(const Date& d) const { return d; }
    ExprValue operator()(const StringList& l) const { return l; }
    ExprValue operator()(const GeoPoint& g) const {
      // The XLSForm text form of a point: "lat lon altitude accuracy".
      return Fixed(g.latitude, 7) + " " + Fixed(g.longitude, 7) + " 0 " + Fixed(g.accuracy_m, 1);
    }
    ExprValue operator()(const BlobRef& b) const {
      static constexpr char kHex[] = "0123456789abcdef";
      std::string out;
      for (unsigned char c : b.sha256) {
        out += kHex[c >> 4];
        out += kHex[c & 15];
      }
      return out;
    }
    // Outside sum()/count() a repeat reads as its number of rows.
    ExprValue operator()(const Rows& r) const { return static_cast<double>(r.rows.size()); }
  };
  return std::visit(Visitor{}, value.variant());
}

double ExprValue::ToNumber() const {
  struct Visitor {
    double operator()(std::monostate) const { return std::nan(""); }
    double operator()(bool b) const { return b ? 1 : 0; }
    double operator()(double n) const { return n; }
    double operator()(const std::string& s) const { return ParseNumber(s); }
    double operator()(const Date& d) const { return d.days; }
    double operator()(const StringList&) const { return std::nan(""); }
  };
  return std::visit(Visitor{}, v_);
}

bool ExprValue::ToBool() const {
  struct Visitor {
    bool operator()(std::monostate) const { return false; }
    bool operator()(bool b) const { return b; }
    bool operator()(double n) const { return n != 0 && !std::isnan(n); }
    bool operator()(const std::string& s) const { return !s.empty(); }
    bool operator()(const Date&) const { return true; }
    bool operator()(const StringList& l) const { return !l.empty(); }
  };
  return std::visit(Visitor{}, v_);
}

std::string ExprValue::ToText() const {
  struct Visitor {
    std::string operator()(std::monostate) const { return ""; }
    std::string operator()(bool b) const { return b ? "true" : "false"; }
    std::string operator()(double n) const { return FormatNumber(n); }
    std::string operator()(const std::string& s) const { return s; }
    std::string operator()(const Date& d) const { return FormatDate(d); }
    std::string operator()(const StringList& l) const {
      std::string out;
      for (size_t i = 0; i < l.size(); ++i) out += (i ? " " : "") + l[i];
      return out;
    }
  };
  return std::visit(Visitor{}, v_);
}

StringList ExprValue::ToList() const {
  if (const auto* l = get_if<StringList>()) return *l;
  StringList out;
  const std::string text = ToText();
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && text[i] == ' ') ++i;
    const size_t start = i;
    while (i < text.size() && text[i] != ' ') ++i;
    if (i > start) out.push_back(text.substr(start, i - start));
  }
  return out;
}

bool ExprValue::IsBlank() const {
  if (is_empty()) return true;
  if (const auto* s = get_if<std::string>()) return s->empty();
  if (const auto* n = get_if<double>()) return std::isnan(*n);
  if (const auto* l = get_if<StringList>()) return l->empty();
  return false;
}

std::string ExprValue::DebugString() const {
  if (is_empty()) return "empty";
  if (const auto* n = get_if<double>()) return std::isnan(*n) ? "NaN" : FormatNumber(*n);
  if (const auto* s = get_if<std::string>()) return "'" + *s + "'";
  if (const auto* l = get_if<StringList>()) {
    std::string out = "[";
    for (size_t i = 0; i < l->size(); ++i) out += (i ? "," : "") + (*l)[i];
    return out + "]";
  }
  return ToText();
}

}  // namespace homevisit::forms
