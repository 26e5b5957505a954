// A survey form: versioned data that says which questions a visit asks (DESIGN.md "Forms").
//
// A Form is made by ParseForm (form_parser.h) and is read-only afterwards; its invariants
// (unique names, valid references, an evaluation order without cycles) hold only for forms
// that came out of the parser.
//
// Structure: fields are stored flat in document order (depth first), with parent indices.
// A `group` is only presentation and relevance: its children are answered at the top level
// like any other question. A `repeat` holds rows (household members): its answer is a Rows
// value whose cells are named after its children. Repeats do not nest, and groups do not
// appear inside repeats. Names are unique across the whole form, including repeat children.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include "core/forms/expression.h"
#include "core/value.h"

namespace homevisit::forms {

enum class FieldType {
  kText, kInteger, kDecimal, kDate, kSelectOne, kSelectMultiple, kGeoPoint, kPhoto,
  kSignature, kNote, kGroup, kRepeat,
};
// "text", "integer", ... as written in a definition.
const char* FieldTypeName(FieldType type);
bool ParseFieldType(std::string_view name, FieldType* out);
// Whether a field of this type has an answer (notes and groups do not).
bool HoldsAnswer(FieldType type);

enum class Language { kZh, kEn };

// Text in the two UI languages. Chinese is the default.
struct LocalizedText {
  std::string zh;
  std::string en;
  bool empty() const { return zh.empty() && en.empty(); }
  const std::string& in(Language lang) const { return lang == Language::kEn ? en : zh; }
  bool operator==(const LocalizedText&) const = default;
};

struct Choice {
  std::string code;  // stored in answers; letters, digits, '_', '-', '.'
  LocalizedText label;
};

struct FormField {
  std::string name;
  FieldType type = FieldType::kText;
  // Where the field is defined, e.g. "fields[3].children[1]": used in error messages.
  std::string path;
  int parent = -1;  // index of the enclosing group or repeat, -1 at the top
  int repeat = -1;  // index of the enclosing repeat, -1 outside repeats
  int depth = 0;    // 0 at the top level
  std::vector<int> children;

  LocalizedText label;
  LocalizedText hint;
  bool required = false;
  std::vector<Choice> choices;
  // Bounds, by type: integer/decimal the value; text the length in characters;
  // select_multiple the number chosen; repeat the number of rows.
  std::optional<double> min;
  std::optional<double> max;
  // text only: the whole answer must match (ECMAScript syntax, no back-references; matched
  // without backtracking). Answers longer than kMaxRegexInput bytes are refused unmatched.
  std::string regex;
  std::shared_ptr<const std::regex> compiled_regex;
  LocalizedText regex_message;
  std::optional<Expression> relevant;
  std::optional<Expression> constraint;
  LocalizedText constraint_message;
  // A calculated field is read-only: its value is computed from other answers.
  std::optional<Expression> calculate;
  Value default_value;  // Null when there is none

  bool is_calculated() const { return calculate.has_value(); }
  // nullptr when code is not one of the choices.
  const Choice* FindChoice(std::string_view code) const;
};

inline constexpr size_t kMaxRegexInput = 1000;

struct Form {
  std::string id;      // e.g. "home_visit"
  int64_t version = 0;  // 1, 2, ...: a new version for every published change
  LocalizedText title;
  std::vector<FormField> fields;  // document order, depth first
  std::vector<int> top_level;     // indices of the fields with no parent, in order
  // Field indices in an order where every field comes after the fields its relevance and
  // calculation depend on, and after its parent. Evaluation follows this order.
  std::vector<int> evaluation_order;
  // The definition as compact JSON, as stored in the form record.
  std::string definition;

  // Index of the field with this name, or -1.
  int Find(std::string_view name) const;
  const FormField* FindField(std::string_view name) const;

  std::map<std::string, int, std::less<>> index_by_name;
};

// The answers a new visit starts with: the defaults of top-level questions.
Answers InitialAnswers(const Form& form);
// A new row for a repeat (field index), holding the defaults of its children.
Row NewRepeatRow(const Form& form, int repeat);

}  // namespace homevisit::forms
