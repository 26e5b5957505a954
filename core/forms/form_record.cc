#include "core/forms/form_record.h"

#include "core/forms/form_parser.h"

namespace homevisit::forms {

Uuid FormRecordId(std::string_view form_id, int64_t version) {
  return Uuid::Derived("form/" + std::string(form_id) + "/" + std::to_string(version));
}

std::map<std::string, Value> FormToRecordFields(const Form& form) {
  return {
      {kFormIdField, Value(form.id)},
      {kFormVersionField, Value(form.version)},
      {kFormTitleZhField, Value(form.title.zh)},
      {kFormTitleEnField, Value(form.title.en)},
      {kFormDefinitionField, Value(form.definition)},
  };
}

namespace {

const Value* Find(const std::map<std::string, Value>& fields, const char* name) {
  const auto it = fields.find(name);
  return it == fields.end() ? nullptr : &it->second;
}

Status Mismatch(const char* field) {
  return InvalidArgument(std::string("form record field ") + field +
                         " does not match the definition");
}

}  // namespace

Result<Form> FormFromRecordFields(const std::map<std::string, Value>& fields) {
  const Value* definition = Find(fields, kFormDefinitionField);
  const std::string* text = definition ? definition->get_if<std::string>() : nullptr;
  if (!text) return InvalidArgument("form record has no text field definition");
  Result<Form> form = ParseForm(*text);
  if (!form.ok()) return InvalidArgument("form record definition: " + form.status().message());
  const Value* id = Find(fields, kFormIdField);
  if (!id || *id != Value(form->id)) return Mismatch(kFormIdField);
  const Value* version = Find(fields, kFormVersionField);
  if (!version || *version != Value(form->version)) return Mismatch(kFormVersionField);
  const Value* zh = Find(fields, kFormTitleZhField);
  if (zh && *zh != Value(form->title.zh)) return Mismatch(kFormTitleZhField);
  const Value* en = Find(fields, kFormTitleEnField);
  if (en && *en != Value(form->title.en)) return Mismatch(kFormTitleEnField);
  return form;
}

Result<Form> FormFromRecord(const Record& record) {
  if (record.type != kFormRecordType) {
    return InvalidArgument("record of type '" + record.type + "' is not a form");
  }
  std::map<std::string, Value> fields;
  for (const auto& [name, fv] : record.fields) fields.emplace(name, fv.value);
  return FormFromRecordFields(fields);
}

Answers AnswersFromRecord(const Form& form, const Record& visit) {
  Answers out;
  for (const FormField& f : form.fields) {
    if (f.repeat >= 0 || !HoldsAnswer(f.type)) continue;
    if (const FieldVersion* fv = visit.Find(f.name)) out.emplace(f.name, fv->value);
  }
  return out;
}

}  // namespace homevisit::forms
