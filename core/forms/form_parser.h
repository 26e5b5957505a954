// Parsing a form definition (JSON text) into a Form. No I/O: the caller reads the file.
//
// The definition:
//   { "id": "home_visit", "version": 1, "title": {"zh": "...", "en": "..."},
//     "fields": [ { "name": "age", "type": "integer", "label": {"zh": "...", "en": "..."},
//                   "hint": {...}, "required": true, "min": 0, "max": 120,
//                   "relevant": "${met} != ''", "constraint": ". < 100",
//                   "constraint_message": {...}, "calculate": "...", "default": 0,
//                   "choices": [{"code": "a", "label": {...}}], "regex": "^[0-9]+$",
//                   "regex_message": {...}, "children": [ ...fields... ] } ] }
// Unknown keys are errors (a typo must not silently drop a rule); keys that do not apply
// to a field's type are errors too.
#pragma once

#include <string_view>

#include "core/forms/form.h"
#include "core/status.h"

namespace homevisit::forms {

// Size limits of a definition; larger input is refused before it is parsed.
inline constexpr size_t kMaxDefinitionBytes = 1 << 20;
inline constexpr int kMaxJsonDepth = 32;
inline constexpr size_t kMaxFields = 1000;
inline constexpr size_t kMaxChoices = 500;

// The Form, or InvalidArgument whose message starts with the path of the bad element and
// says what is wrong with it, e.g. "fields[3].choices[1].code: missing" or
// "fields[7].relevant: at offset 12: expected ')' but found end of expression". A JSON
// syntax error names its byte offset.
Result<Form> ParseForm(std::string_view json_text);

// Whether a question may not be called this: a bookkeeping field of a visit record (status,
// review fields, form_id, form_version, student_id, household_id, author) or a name
// starting with '_'.
bool IsReservedFieldName(std::string_view name);

}  // namespace homevisit::forms
