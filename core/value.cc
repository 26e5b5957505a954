#include "core/value.h"

#include <algorithm>
#include <cstdio>

namespace homevisit {

Row& Row::Set(std::string name, Value value) {
  auto it = std::lower_bound(cells.begin(), cells.end(), name,
                             [](const Cell& c, const std::string& n) { return c.name < n; });
  if (it != cells.end() && it->name == name) {
    it->value = std::move(value);
  } else {
    cells.insert(it, Cell{std::move(name), std::move(value)});
  }
  return *this;
}

const Value* Row::Find(const std::string& name) const {
  auto it = std::lower_bound(cells.begin(), cells.end(), name,
                             [](const Cell& c, const std::string& n) { return c.name < n; });
  return it != cells.end() && it->name == name ? &it->value : nullptr;
}

bool Row::operator==(const Row& other) const { return cells == other.cells; }

const char* ValueTypeName(ValueType type) {
  switch (type) {
    case ValueType::kNull: return "null";
    case ValueType::kText: return "text";
    case ValueType::kInteger: return "integer";
    case ValueType::kDecimal: return "decimal";
    case ValueType::kBoolean: return "boolean";
    case ValueType::kDate: return "date";
    case ValueType::kList: return "list";
    case ValueType::kGeoPoint: return "geopoint";
    case ValueType::kBlob: return "blob";
    case ValueType::kRows: return "rows";
  }
  return "unknown";
}

std::string Value::DebugString() const {
  struct Visitor {
    std::string operator()(const Null&) const { return "null"; }
    std::string operator()(const std::string& s) const { return "'" + s + "'"; }
    std::string operator()(int64_t n) const { return std::to_string(n); }
    std::string operator()(const Decimal& d) const { return "dec:" + d.text; }
    std::string operator()(bool b) const { return b ? "true" : "false"; }
    std::string operator()(const Date& d) const { return FormatDate(d); }
    std::string operator()(const StringList& l) const {
      std::string out = "[";
      for (size_t i = 0; i < l.size(); ++i) out += (i ? "," : "") + l[i];
      return out + "]";
    }
    std::string operator()(const GeoPoint& g) const {
      char buf[96];
      std::snprintf(buf, sizeof buf, "geo(%.6f,%.6f,%.1fm)", g.latitude, g.longitude, g.accuracy_m);
      return buf;
    }
    std::string operator()(const BlobRef& b) const {
      static constexpr char kHex[] = "0123456789abcdef";
      std::string out = "blob:";
      for (size_t i = 0; i < b.sha256.size() && i < 4; ++i) {
        const auto c = static_cast<unsigned char>(b.sha256[i]);
        out += kHex[c >> 4];
        out += kHex[c & 15];
      }
      return out;
    }
    std::string operator()(const Rows& r) const {
      std::string out = "rows{";
      for (size_t i = 0; i < r.rows.size(); ++i) {
        out += i ? ";" : "";
        for (size_t j = 0; j < r.rows[i].cells.size(); ++j) {
          const Cell& c = r.rows[i].cells[j];
          out += (j ? "," : "") + c.name + "=" + c.value.DebugString();
        }
      }
      return out + "}";
    }
  };
  return std::visit(Visitor{}, v_);
}

int32_t DaysFromCivil(int y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int>(doe) - 719468;
}

void CivilFromDays(int32_t z, int* year, unsigned* month, unsigned* day) {
  z += 719468;
  const int era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int y = static_cast<int>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *day = doy - (153 * mp + 2) / 5 + 1;
  *month = mp < 10 ? mp + 3 : mp - 9;
  *year = y + (*month <= 2);
}

std::string FormatDate(Date d) {
  int y;
  unsigned m, day;
  CivilFromDays(d.days, &y, &m, &day);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", y, m, day);
  return buf;
}

bool ParseDate(const std::string& text, Date* out) {
  int y = 0;
  unsigned m = 0, d = 0;
  char tail = 0;
  if (text.size() != 10 || std::sscanf(text.c_str(), "%4d-%2u-%2u%c", &y, &m, &d, &tail) != 3) {
    return false;
  }
  if (m < 1 || m > 12 || d < 1 || d > 31) return false;
  const int32_t days = DaysFromCivil(y, m, d);
  int y2;
  unsigned m2, d2;
  CivilFromDays(days, &y2, &m2, &d2);
  if (y2 != y || m2 != m || d2 != d) return false;  // 2026-02-30 and the like
  out->days = days;
  return true;
}

}  // namespace homevisit
