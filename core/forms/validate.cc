#include "core/forms/validate.h"

#include <cmath>
#include <set>

#include "core/forms/expr_value_internal.h"

namespace homevisit::forms {
namespace {

// What a type is called in a "wrong kind of answer" message.
LocalizedText TypeWord(FieldType type) {
  switch (type) {
    case FieldType::kText: return {"文字", "text"};
    case FieldType::kInteger: return {"整数", "a whole number"};
    case FieldType::kDecimal: return {"数字", "a number"};
    case FieldType::kDate: return {"日期", "a date"};
    case FieldType::kSelectOne: return {"单选项", "one choice"};
    case FieldType::kSelectMultiple: return {"多选项", "a list of choices"};
    case FieldType::kGeoPoint: return {"位置", "a location"};
    case FieldType::kPhoto: return {"照片", "a photo"};
    case FieldType::kSignature: return {"签名", "a signature"};
    case FieldType::kRepeat: return {"列表", "a list of entries"};
    default: return {"无", "nothing"};
  }
}

using Message = std::optional<FieldMessage>;

class AnswerChecker {
 public:
  AnswerChecker(const FormState& state, AnswerRef at)
      : state_(state), at_(at), field_(state.form().fields[at.field]) {}

  Message Run() {
    if (!HoldsAnswer(field_.type) || !state_.IsRelevant(at_.field, at_.row)) return std::nullopt;
    const Value* value = state_.ValueOf(at_);
    if (!value || IsBlankAnswer(*value)) {
      if (field_.required && !field_.is_calculated()) {
        return Make("required", {"此项必填", "This question is required"});
      }
      return std::nullopt;
    }
    if (Message m = CheckType(*value)) return m;
    if (Message m = CheckContent(*value)) return m;
    return CheckConstraint(*value);
  }

 private:
  Message Make(const char* rule, LocalizedText text) const {
    return FieldMessage{at_, AnswerPath(state_.form(), at_), rule, std::move(text)};
  }

  Message CheckType(const Value& v) const {
    bool ok = false;
    switch (field_.type) {
      case FieldType::kText:
      case FieldType::kSelectOne: ok = v.get_if<std::string>() != nullptr; break;
      case FieldType::kInteger: ok = v.get_if<int64_t>() != nullptr; break;
      case FieldType::kDecimal:
        ok = v.get_if<int64_t>() ||
             (v.get_if<Decimal>() && !std::isnan(ParseNumber(v.get_if<Decimal>()->text)) &&
              v.get_if<Decimal>()->text.find(' ') == std::string::npos);
        break;
      case FieldType::kDate: ok = v.get_if<Date>() && DaysInRange(v.get_if<Date>()->days); break;
      case FieldType::kSelectMultiple: ok = v.get_if<StringList>() != nullptr; break;
      case FieldType::kGeoPoint: ok = v.get_if<GeoPoint>() != nullptr; break;
      case FieldType::kPhoto:
      case FieldType::kSignature: ok = v.get_if<BlobRef>() != nullptr; break;
      case FieldType::kRepeat: ok = v.get_if<Rows>() != nullptr; break;
      default: break;
    }
    if (ok) return std::nullopt;
    const LocalizedText want = TypeWord(field_.type);
    return Make("type", {"答案类型不对，应为" + want.zh, "Wrong kind of answer: expected " + want.en});
  }

  // min/max in the wording that fits the type.
  Message Bounds(double n, const char* zh_min, const char* en_min, const char* zh_max,
                 const char* en_max, const char* zh_unit, const char* en_unit) const {
    if (field_.min && n < *field_.min) {
      const std::string b = FormatNumber(*field_.min);
      return Make("min", {zh_min + b + zh_unit, en_min + b + en_unit});
    }
    if (field_.max && n > *field_.max) {
      const std::string b = FormatNumber(*field_.max);
      return Make("max", {zh_max + b + zh_unit, en_max + b + en_unit});
    }
    return std::nullopt;
  }

  Message CheckContent(const Value& v) const {
    switch (field_.type) {
      case FieldType::kInteger:
      case FieldType::kDecimal: {
        const double n = v.get_if<int64_t>() ? static_cast<double>(*v.get_if<int64_t>())
                                             : ParseNumber(v.get_if<Decimal>()->text);
        return Bounds(n, "不能小于 ", "Must be at least ", "不能大于 ", "Must be at most ", "", "");
      }
      case FieldType::kText: return CheckText(*v.get_if<std::string>());
      case FieldType::kSelectOne:
        if (field_.FindChoice(*v.get_if<std::string>())) return std::nullopt;
        return Make("choice", {"不是可选的选项", "Not one of the choices"});
      case FieldType::kSelectMultiple: return CheckChoices(*v.get_if<StringList>());
      case FieldType::kGeoPoint: {
        const GeoPoint& g = *v.get_if<GeoPoint>();
        if (std::fabs(g.latitude) <= 90 && std::fabs(g.longitude) <= 180 && g.accuracy_m >= 0 &&
            std::isfinite(g.accuracy_m)) {
          return std::nullopt;
        }
        return Make("invalid", {"位置坐标无效", "Not a valid location"});
      }
      case FieldType::kPhoto:
      case FieldType::kSignature:
        if (v.get_if<BlobRef>()->sha256.size() == 32) return std::nullopt;
        return Make("invalid", {"附件引用无效", "Not a valid attachment reference"});
      case FieldType::kRepeat: return CheckRows(*v.get_if<Rows>());
      default: return std::nullopt;
    }
  }

