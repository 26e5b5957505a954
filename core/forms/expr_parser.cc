// Lexer and recursive-descent parser of the expression language (grammar in expression.h).
// Recursion is bounded by kMaxDepth on the parser side and by a height limit on the tree,
// so the evaluator, which walks the tree recursively, is bounded too.
#include <algorithm>
#include <charconv>

#include "core/forms/expression.h"

namespace homevisit::forms {
namespace {

constexpr size_t kMaxTextBytes = 4096;
constexpr size_t kMaxNodes = 2000;
constexpr int kMaxDepth = 64;    // parentheses, prefix operators, function calls
constexpr int kMaxHeight = 128;  // height of the tree (long operator chains count too)

enum class Tok {
  kEnd, kNumber, kString, kRef, kDot, kIdent, kLParen, kRParen, kComma,
  kPlus, kMinus, kStar, kSlash, kEq, kNe, kLt, kLe, kGt, kGe,
};

struct Token {
  Tok kind = Tok::kEnd;
  size_t offset = 0;
  std::string text;  // identifier, string literal, number digits, or reference name
  std::string cell;  // for ${repeat/field}
};

bool IsNameStart(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsNameChar(char c) { return IsNameStart(c) || IsDigit(c); }
bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

struct FunctionInfo {
  const char* name;
  Expression::Fn fn;
  int min_args;
  int max_args;
};

constexpr FunctionInfo kFunctions[] = {
    {"selected", Expression::Fn::kSelected, 2, 2},
    {"count-selected", Expression::Fn::kCountSelected, 1, 1},
    {"if", Expression::Fn::kIf, 3, 3},
    {"today", Expression::Fn::kToday, 0, 0},
    {"true", Expression::Fn::kTrue, 0, 0},
    {"false", Expression::Fn::kFalse, 0, 0},
    {"not", Expression::Fn::kNot, 1, 1},
    {"coalesce", Expression::Fn::kCoalesce, 2, 2},
    {"string-length", Expression::Fn::kStringLength, 1, 1},
    {"concat", Expression::Fn::kConcat, 1, 16},
    {"round", Expression::Fn::kRound, 1, 2},
    {"int", Expression::Fn::kInt, 1, 1},
    {"date", Expression::Fn::kDate, 1, 1},
    {"sum", Expression::Fn::kSum, 1, 1},
    {"count", Expression::Fn::kCount, 1, 1},
};

const FunctionInfo* FindFunction(std::string_view name) {
  for (const FunctionInfo& f : kFunctions) {
    if (name == f.name) return &f;
  }
  return nullptr;
}

}  // namespace

class ExprParser {
 public:
  explicit ExprParser(std::string_view text) : text_(text) {}

  Result<Expression> Run() {
    if (text_.size() > kMaxTextBytes) {
      Fail(kMaxTextBytes, "expression longer than " + std::to_string(kMaxTextBytes) + " bytes");
      return error_;
    }
    out_.text_ = std::string(text_);
    int32_t root = -1;
    if (Advance()) root = ParseOr();
    if (root >= 0 && tok_.kind != Tok::kEnd) {
      Fail(tok_.offset, "unexpected " + Describe(tok_) + " after the end of the expression");
    }
    if (!error_.ok()) return error_;
    if (root < 0) return Internal("expression parser stopped without an error");
    out_.root_ = root;
    return std::move(out_);
  }

 private:
  using Op = Expression::Op;

  // ---- errors ----
  // Keeps the first error: later ones are consequences of it.
  void Fail(size_t offset, const std::string& what) {
    if (error_.ok()) {
      error_ = InvalidArgument("at offset " + std::to_string(offset) + ": " + what);
    }
  }
  static std::string Describe(const Token& t) {
    switch (t.kind) {
      case Tok::kEnd: return "end of expression";
      case Tok::kNumber: return "number " + t.text;
      case Tok::kString: return "string";
      case Tok::kRef: return "reference ${" + t.text + (t.cell.empty() ? "" : "/" + t.cell) + "}";
      case Tok::kIdent: return "'" + t.text + "'";
      default: return "'" + t.text + "'";
    }
  }

