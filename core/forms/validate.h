// Validation of a visit's answers against the form version it was recorded with. The same
// code runs in the app (live, per question) and on the server (a submitted visit that does
// not validate is rejected with these messages).
//
// Rules, for each relevant question (for repeat children: in each row):
//   required  a blank answer (see IsBlankAnswer) to a required question;
//   type      the value is not of the question's type;
//   choice    a code that is not one of the choices, or chosen twice;
//   min/max   integer/decimal value, text length in characters, number of choices chosen,
//             number of repeat rows;
//   regex     text that does not match (or is longer than kMaxRegexInput bytes);
//   invalid   a location outside the globe, an attachment reference that is not a SHA-256,
//             a repeat row holding a cell the form does not have;
//   constraint the constraint expression is false (checked only for non-blank answers).
// A question that is not relevant is never required and never checked; an answer given to
// it is listed in to_clear. One message per answer: the first rule broken, in that order.
// Messages never contain the answer itself (answers are about children).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/forms/form.h"
#include "core/forms/form_state.h"

namespace homevisit::forms {

struct FieldMessage {
  AnswerRef at;
  std::string path;  // AnswerPath(): "visit_date", "members[1].age"
  std::string rule;  // "required", "type", "choice", "min", "max", "regex", "invalid", "constraint"
  LocalizedText text;
};

// The message for one answer in the given state, or nullopt when it is fine (or the
// question is not relevant). For the renderer's live checks.
std::optional<FieldMessage> CheckAnswer(const FormState& state, AnswerRef at);

struct VisitValidation {
  std::vector<FieldMessage> messages;  // in form order, rows in order
  std::vector<AnswerRef> to_clear;     // answers given to questions that are not relevant
  Answers effective;                   // the answers as they should be stored (FormState)
  bool ok() const { return messages.empty(); }
};

// Validates a visit's answers. today is what today() returns (the server passes its date;
// a constraint such as ". <= today()" should allow for the device being a time zone ahead).
VisitValidation ValidateVisit(const Form& form, const Answers& answers, Date today);

// One line for a rejection reason: "members[1].age: 不能大于 120 (Must be at most 120); ...".
// At most max_messages messages, then "… and N more".
std::string DescribeMessages(const VisitValidation& validation, size_t max_messages = 20);

}  // namespace homevisit::forms