  Message CheckText(const std::string& s) const {
    size_t chars = 0;
    for (unsigned char c : s) chars += (c & 0xC0) != 0x80;
    if (Message m = Bounds(static_cast<double>(chars), "至少填写 ", "Enter at least ", "最多填写 ",
                           "Enter at most ", " 个字", " characters")) {
      return m;
    }
    if (!field_.compiled_regex) return std::nullopt;
    if (s.size() > kMaxRegexInput) return Make("regex", {"内容太长", "Too long"});
    bool matched = false;
    try {
      matched = std::regex_match(s, *field_.compiled_regex);
    } catch (const std::regex_error&) {
      matched = false;  // too complex to decide: refuse rather than accept unchecked text
    }
    if (matched) return std::nullopt;
    if (!field_.regex_message.empty()) return Make("regex", field_.regex_message);
    return Make("regex", {"格式不正确", "The format is not right"});
  }

  Message CheckChoices(const StringList& codes) const {
    std::set<std::string_view> seen;
    for (const std::string& code : codes) {
      if (!field_.FindChoice(code)) return Make("choice", {"不是可选的选项", "Not one of the choices"});
      if (!seen.insert(code).second) {
        return Make("choice", {"同一选项选了两次", "The same choice is selected twice"});
      }
    }
    return Bounds(static_cast<double>(codes.size()), "至少选择 ", "Select at least ", "最多选择 ",
                  "Select at most ", " 项", "");
  }

  Message CheckRows(const Rows& rows) const {
    for (const Row& row : rows.rows) {
      for (const Cell& cell : row.cells) {
        const FormField* child = state_.form().FindField(cell.name);
        if (!child || child->repeat != at_.field) {
          return Make("invalid", {"含有表单中没有的项目", "Holds an entry that is not in the form"});
        }
      }
    }
    return Bounds(static_cast<double>(rows.rows.size()), "至少添加 ", "Add at least ", "最多添加 ",
                  "Add at most ", " 条", " entries");
  }

  Message CheckConstraint(const Value& v) const {
    if (!field_.constraint) return std::nullopt;
    const Row* row = nullptr;
    if (field_.repeat >= 0) {
      const Value* rows = state_.ValueOf({field_.repeat, -1});
      const Rows* r = rows ? rows->get_if<Rows>() : nullptr;
      if (r && at_.row >= 0 && static_cast<size_t>(at_.row) < r->rows.size()) row = &r->rows[at_.row];
    }
    const ExprContext ctx{&state_.effective(), row, &v, state_.today()};
    if (field_.constraint->Evaluate(ctx).ToBool()) return std::nullopt;
    if (!field_.constraint_message.empty()) return Make("constraint", field_.constraint_message);
    return Make("constraint", {"答案不符合要求", "The answer does not meet this question's condition"});
  }

  const FormState& state_;
  AnswerRef at_;
  const FormField& field_;
};

}  // namespace

std::optional<FieldMessage> CheckAnswer(const FormState& state, AnswerRef at) {
  if (at.field < 0 || static_cast<size_t>(at.field) >= state.form().fields.size()) {
    return std::nullopt;
  }
  return AnswerChecker(state, at).Run();
}

VisitValidation ValidateVisit(const Form& form, const Answers& answers, Date today) {
  const FormState state = FormState::Compute(form, answers, today);
  VisitValidation out;
  for (size_t i = 0; i < form.fields.size(); ++i) {
    const FormField& f = form.fields[i];
    if (f.repeat >= 0) continue;  // checked row by row with their repeat
    const int index = static_cast<int>(i);
    if (auto m = CheckAnswer(state, {index, -1})) out.messages.push_back(std::move(*m));
    if (f.type != FieldType::kRepeat) continue;
    const int rows = state.RowCount(index);
    for (int r = 0; r < rows; ++r) {
      for (int child : f.children) {
        if (auto m = CheckAnswer(state, {child, r})) out.messages.push_back(std::move(*m));
      }
    }
  }
  out.to_clear = state.to_clear();
  out.effective = state.effective();
  return out;
}

std::string DescribeMessages(const VisitValidation& validation, size_t max_messages) {
  std::string out;
  const size_t n = validation.messages.size();
  for (size_t i = 0; i < n && i < max_messages; ++i) {
    const FieldMessage& m = validation.messages[i];
    out += (i ? "; " : "") + m.path + ": " + m.text.zh + " (" + m.text.en + ")";
  }
  if (n > max_messages) {
    out += "; … and " + std::to_string(n - max_messages) + " more";
  }
  return out;
}

}  // namespace homevisit::forms
