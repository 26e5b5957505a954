#include "core/forms/form_state.h"

#include <cmath>
#include <charconv>

#include "core/forms/expr_value_internal.h"

namespace homevisit::forms {
namespace {

bool IsBlankText(const std::string& s) {
  return s.find_first_not_of(" \t\r\n") == std::string::npos;
}

std::string DecimalText(double n) {
  char buf[64];  // |n| <= 1e15 here, so 6 fixed decimals always fit
  const auto end = std::to_chars(buf, buf + sizeof buf, n, std::chars_format::fixed, 6);
  std::string s(buf, end.ptr);
  while (!s.empty() && s.back() == '0') s.pop_back();
  if (!s.empty() && s.back() == '.') s.pop_back();
  if (s == "-0") s = "0";
  return s;
}

void EraseCell(Row* row, const std::string& name) {
  for (auto it = row->cells.begin(); it != row->cells.end(); ++it) {
    if (it->name == name) {
      row->cells.erase(it);
      return;
    }
  }
}

}  // namespace

std::string AnswerPath(const Form& form, AnswerRef at) {
  if (at.field < 0 || static_cast<size_t>(at.field) >= form.fields.size()) return "?";
  const FormField& f = form.fields[at.field];
  if (f.repeat < 0) return f.name;
  return form.fields[f.repeat].name + "[" + std::to_string(at.row) + "]." + f.name;
}

bool IsBlankAnswer(const Value& value) {
  if (value.is_null()) return true;
  if (const auto* s = value.get_if<std::string>()) return IsBlankText(*s);
  if (const auto* d = value.get_if<Decimal>()) return d->text.empty();
  if (const auto* l = value.get_if<StringList>()) return l->empty();
  if (const auto* r = value.get_if<Rows>()) return r->rows.empty();
  return false;
}

Value CalculatedValue(const ExprValue& result, FieldType type) {
  if (result.IsBlank()) return {};
  switch (type) {
    case FieldType::kInteger: {
      const double n = result.ToNumber();
      if (!std::isfinite(n) || std::fabs(n) > 9e15) return {};
      return static_cast<int64_t>(std::llround(n));
    }
    case FieldType::kDecimal: {
      const double n = result.ToNumber();
      if (!std::isfinite(n) || std::fabs(n) > 1e15) return {};
      return Decimal{DecimalText(n)};
    }
    case FieldType::kDate: {
      Date d;
      if (const auto* date = result.get_if<Date>()) return *date;
      if (const auto* s = result.get_if<std::string>(); s && TextToDate(*s, &d)) return d;
      return {};
    }
    case FieldType::kText: return result.ToText();
    default: return {};
  }
}

FormState FormState::Compute(const Form& form, const Answers& answers, Date today) {
  FormState state(form, today);
  state.effective_ = answers;
  state.relevant_.assign(form.fields.size(), {});
  for (int index : form.evaluation_order) {
    if (form.fields[index].repeat < 0) {
      state.VisitTopLevel(index);
    } else {
      state.VisitRepeatChild(index);
    }
  }
  return state;
}

void FormState::VisitTopLevel(int index) {
  const FormField& f = form_->fields[index];
  ExprContext ctx{&effective_, nullptr, nullptr, today_};
  const bool parent_ok = f.parent < 0 || IsRelevant(f.parent);
  const bool relevant = parent_ok && (!f.relevant || f.relevant->Evaluate(ctx).ToBool());
  relevant_[index] = {static_cast<char>(relevant)};
  if (!HoldsAnswer(f.type)) return;
  const auto it = effective_.find(f.name);
  if (!relevant) {
    if (it != effective_.end()) {
      if (!IsBlankAnswer(it->second)) to_clear_.push_back({index, -1});
      effective_.erase(it);
    }
    return;
  }
  if (!f.calculate) return;
  Value v = CalculatedValue(f.calculate->Evaluate(ctx), f.type);
  calculated_.push_back({{index, -1}, v});
  if (v.is_null()) {
    effective_.erase(f.name);
  } else {
    effective_[f.name] = std::move(v);
  }
}

void FormState::VisitRepeatChild(int index) {
  const FormField& f = form_->fields[index];
  const std::string& repeat_name = form_->fields[f.repeat].name;
  const auto it = effective_.find(repeat_name);
  const Rows* current = it == effective_.end() ? nullptr : it->second.get_if<Rows>();
  if (!current) {
    relevant_[index].clear();
    return;
  }
  Rows rows = *current;  // evaluated against the unchanged state, then stored back
  relevant_[index].assign(rows.rows.size(), 0);
  const bool parent_ok = IsRelevant(f.parent);
  for (size_t i = 0; i < rows.rows.size(); ++i) {
    const int row = static_cast<int>(i);
    ExprContext ctx{&effective_, &current->rows[i], nullptr, today_};
    const bool relevant = parent_ok && (!f.relevant || f.relevant->Evaluate(ctx).ToBool());
    relevant_[index][i] = relevant;
    if (!HoldsAnswer(f.type)) continue;  // a note: relevance only
    Row& target = rows.rows[i];
    if (!relevant) {
      if (const Value* v = target.Find(f.name)) {
        if (!IsBlankAnswer(*v)) to_clear_.push_back({index, row});
        EraseCell(&target, f.name);
      }
      continue;
    }
    if (!f.calculate) continue;
    Value v = CalculatedValue(f.calculate->Evaluate(ctx), f.type);
    calculated_.push_back({{index, row}, v});
    if (v.is_null()) {
      EraseCell(&target, f.name);
    } else {
      target.Set(f.name, std::move(v));
    }
  }
  it->second = Value(std::move(rows));
}

bool FormState::IsRelevant(int field, int row) const {
  if (field < 0 || static_cast<size_t>(field) >= relevant_.size()) return false;
  const std::vector<char>& r = relevant_[field];
  if (form_->fields[field].repeat < 0) return !r.empty() && r[0];
  return row >= 0 && static_cast<size_t>(row) < r.size() && r[row];
}

const Value* FormState::ValueOf(AnswerRef at) const {
  if (at.field < 0 || static_cast<size_t>(at.field) >= form_->fields.size()) return nullptr;
  const FormField& f = form_->fields[at.field];
  if (f.repeat < 0) {
    const auto it = effective_.find(f.name);
    return it == effective_.end() ? nullptr : &it->second;
  }
  const auto it = effective_.find(form_->fields[f.repeat].name);
  const Rows* rows = it == effective_.end() ? nullptr : it->second.get_if<Rows>();
  if (!rows || at.row < 0 || static_cast<size_t>(at.row) >= rows->rows.size()) return nullptr;
  return rows->rows[at.row].Find(f.name);
}

int FormState::RowCount(int repeat_field) const {
  if (repeat_field < 0 || static_cast<size_t>(repeat_field) >= form_->fields.size()) return 0;
  const auto it = effective_.find(form_->fields[repeat_field].name);
  const Rows* rows = it == effective_.end() ? nullptr : it->second.get_if<Rows>();
  return rows ? static_cast<int>(rows->rows.size()) : 0;
}

Answers FormState::WithCalculations(const Answers& answers) const {
  Answers out = answers;
  for (const auto& [at, value] : calculated_) {
    const FormField& f = form_->fields[at.field];
    if (f.repeat < 0) {
      if (value.is_null()) out.erase(f.name);
      else out[f.name] = value;
      continue;
    }
    const auto it = out.find(form_->fields[f.repeat].name);
    const Rows* current = it == out.end() ? nullptr : it->second.get_if<Rows>();
    if (!current || static_cast<size_t>(at.row) >= current->rows.size()) continue;
    Rows rows = *current;
    if (value.is_null()) EraseCell(&rows.rows[at.row], f.name);
    else rows.rows[at.row].Set(f.name, value);
    it->second = Value(std::move(rows));
  }
  return out;
}

}  // namespace homevisit::forms
