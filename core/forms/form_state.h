// The state of a form for a set of answers: which questions are relevant (per repeat row)
// and what the calculated fields hold. The form renderer recomputes it after each edit;
// validation (validate.h) checks answers against it.
//
// Semantics (as in XLSForm): a question is relevant when its parent is relevant and its
// `relevant` expression is true (or absent). A question that is not relevant has no answer
// as far as every other expression is concerned, so a relevance chain (a → b → c) collapses
// correctly. Calculations are recomputed from the answers; a calculation whose result is
// empty or NaN leaves the field empty. Fields are visited in Form::evaluation_order, so
// each expression sees the final state of everything it reads.
#pragma once

#include <string>
#include <vector>

#include "core/forms/expression.h"
#include "core/forms/form.h"

namespace homevisit::forms {

// One answer's place: a top-level question (row -1) or a cell of a repeat row.
struct AnswerRef {
  int field = -1;  // index into Form::fields
  int row = -1;    // row of the enclosing repeat, from 0; -1 outside repeats
  bool operator==(const AnswerRef&) const = default;
};
// "visit_date", or "members[1].age" for row 1 (counted from 0) of repeat members.
std::string AnswerPath(const Form& form, AnswerRef at);

// Whether an answer counts as given: not null, not blank text, not an empty list or
// repeat, not an empty decimal.
bool IsBlankAnswer(const Value& value);

class FormState {
 public:
  // Evaluates relevance and calculations. today is what today() returns. The form must
  // outlive the state.
  static FormState Compute(const Form& form, const Answers& answers, Date today);

  const Form& form() const { return *form_; }
  Date today() const { return today_; }

  // Whether the question (for a repeat child: in that row) is relevant. False for an
  // unknown field or row.
  bool IsRelevant(int field, int row = -1) const;
  // The answers as expressions see them: answers of questions that are not relevant
  // removed, calculated fields filled in. This is what a submitted visit should hold.
  const Answers& effective() const { return effective_; }
  // An answer in effective(); nullptr when there is none.
  const Value* ValueOf(AnswerRef at) const;
  // Number of rows of a repeat in effective() (0 when it is not relevant or not rows).
  int RowCount(int repeat_field) const;
  // Given answers of questions that are not relevant: they should be cleared.
  const std::vector<AnswerRef>& to_clear() const { return to_clear_; }
  // The input answers with calculated fields updated and nothing removed: what a draft
  // should hold (a user who flips a question back finds the answers below it again).
  Answers WithCalculations(const Answers& answers) const;

 private:
  FormState(const Form& form, Date today) : form_(&form), today_(today) {}
  void VisitTopLevel(int index);
  void VisitRepeatChild(int index);

  const Form* form_;
  Date today_;
  Answers effective_;
  std::vector<std::vector<char>> relevant_;  // per field: one entry, or one per row
  std::vector<AnswerRef> to_clear_;
  std::vector<std::pair<AnswerRef, Value>> calculated_;
};

// The stored value of a calculation result for a field of this type: integer (rounded),
// decimal (at most 6 fraction digits, canonical text), text, or date; Null when the result
// is empty, NaN, or does not fit the type.
Value CalculatedValue(const ExprValue& result, FieldType type);

}  // namespace homevisit::forms
