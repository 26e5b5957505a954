// The form expression language: a small, safe language for `relevant`, `constraint` and
// `calculate` (DESIGN.md "Forms"). It is parsed by its own parser into a flat node array and
// evaluated by a tree walk; nothing is ever executed beyond this grammar.
//
//   expr        := or
//   or          := and ('or' and)*
//   and         := not ('and' not)*
//   not         := 'not' not | comparison      ('not' directly before '(' is the function)
//   comparison  := additive (('=' | '!=' | '<' | '<=' | '>' | '>=') additive)?   (no chains)
//   additive    := term (('+' | '-') term)*
//   term        := unary (('*' | '/' | 'div' | 'mod') unary)*
//   unary       := '-' unary | primary
//   primary     := number | 'string' | "string" | ${name} | ${repeat/field} | '.'
//                | function '(' [expr (',' expr)*] ')' | '(' expr ')'
//
// Functions: selected(list, 'code'), count-selected(list), if(c, a, b), today(), true(),
// false(), not(x) (so `not(x) = y` compares not(x) with y, as in XPath), coalesce(a, b),
// string-length(s) (in characters), concat(a, ...), round(x [, digits]) (half away from
// zero), int(x) (toward zero), date(x), and the repeat aggregates sum(${repeat/field}),
// count(${repeat}), count(${repeat/field}). `${repeat/field}` may appear only as the argument of sum() or
// count(). `.` is the value of the field being checked (meaningful in a constraint).
//
// Values and empty answers (chosen to behave as XLSForm/ODK users expect):
// - A missing or null answer is *empty*. Compared with `=`/`!=` against a string it is the
//   empty string (`${x} = ''` is true); against a number it is NaN, so `${x} = 0` is false
//   and `${x} != 0` is true. Ordering comparisons (`<` ...) with an empty side are false.
// - Arithmetic with an empty or non-numeric operand gives NaN; NaN propagates and compares
//   false (except `!=`). Division or `mod` by zero gives NaN, never infinity; an overflow to
//   infinity also becomes NaN. A calculated field whose result is NaN is left empty.
// - sum() skips empty cells (so a member without income does not blank the household sum);
//   a non-numeric cell makes the sum NaN. count(${r}) counts rows, count(${r/f}) counts rows
//   where f is not empty.
// - Dates compare as dates (a 'YYYY-MM-DD' string on the other side is read as a date);
//   date ± number is a date, date − date is a number of days.
// - Two strings that both read as numbers compare as numbers, otherwise by code point.
// - Truth: empty, false, 0, NaN, '' and an empty list are false; everything else is true.
//
// Limits that keep evaluation total: text ≤ 4096 bytes, ≤ 2000 nodes, nesting of
// parentheses, prefix operators and calls ≤ 64, tree height ≤ 128 (a chain of 200 `+` is
// refused); evaluation recursion is bounded by the height, so no input exhausts the stack.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/status.h"
#include "core/value.h"

namespace homevisit::forms {

// The answers of one visit: question name -> value. A repeat group is a Rows value whose
// cells are named after the repeat's child questions.
using Answers = std::map<std::string, Value>;

// What an expression evaluates to. monostate is "empty".
class ExprValue {
 public:
  using Variant = std::variant<std::monostate, bool, double, std::string, Date, StringList>;

  ExprValue() = default;
  ExprValue(bool b) : v_(b) {}                  // NOLINT: implicit by design
  ExprValue(double n) : v_(n) {}                // NOLINT
  ExprValue(std::string s) : v_(std::move(s)) {}  // NOLINT
  ExprValue(const char* s) : v_(std::string(s)) {}  // NOLINT
  ExprValue(Date d) : v_(d) {}                  // NOLINT
  ExprValue(StringList l) : v_(std::move(l)) {}  // NOLINT

  // A field's stored value as expressions see it (see the rules above).
  static ExprValue FromValue(const Value& value);

  bool is_empty() const { return std::holds_alternative<std::monostate>(v_); }
  const Variant& variant() const { return v_; }
  template <typename T>
  const T* get_if() const { return std::get_if<T>(&v_); }

  // Conversions of the language: NaN for "not a number", "" for empty.
  double ToNumber() const;
  bool ToBool() const;
  std::string ToText() const;
  // For selected() and count-selected(): a list as is, a string split on spaces.
  StringList ToList() const;
  // True for empty, '', NaN and an empty list: "nothing there".
  bool IsBlank() const;

  // For tests and debugging: "empty", "true", "12.5", "'text'", "2026-01-02", "[a,b]".
  std::string DebugString() const;

 private:
  Variant v_;
};

// Where references are looked up while evaluating.
struct ExprContext {
  // Top-level answers; nullptr makes every reference empty.
  const Answers* answers = nullptr;
  // The current repeat row when evaluating a question inside a repeat: ${name} looks here
  // first (names are unique within a form, so a sibling cell cannot be shadowed).
  const Row* row = nullptr;
  // The value of `.`.
  const Value* self = nullptr;
  // What today() returns; empty when not set. Injected so tests and the server control it.
  std::optional<Date> today;
};

// A reference found in an expression, for checking against a form.
struct ExprReference {
  enum class Use { kPlain, kSum, kCount };
  std::string name;  // ${name}, or the repeat in ${repeat/field}
  std::string cell;  // the field in ${repeat/field}; empty for ${name}
  size_t offset = 0;  // byte offset of "${" in the text
  Use use = Use::kPlain;  // whether it is the argument of sum() or count()
};

class Expression {
 public:
  // Parses text. On error the status message is "at offset N: what is wrong", N the byte
  // offset (0-based) where the problem is.
  static Result<Expression> Parse(std::string_view text);

  // Total: returns a value for every input (empty, NaN, ...), never crashes.
  ExprValue Evaluate(const ExprContext& context) const;

  const std::string& text() const { return text_; }
  const std::vector<ExprReference>& references() const { return references_; }
  // Offset of the first `.`, if the expression uses it.
  std::optional<size_t> self_offset() const { return self_offset_; }

  // One node of the flat syntax tree; children are indices into the node array, so
  // copying and destroying never recurse.
  enum class Op : uint8_t {
    kNumber, kString, kRef, kSelf, kNeg, kNot, kAnd, kOr,
    kEq, kNe, kLt, kLe, kGt, kGe, kAdd, kSub, kMul, kDiv, kMod, kCall,
  };
  enum class Fn : uint8_t {
    kSelected, kCountSelected, kIf, kToday, kTrue, kFalse, kNot, kCoalesce, kStringLength,
    kConcat, kRound, kInt, kDate, kSum, kCount,
  };
  struct Node {
    Op op = Op::kNumber;
    Fn fn = Fn::kTrue;
    double number = 0;
    std::string text;  // string literal, or the referenced name
    std::string cell;  // the field of ${repeat/field}
    std::vector<int32_t> args;
  };

 private:
  Expression() = default;
  friend class ExprParser;

  std::string text_;
  std::vector<Node> nodes_;
  int32_t root_ = -1;
  std::vector<ExprReference> references_;
  std::optional<size_t> self_offset_;
};

}  // namespace homevisit::forms
