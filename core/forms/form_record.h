// Forms travel as records of type "form" (one record per form version) and visits name the
// form version they were recorded with. This is the mapping between a Form and those record
// fields; publishing and storing them is the server's and the app's business.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "core/forms/expression.h"
#include "core/forms/form.h"
#include "core/record.h"
#include "core/status.h"
#include "core/uuid.h"

namespace homevisit::forms {

inline constexpr char kFormRecordType[] = "form";
// Fields of a form record.
inline constexpr char kFormIdField[] = "form_id";            // text: "home_visit"
inline constexpr char kFormVersionField[] = "version";       // integer: 1, 2, ...
inline constexpr char kFormTitleZhField[] = "title_zh";      // text
inline constexpr char kFormTitleEnField[] = "title_en";      // text
inline constexpr char kFormDefinitionField[] = "definition";  // text: the JSON definition
// Built-in fields of a visit record naming the form version its answers follow.
inline constexpr char kVisitFormIdField[] = "form_id";            // text
inline constexpr char kVisitFormVersionField[] = "form_version";  // integer

// The record id of a form version: derived from (form id, version), so publishing the same
// version twice, from anywhere, addresses the same record.
Uuid FormRecordId(std::string_view form_id, int64_t version);

// The fields a form record holds for this form.
std::map<std::string, Value> FormToRecordFields(const Form& form);

// The form a form record holds: parses its definition and checks that the id, version and
// titles stored beside it agree with it. InvalidArgument naming the field otherwise.
Result<Form> FormFromRecordFields(const std::map<std::string, Value>& fields);
// The same from a record as a replica holds it (type must be "form").
Result<Form> FormFromRecord(const Record& record);

// The answers of a visit record: the values of the form's top-level questions (including
// repeats and calculated fields). Built-in fields (status, review fields, ...) are left out.
Answers AnswersFromRecord(const Form& form, const Record& visit);

}  // namespace homevisit::forms
