// Typed field values (DESIGN.md "Data model"). A missing field and a field holding Null are
// different things: Null is an explicit "cleared".
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

namespace homevisit {

struct Null {
  friend bool operator==(const Null&, const Null&) = default;
};
// A decimal number kept as its canonical text so money stays exact ("1234.50").
struct Decimal {
  std::string text;
  friend bool operator==(const Decimal&, const Decimal&) = default;
};
// Days since 1970-01-01, proleptic Gregorian, no time zone.
struct Date {
  int32_t days = 0;
  friend bool operator==(const Date&, const Date&) = default;
};
struct GeoPoint {
  double latitude = 0;
  double longitude = 0;
  double accuracy_m = 0;
  friend bool operator==(const GeoPoint&, const GeoPoint&) = default;
};
// Reference to an attachment by its SHA-256 (32 raw bytes).
struct BlobRef {
  std::string sha256;
  friend bool operator==(const BlobRef&, const BlobRef&) = default;
};
using StringList = std::vector<std::string>;

struct Cell;
// One row of a repeat group; cells sorted by name (see Row::Set).
struct Row {
  // Declared here, defined below Cell: clang instantiates them eagerly and needs Cell whole.
  Row();
  Row(const Row&);
  Row(Row&&) noexcept;
  Row& operator=(const Row&);
  Row& operator=(Row&&) noexcept;
  ~Row();

  std::vector<Cell> cells;
  // Sets a cell, keeping cells sorted by name. Returns *this for chaining in tests.
  Row& Set(std::string name, class Value value);
  // nullptr if there is no such cell.
  const Value* Find(const std::string& name) const;
  bool operator==(const Row& other) const;
};
struct Rows {
  std::vector<Row> rows;
  bool operator==(const Rows& other) const = default;
};

enum class ValueType { kNull, kText, kInteger, kDecimal, kBoolean, kDate, kList, kGeoPoint, kBlob, kRows };
const char* ValueTypeName(ValueType type);

class Value {
 public:
  using Variant = std::variant<Null, std::string, int64_t, Decimal, bool, Date, StringList,
                               GeoPoint, BlobRef, Rows>;

  Value() = default;  // Null
  Value(Null) {}
  Value(std::string text) : v_(std::move(text)) {}
  Value(const char* text) : v_(std::string(text)) {}
  Value(int64_t n) : v_(n) {}
  Value(int n) : v_(static_cast<int64_t>(n)) {}
  Value(Decimal d) : v_(std::move(d)) {}
  Value(bool b) : v_(b) {}
  Value(Date d) : v_(d) {}
  Value(StringList l) : v_(std::move(l)) {}
  Value(GeoPoint g) : v_(g) {}
  Value(BlobRef b) : v_(std::move(b)) {}
  Value(Rows r) : v_(std::move(r)) {}

  ValueType type() const { return static_cast<ValueType>(v_.index()); }
  bool is_null() const { return type() == ValueType::kNull; }
  const Variant& variant() const { return v_; }
  template <typename T>
  const T* get_if() const { return std::get_if<T>(&v_); }

  // A short description for logs and test diffs. Text is shown, so never log the result of
  // this for survey answers: use DescribeType() in logs.
  std::string DebugString() const;
  bool operator==(const Value& other) const { return v_ == other.v_; }

 private:
  Variant v_;
};

struct Cell {
  std::string name;
  Value value;
  bool operator==(const Cell& other) const = default;
};

inline Row::Row() = default;
inline Row::Row(const Row&) = default;
inline Row::Row(Row&&) noexcept = default;
inline Row& Row::operator=(const Row&) = default;
inline Row& Row::operator=(Row&&) noexcept = default;
inline Row::~Row() = default;

// Days since 1970-01-01 for a civil date, and back (Howard Hinnant's algorithms).
int32_t DaysFromCivil(int year, unsigned month, unsigned day);
void CivilFromDays(int32_t days, int* year, unsigned* month, unsigned* day);
// "2026-11-28" for a Date; parses the same form (nullopt-like false on bad input).
std::string FormatDate(Date d);
bool ParseDate(const std::string& text, Date* out);

}  // namespace homevisit
