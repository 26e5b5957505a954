#include "core/forms/form.h"

namespace homevisit::forms {
namespace {

constexpr struct {
  FieldType type;
  const char* name;
} kTypeNames[] = {
    {FieldType::kText, "text"},
    {FieldType::kInteger, "integer"},
    {FieldType::kDecimal, "decimal"},
    {FieldType::kDate, "date"},
    {FieldType::kSelectOne, "select_one"},
    {FieldType::kSelectMultiple, "select_multiple"},
    {FieldType::kGeoPoint, "geopoint"},
    {FieldType::kPhoto, "photo"},
    {FieldType::kSignature, "signature"},
    {FieldType::kNote, "note"},
    {FieldType::kGroup, "group"},
    {FieldType::kRepeat, "repeat"},
};

}  // namespace

const char* FieldTypeName(FieldType type) {
  for (const auto& t : kTypeNames) {
    if (t.type == type) return t.name;
  }
  return "unknown";
}

bool ParseFieldType(std::string_view name, FieldType* out) {
  for (const auto& t : kTypeNames) {
    if (name == t.name) {
      *out = t.type;
      return true;
    }
  }
  return false;
}

bool HoldsAnswer(FieldType type) { return type != FieldType::kNote && type != FieldType::kGroup; }

const Choice* FormField::FindChoice(std::string_view code) const {
  for (const Choice& c : choices) {
    if (c.code == code) return &c;
  }
  return nullptr;
}

int Form::Find(std::string_view name) const {
  const auto it = index_by_name.find(name);
  return it == index_by_name.end() ? -1 : it->second;
}

const FormField* Form::FindField(std::string_view name) const {
  const int i = Find(name);
  return i < 0 ? nullptr : &fields[i];
}

Answers InitialAnswers(const Form& form) {
  Answers out;
  for (const FormField& f : form.fields) {
    if (f.repeat < 0 && !f.default_value.is_null()) out[f.name] = f.default_value;
  }
  return out;
}

Row NewRepeatRow(const Form& form, int repeat) {
  Row row;
  if (repeat < 0 || static_cast<size_t>(repeat) >= form.fields.size()) return row;
  for (int child : form.fields[repeat].children) {
    const FormField& f = form.fields[child];
    if (!f.default_value.is_null()) row.Set(f.name, f.default_value);
  }
  return row;
}

}  // namespace homevisit::forms