  // ---- lexer ----
  bool Advance() {
    while (pos_ < text_.size() && IsSpace(text_[pos_])) ++pos_;
    tok_ = Token{};
    tok_.offset = pos_;
    if (pos_ >= text_.size()) return true;
    const char c = text_[pos_];
    const char next = pos_ + 1 < text_.size() ? text_[pos_ + 1] : '\0';
    if (IsDigit(c) || (c == '.' && IsDigit(next))) return LexNumber();
    if (c == '\'' || c == '"') return LexString(c);
    if (c == '$') return LexRef();
    if (IsNameStart(c)) return LexIdent();
    auto single = [&](Tok kind, size_t len) {
      tok_.kind = kind;
      tok_.text = std::string(text_.substr(pos_, len));
      pos_ += len;
      return true;
    };
    switch (c) {
      case '.': return single(Tok::kDot, 1);
      case '(': return single(Tok::kLParen, 1);
      case ')': return single(Tok::kRParen, 1);
      case ',': return single(Tok::kComma, 1);
      case '+': return single(Tok::kPlus, 1);
      case '-': return single(Tok::kMinus, 1);
      case '*': return single(Tok::kStar, 1);
      case '/': return single(Tok::kSlash, 1);
      case '=': return single(Tok::kEq, 1);
      case '!':
        if (next == '=') return single(Tok::kNe, 2);
        break;
      case '<': return next == '=' ? single(Tok::kLe, 2) : single(Tok::kLt, 1);
      case '>': return next == '=' ? single(Tok::kGe, 2) : single(Tok::kGt, 1);
      default: break;
    }
    Fail(pos_, "unexpected character");
    return false;
  }

  bool LexNumber() {
    const size_t start = pos_;
    while (pos_ < text_.size() && IsDigit(text_[pos_])) ++pos_;
    if (pos_ < text_.size() && text_[pos_] == '.') {
      ++pos_;
      while (pos_ < text_.size() && IsDigit(text_[pos_])) ++pos_;
    }
    if (pos_ < text_.size() && IsNameStart(text_[pos_])) {
      Fail(pos_, "a number cannot be followed by a letter");
      return false;
    }
    if (pos_ - start > 40) {
      Fail(start, "number literal too long");
      return false;
    }
    tok_.kind = Tok::kNumber;
    tok_.text = std::string(text_.substr(start, pos_ - start));
    return true;
  }

  bool LexString(char quote) {
    const size_t start = pos_;
    const size_t end = text_.find(quote, pos_ + 1);
    if (end == std::string_view::npos) {
      Fail(start, "string not closed");
      return false;
    }
    tok_.kind = Tok::kString;
    tok_.text = std::string(text_.substr(start + 1, end - start - 1));
    pos_ = end + 1;
    return true;
  }

  bool LexName(std::string* out) {
    if (pos_ >= text_.size() || !IsNameStart(text_[pos_])) return false;
    const size_t start = pos_;
    while (pos_ < text_.size() && IsNameChar(text_[pos_])) ++pos_;
    *out = std::string(text_.substr(start, pos_ - start));
    return true;
  }

  bool LexRef() {
    const size_t start = pos_;
    if (pos_ + 1 >= text_.size() || text_[pos_ + 1] != '{') {
      Fail(start, "expected '{' after '$'");
      return false;
    }
    pos_ += 2;
    tok_.kind = Tok::kRef;
    if (!LexName(&tok_.text)) {
      Fail(pos_, "expected a field name after '${'");
      return false;
    }
    if (pos_ < text_.size() && text_[pos_] == '/') {
      ++pos_;
      if (!LexName(&tok_.cell)) {
        Fail(pos_, "expected a field name after '/'");
        return false;
      }
    }
    if (pos_ >= text_.size() || text_[pos_] != '}') {
      Fail(pos_, "expected '}' to close the reference");
      return false;
    }
    ++pos_;
    return true;
  }

  // Names may contain '-' between letters (count-selected, string-length).
  bool LexIdent() {
    const size_t start = pos_;
    while (pos_ < text_.size()) {
      const char c = text_[pos_];
      const char n = pos_ + 1 < text_.size() ? text_[pos_ + 1] : '\0';
      if (IsNameChar(c) || (c == '-' && IsNameStart(n))) {
        ++pos_;
      } else {
        break;
      }
    }
    tok_.kind = Tok::kIdent;
    tok_.text = std::string(text_.substr(start, pos_ - start));
    return true;
  }

  bool IsKeyword(const char* word) const { return tok_.kind == Tok::kIdent && tok_.text == word; }
  bool NextIsLParen() const {
    size_t p = pos_;
    while (p < text_.size() && IsSpace(text_[p])) ++p;
    return p < text_.size() && text_[p] == '(';
  }

