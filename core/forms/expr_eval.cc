// Evaluation of a parsed expression. Total by construction: every operator has a result for
// every pair of values, recursion depth is bounded by the tree height the parser allowed,
// and a guard returns empty should that bound ever be exceeded.
#include <algorithm>
#include <cmath>
#include <charconv>

#include "core/forms/expr_value_internal.h"
#include "core/forms/expression.h"

namespace homevisit::forms {
namespace {

using Node = Expression::Node;
using Op = Expression::Op;
using Fn = Expression::Fn;

constexpr int kMaxEvalDepth = 256;  // above the parser's tree height limit

double Finite(double n) { return std::isfinite(n) ? n : std::nan(""); }

bool IsDateDays(double days) { return std::isfinite(days) && DaysInRange(days); }

// date() of something that is no date is empty; date arithmetic that leaves the calendar
// (or has an empty operand) is NaN like all other arithmetic.
ExprValue DateOrEmpty(double days) {
  return IsDateDays(days) ? ExprValue(Date{static_cast<int32_t>(days)}) : ExprValue();
}
ExprValue DateOrNaN(double days) {
  return IsDateDays(days) ? ExprValue(Date{static_cast<int32_t>(days)}) : ExprValue(std::nan(""));
}

// Reads a value as a date for comparison with a date: a date, or a 'YYYY-MM-DD' string.
bool AsDate(const ExprValue& v, Date* out) {
  if (const auto* d = v.get_if<Date>()) {
    *out = *d;
    return true;
  }
  if (const auto* s = v.get_if<std::string>()) return TextToDate(*s, out);
  return false;
}

bool IsNumberLike(const ExprValue& v) { return v.get_if<double>() != nullptr; }

// -1, 0, 1, or nullopt when the two cannot be ordered (NaN, empty, mixed date/non-date).
std::optional<int> Order(const ExprValue& a, const ExprValue& b) {
  if (a.is_empty() || b.is_empty()) return std::nullopt;
  auto cmp = [](auto x, auto y) -> std::optional<int> { return x < y ? -1 : (y < x ? 1 : 0); };
  if (IsNumberLike(a) || IsNumberLike(b) || a.get_if<bool>() || b.get_if<bool>()) {
    const double x = a.ToNumber(), y = b.ToNumber();
    if (std::isnan(x) || std::isnan(y)) return std::nullopt;
    return cmp(x, y);
  }
  if (a.get_if<Date>() || b.get_if<Date>()) {
    Date x, y;
    if (!AsDate(a, &x) || !AsDate(b, &y)) return std::nullopt;
    return cmp(x.days, y.days);
  }
  const std::string x = a.ToText(), y = b.ToText();
  const double nx = ParseNumber(x), ny = ParseNumber(y);
  if (!std::isnan(nx) && !std::isnan(ny)) return cmp(nx, ny);
  return cmp(x, y);  // std::string compares bytes: UTF-8 byte order is code point order
}

bool Equal(const ExprValue& a, const ExprValue& b) {
  if (a.get_if<bool>() || b.get_if<bool>()) return a.ToBool() == b.ToBool();
  if (IsNumberLike(a) || IsNumberLike(b)) {
    const double x = a.ToNumber(), y = b.ToNumber();
    return !std::isnan(x) && !std::isnan(y) && x == y;
  }
  if (a.get_if<Date>() || b.get_if<Date>()) {
    Date x, y;
    if (AsDate(a, &x) && AsDate(b, &y)) return x.days == y.days;
  }
  return a.ToText() == b.ToText();
}

ExprValue Arithmetic(Op op, const ExprValue& a, const ExprValue& b) {
  const Date* da = a.get_if<Date>();
  const Date* db = b.get_if<Date>();
  if (op == Op::kAdd && da && !db) return DateOrNaN(da->days + b.ToNumber());
  if (op == Op::kAdd && db && !da) return DateOrNaN(db->days + a.ToNumber());
  if (op == Op::kSub && da && !db) return DateOrNaN(da->days - b.ToNumber());
  const double x = a.ToNumber(), y = b.ToNumber();
  switch (op) {
    case Op::kAdd: return Finite(x + y);
    case Op::kSub: return Finite(x - y);
    case Op::kMul: return Finite(x * y);
    case Op::kDiv: return y == 0 ? std::nan("") : Finite(x / y);
    case Op::kMod: return y == 0 ? std::nan("") : Finite(std::fmod(x, y));
    default: return std::nan("");
  }
}

size_t CodePoints(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

// Rounds half away from zero at `digits` decimals. The scaled value is first cut to 15
// significant digits, so binary noise does not decide the result: round(2.345, 2) is 2.35
// (2.345 * 100 is 234.49999999999997 in binary), as a person checking by hand expects.
double RoundTo(double x, double digits) {
  if (std::isnan(x) || std::isnan(digits)) return std::nan("");
  const int d = static_cast<int>(std::clamp(std::trunc(digits), 0.0, 10.0));
  const double scale = std::pow(10.0, d);
  // to_chars/from_chars: independent of the C locale, which an app may set to one that
  // writes decimal commas.
  char buf[64];
  const auto end = std::to_chars(buf, buf + sizeof buf, x * scale, std::chars_format::general, 15);
  double cut = x * scale;
  std::from_chars(buf, end.ptr, cut);
  return Finite(std::round(cut) / scale);
}

class Evaluator {
 public:
  Evaluator(const std::vector<Node>& nodes, const ExprContext& ctx) : nodes_(nodes), ctx_(ctx) {}

  ExprValue Eval(int32_t index, int depth) const {
    if (index < 0 || static_cast<size_t>(index) >= nodes_.size() || depth > kMaxEvalDepth) {
      return {};
    }
    const Node& n = nodes_[index];
    auto arg = [&](size_t i) { return i < n.args.size() ? Eval(n.args[i], depth + 1) : ExprValue{}; };
    switch (n.op) {
      case Op::kNumber: return n.number;
      case Op::kString: return n.text;
      case Op::kRef: return Lookup(n.text);
      case Op::kSelf: return ctx_.self ? ExprValue::FromValue(*ctx_.self) : ExprValue{};
      case Op::kNeg: return Finite(-arg(0).ToNumber());
      case Op::kNot: return !arg(0).ToBool();
      case Op::kAnd: return arg(0).ToBool() && arg(1).ToBool();
      case Op::kOr: return arg(0).ToBool() || arg(1).ToBool();
      case Op::kEq: return Equal(arg(0), arg(1));
      case Op::kNe: return !Equal(arg(0), arg(1));
      case Op::kLt: return Order(arg(0), arg(1)).value_or(1) < 0;
      case Op::kLe: return Order(arg(0), arg(1)).value_or(1) <= 0;
      case Op::kGt: return Order(arg(0), arg(1)).value_or(-1) > 0;
      case Op::kGe: return Order(arg(0), arg(1)).value_or(-1) >= 0;
      case Op::kAdd:
      case Op::kSub:
      case Op::kMul:
      case Op::kDiv:
      case Op::kMod: return Arithmetic(n.op, arg(0), arg(1));
      case Op::kCall: return Call(n, depth);
    }
    return {};
  }

 private:
  // Unordered pairs must make every ordering comparison false: value_or above picks a
  // result that fails the test (1 for < and <=, -1 for > and >=).

  ExprValue Lookup(const std::string& name) const {
    if (ctx_.row) {
      if (const Value* v = ctx_.row->Find(name)) return ExprValue::FromValue(*v);
    }
    if (!ctx_.answers) return {};
    const auto it = ctx_.answers->find(name);
    return it == ctx_.answers->end() ? ExprValue{} : ExprValue::FromValue(it->second);
  }

  const Rows* RepeatRows(const std::string& name) const {
    if (!ctx_.answers) return nullptr;
    const auto it = ctx_.answers->find(name);
    return it == ctx_.answers->end() ? nullptr : it->second.get_if<Rows>();
  }

  ExprValue Aggregate(const Node& call) const {
    if (call.args.empty()) return {};
    const Node& ref = nodes_[call.args[0]];
    if (ref.op != Op::kRef) return {};
    const bool is_sum = call.fn == Fn::kSum;
    if (ref.cell.empty()) {
      // count(${repeat}) counts rows; sum(${x}) / count(${x}) of a plain value is that value
      // (sum) or 0/1 (count), so a misuse is still total.
      if (const Rows* rows = RepeatRows(ref.text)) {
        return is_sum ? std::nan("") : static_cast<double>(rows->rows.size());
      }
      const ExprValue v = Lookup(ref.text);
      return is_sum ? (v.IsBlank() ? 0.0 : v.ToNumber()) : (v.IsBlank() ? 0.0 : 1.0);
    }
    const Rows* rows = RepeatRows(ref.text);
    double total = 0;
    if (!rows) return 0.0;
    for (const Row& row : rows->rows) {
      const Value* cell = row.Find(ref.cell);
      if (!cell) continue;
      const ExprValue v = ExprValue::FromValue(*cell);
      if (v.IsBlank()) continue;
      total += is_sum ? v.ToNumber() : 1;
    }
    return Finite(total);
  }

  ExprValue Call(const Node& n, int depth) const {
    auto arg = [&](size_t i) { return i < n.args.size() ? Eval(n.args[i], depth + 1) : ExprValue{}; };
    switch (n.fn) {
      case Fn::kSelected: {
        const StringList list = arg(0).ToList();
        const std::string code = arg(1).ToText();
        return std::find(list.begin(), list.end(), code) != list.end();
      }
      case Fn::kCountSelected: return static_cast<double>(arg(0).ToList().size());
      case Fn::kIf: return arg(0).ToBool() ? arg(1) : arg(2);
      case Fn::kToday: return ctx_.today ? ExprValue(*ctx_.today) : ExprValue{};
      case Fn::kTrue: return true;
      case Fn::kFalse: return false;
      case Fn::kNot: return !arg(0).ToBool();
      case Fn::kCoalesce: {
        ExprValue first = arg(0);
        return first.IsBlank() ? arg(1) : first;
      }
      case Fn::kStringLength: return static_cast<double>(CodePoints(arg(0).ToText()));
      case Fn::kConcat: {
        std::string out;
        for (size_t i = 0; i < n.args.size(); ++i) out += arg(i).ToText();
        return out;
      }
      case Fn::kRound: return RoundTo(arg(0).ToNumber(), n.args.size() > 1 ? arg(1).ToNumber() : 0);
      case Fn::kInt: return Finite(std::trunc(arg(0).ToNumber()));
      case Fn::kDate: {
        const ExprValue v = arg(0);
        Date d;
        if (AsDate(v, &d)) return d;
        if (IsNumberLike(v)) return DateOrEmpty(std::trunc(v.ToNumber()));
        return {};
      }
      case Fn::kSum:
      case Fn::kCount: return Aggregate(n);
    }
    return {};
  }

  const std::vector<Node>& nodes_;
  const ExprContext& ctx_;
};

}  // namespace

ExprValue Expression::Evaluate(const ExprContext& context) const {
  return Evaluator(nodes_, context).Eval(root_, 0);
}

}  // namespace homevisit::forms