  // ---- tree ----
  int32_t Add(Expression::Node node) {
    if (out_.nodes_.size() >= kMaxNodes) {
      Fail(tok_.offset, "expression has more than " + std::to_string(kMaxNodes) + " parts");
      return -1;
    }
    int height = 1;
    for (int32_t a : node.args) height = std::max(height, heights_[a] + 1);
    if (height > kMaxHeight) {
      Fail(tok_.offset, "expression too deeply nested (more than " + std::to_string(kMaxHeight) +
                            " levels)");
      return -1;
    }
    out_.nodes_.push_back(std::move(node));
    heights_.push_back(height);
    return static_cast<int32_t>(out_.nodes_.size() - 1);
  }
  int32_t AddOp(Op op, std::vector<int32_t> args) {
    Expression::Node n;
    n.op = op;
    n.args = std::move(args);
    return Add(std::move(n));
  }

  // Guards the parser's own recursion.
  struct DepthGuard {
    explicit DepthGuard(int* d) : depth(d) { ++*depth; }
    ~DepthGuard() { --*depth; }
    int* depth;
  };
  bool TooDeep() {
    if (depth_ > kMaxDepth) {
      Fail(tok_.offset, "expression nested deeper than " + std::to_string(kMaxDepth));
      return true;
    }
    return false;
  }

  // ---- grammar ----
  int32_t ParseOr() {
    DepthGuard guard(&depth_);
    if (TooDeep()) return -1;
    int32_t left = ParseAnd();
    while (left >= 0 && IsKeyword("or")) {
      if (!Advance()) return -1;
      const int32_t right = ParseAnd();
      if (right < 0) return -1;
      left = AddOp(Op::kOr, {left, right});
    }
    return left;
  }

  int32_t ParseAnd() {
    int32_t left = ParseNot();
    while (left >= 0 && IsKeyword("and")) {
      if (!Advance()) return -1;
      const int32_t right = ParseNot();
      if (right < 0) return -1;
      left = AddOp(Op::kAnd, {left, right});
    }
    return left;
  }

  // `not(x)` is the XPath function (so `not(x) = y` compares its result); `not x` without
  // parentheses is a prefix operator binding looser than comparisons.
  int32_t ParseNot() {
    if (IsKeyword("not") && !NextIsLParen()) {
      DepthGuard guard(&depth_);
      if (TooDeep()) return -1;
      if (!Advance()) return -1;
      const int32_t operand = ParseNot();
      if (operand < 0) return -1;
      return AddOp(Op::kNot, {operand});
    }
    return ParseComparison();
  }

  static bool ComparisonOp(Tok t, Op* op) {
    switch (t) {
      case Tok::kEq: *op = Op::kEq; return true;
      case Tok::kNe: *op = Op::kNe; return true;
      case Tok::kLt: *op = Op::kLt; return true;
      case Tok::kLe: *op = Op::kLe; return true;
      case Tok::kGt: *op = Op::kGt; return true;
      case Tok::kGe: *op = Op::kGe; return true;
      default: return false;
    }
  }

  int32_t ParseComparison() {
    const int32_t left = ParseAdditive();
    Op op;
    if (left < 0 || !ComparisonOp(tok_.kind, &op)) return left;
    if (!Advance()) return -1;
    const int32_t right = ParseAdditive();
    if (right < 0) return -1;
    Op again;
    if (ComparisonOp(tok_.kind, &again)) {
      Fail(tok_.offset, "comparisons cannot be chained; use 'and'");
      return -1;
    }
    return AddOp(op, {left, right});
  }

  int32_t ParseAdditive() {
    int32_t left = ParseTerm();
    while (left >= 0 && (tok_.kind == Tok::kPlus || tok_.kind == Tok::kMinus)) {
      const Op op = tok_.kind == Tok::kPlus ? Op::kAdd : Op::kSub;
      if (!Advance()) return -1;
      const int32_t right = ParseTerm();
      if (right < 0) return -1;
      left = AddOp(op, {left, right});
    }
    return left;
  }

  bool TermOp(Op* op) const {
    if (tok_.kind == Tok::kStar) *op = Op::kMul;
    else if (tok_.kind == Tok::kSlash || IsKeyword("div")) *op = Op::kDiv;
    else if (IsKeyword("mod")) *op = Op::kMod;
    else return false;
    return true;
  }

  int32_t ParseTerm() {
    int32_t left = ParseUnary();
    Op op;
    while (left >= 0 && TermOp(&op)) {
      if (!Advance()) return -1;
      const int32_t right = ParseUnary();
      if (right < 0) return -1;
      left = AddOp(op, {left, right});
    }
    return left;
  }

  int32_t ParseUnary() {
    if (tok_.kind == Tok::kMinus) {
      DepthGuard guard(&depth_);
      if (TooDeep()) return -1;
      if (!Advance()) return -1;
      const int32_t operand = ParseUnary();
      if (operand < 0) return -1;
      return AddOp(Op::kNeg, {operand});
    }
    return ParsePrimary();
  }

  int32_t ParsePrimary() {
    const Token t = tok_;
    switch (t.kind) {
      case Tok::kNumber: {
        Expression::Node n;
        n.op = Op::kNumber;
        std::from_chars(t.text.data(), t.text.data() + t.text.size(), n.number);
        if (!Advance()) return -1;
        return Add(std::move(n));
      }
      case Tok::kString: {
        Expression::Node n;
        n.op = Op::kString;
        n.text = t.text;
        if (!Advance()) return -1;
        return Add(std::move(n));
      }
      case Tok::kRef: {
        if (!t.cell.empty() && !in_aggregate_) {
          Fail(t.offset, "${" + t.text + "/" + t.cell +
                             "} can only be used inside sum() or count()");
          return -1;
        }
        Expression::Node n;
        n.op = Op::kRef;
        n.text = t.text;
        n.cell = t.cell;
        ExprReference ref{t.text, t.cell, t.offset, ExprReference::Use::kPlain};
        if (in_aggregate_) ref.use = aggregate_use_;
        out_.references_.push_back(std::move(ref));
        if (!Advance()) return -1;
        return Add(std::move(n));
      }
      case Tok::kDot: {
        if (!out_.self_offset_) out_.self_offset_ = t.offset;
        if (!Advance()) return -1;
        return AddOp(Op::kSelf, {});
      }
      case Tok::kLParen: {
        if (!Advance()) return -1;
        const int32_t inner = ParseOr();
        if (inner < 0) return -1;
        if (tok_.kind != Tok::kRParen) {
          Fail(tok_.offset, "expected ')' but found " + Describe(tok_));
          return -1;
        }
        if (!Advance()) return -1;
        return inner;
      }
      case Tok::kIdent: return ParseCall();
      default:
        Fail(t.offset, "expected a value but found " + Describe(t));
        return -1;
    }
  }

  int32_t ParseCall() {
    const Token name = tok_;
    const FunctionInfo* info = FindFunction(name.text);
    if (!info) {
      Fail(name.offset, "unknown function '" + name.text + "'");
      return -1;
    }
    if (!Advance()) return -1;
    if (tok_.kind != Tok::kLParen) {
      Fail(tok_.offset, "expected '(' after " + name.text);
      return -1;
    }
    if (!Advance()) return -1;
    const bool aggregate = info->fn == Expression::Fn::kSum || info->fn == Expression::Fn::kCount;
    std::vector<int32_t> args;
    if (tok_.kind != Tok::kRParen) {
      while (true) {
        int32_t arg;
        if (aggregate) {
          if (tok_.kind != Tok::kRef) {
            Fail(tok_.offset, name.text + "() takes a reference such as ${repeat/field}");
            return -1;
          }
          in_aggregate_ = true;
          aggregate_use_ = info->fn == Expression::Fn::kSum ? ExprReference::Use::kSum
                                                             : ExprReference::Use::kCount;
          arg = ParsePrimary();
          in_aggregate_ = false;
        } else {
          arg = ParseOr();
        }
        if (arg < 0) return -1;
        args.push_back(arg);
        if (tok_.kind != Tok::kComma) break;
        if (!Advance()) return -1;
      }
    }
    if (tok_.kind != Tok::kRParen) {
      Fail(tok_.offset, "expected ')' or ',' in " + name.text + "() but found " + Describe(tok_));
      return -1;
    }
    const int count = static_cast<int>(args.size());
    if (count < info->min_args || count > info->max_args) {
      const std::string want = info->min_args == info->max_args
                                   ? std::to_string(info->min_args)
                                   : std::to_string(info->min_args) + " to " +
                                         std::to_string(info->max_args);
      Fail(name.offset, name.text + "() takes " + want + " argument" +
                            (info->max_args == 1 ? "" : "s") + ", not " + std::to_string(count));
      return -1;
    }
    if (!Advance()) return -1;
    Expression::Node n;
    n.op = Op::kCall;
    n.fn = info->fn;
    n.text = name.text;
    n.args = std::move(args);
    return Add(std::move(n));
  }

  std::string_view text_;
  size_t pos_ = 0;
  Token tok_;
  int depth_ = 0;
  bool in_aggregate_ = false;
  ExprReference::Use aggregate_use_ = ExprReference::Use::kPlain;
  std::vector<int> heights_;
  Expression out_;
  Status error_;
};

Result<Expression> Expression::Parse(std::string_view text) { return ExprParser(text).Run(); }

}  // namespace homevisit::forms
