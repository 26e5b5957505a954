// Checks the references between fields of a parsed form and orders fields for evaluation.
//
// Reference rules (XLSForm-like, made strict so that mistakes show up when publishing):
// - ${name} names a question with an answer (not a group or a note).
// - A question inside a repeat is named plainly only from the same repeat (it means the
//   current row); elsewhere it must be aggregated: sum(${members/income}).
// - ${repeat} alone only as count(${repeat}); ${repeat/field} only inside sum()/count() and
//   only for a child of that repeat; sum() needs ${repeat/field}.
// - `.` only in a constraint.
// Evaluation order: a field comes after its parent and after every field its `relevant` or
// `calculate` reads; a cycle is an error naming the fields in it.
#include "core/forms/form_links.h"

#include <algorithm>
#include <functional>
#include <queue>

namespace homevisit::forms {
namespace {

Status Bad(const FormField& f, const char* key, const std::string& what) {
  return InvalidArgument(f.path + "." + key + ": " + what);
}

std::string RefText(const ExprReference& r) {
  return "${" + r.name + (r.cell.empty() ? "" : "/" + r.cell) + "}";
}

// The field an expression of `owner` depends on through `ref`, or an error.
Result<int> Resolve(const Form& form, const FormField& owner, const char* key,
                    const ExprReference& ref) {
  const std::string where = " (at offset " + std::to_string(ref.offset) + ")";
  const int target = form.Find(ref.name);
  if (target < 0) return Bad(owner, key, "unknown field " + RefText(ref) + where);
  const FormField& t = form.fields[target];
  using Use = ExprReference::Use;
  if (!ref.cell.empty()) {
    if (t.type != FieldType::kRepeat) {
      return Bad(owner, key, RefText(ref) + ": " + ref.name + " is not a repeat" + where);
    }
    const int cell = form.Find(ref.cell);
    if (cell < 0 || form.fields[cell].repeat != target) {
      return Bad(owner, key, RefText(ref) + ": " + ref.cell + " is not a field of " + ref.name +
                                 where);
    }
    if (!HoldsAnswer(form.fields[cell].type)) {
      return Bad(owner, key, RefText(ref) + " has no value" + where);
    }
    return cell;
  }
  if (!HoldsAnswer(t.type)) {
    return Bad(owner, key, RefText(ref) + " is a " + FieldTypeName(t.type) + " and has no value" +
                               where);
  }
  if (t.type == FieldType::kRepeat) {
    if (ref.use != Use::kCount) {
      return Bad(owner, key, RefText(ref) + " is a repeat: use count(" + RefText(ref) +
                                 ") or sum(${" + ref.name + "/field})" + where);
    }
    return target;
  }
  if (ref.use != Use::kPlain) {
    return Bad(owner, key, "sum() and count() take a repeat, not " + RefText(ref) + where);
  }
  if (t.repeat >= 0 && t.repeat != owner.repeat) {
    const std::string& rep = form.fields[t.repeat].name;
    return Bad(owner, key, RefText(ref) + " is inside repeat " + rep + ": use sum(${" + rep + "/" +
                               ref.name + "}) or count(${" + rep + "/" + ref.name + "})" + where);
  }
  return target;
}

Status CheckExpression(const Form& form, int index, const char* key,
                       const std::optional<Expression>& expr, std::vector<int>* deps) {
  if (!expr) return Status::Ok();
  const FormField& f = form.fields[index];
  if (expr->self_offset() && std::string_view(key) != "constraint") {
    return Bad(f, key, "'.' (this field's value) can only be used in a constraint (at offset " +
                           std::to_string(*expr->self_offset()) + ")");
  }
  for (const ExprReference& ref : expr->references()) {
    Result<int> target = Resolve(form, f, key, ref);
    if (!target.ok()) return target.status();
    if (deps) deps->push_back(*target);
  }
  return Status::Ok();
}

// Finds a cycle among the fields left unordered (pending > 0) for the error message:
// "a -> b -> a", and the field where it was entered.
std::string DescribeCycle(const Form& form, const std::vector<std::vector<int>>& deps,
                          const std::vector<int>& remaining_in, int* entry) {
  const size_t n = form.fields.size();
  std::vector<int> state(n, 0), stack;  // 0 unseen, 1 on stack, 2 done
  std::string found;
  std::function<bool(int)> visit = [&](int v) {
    state[v] = 1;
    stack.push_back(v);
    for (int d : deps[v]) {
      if (remaining_in[d] == 0) continue;
      if (state[d] == 1) {
        auto it = std::find(stack.begin(), stack.end(), d);
        *entry = d;
        for (; it != stack.end(); ++it) found += form.fields[*it].name + " -> ";
        found += form.fields[d].name;
        return true;
      }
      if (state[d] == 0 && visit(d)) return true;
    }
    stack.pop_back();
    state[v] = 2;
    return false;
  };
  for (size_t v = 0; v < n; ++v) {
    if (remaining_in[v] != 0 && state[v] == 0 && visit(static_cast<int>(v))) break;
  }
  return found;
}

}  // namespace

Status LinkForm(Form* form) {
  const size_t n = form->fields.size();
  // deps[i]: fields that must be evaluated before field i.
  std::vector<std::vector<int>> deps(n);
  for (size_t i = 0; i < n; ++i) {
    const FormField& f = form->fields[i];
    const int idx = static_cast<int>(i);
    if (Status s = CheckExpression(*form, idx, "relevant", f.relevant, &deps[i]); !s.ok()) return s;
    if (Status s = CheckExpression(*form, idx, "calculate", f.calculate, &deps[i]); !s.ok()) {
      return s;
    }
    if (Status s = CheckExpression(*form, idx, "constraint", f.constraint, nullptr); !s.ok()) {
      return s;
    }
    if (f.parent >= 0) deps[i].push_back(f.parent);
  }
  // Kahn's algorithm, always taking the earliest field in document order that is ready, so
  // the order is deterministic and close to what a reader expects.
  std::vector<int> pending(n, 0);
  std::vector<std::vector<int>> dependents(n);
  for (size_t i = 0; i < n; ++i) {
    for (int d : deps[i]) {
      ++pending[i];
      dependents[d].push_back(static_cast<int>(i));
    }
  }
  std::priority_queue<int, std::vector<int>, std::greater<>> ready;
  for (size_t i = 0; i < n; ++i) {
    if (pending[i] == 0) ready.push(static_cast<int>(i));
  }
  form->evaluation_order.clear();
  while (!ready.empty()) {
    const int v = ready.top();
    ready.pop();
    form->evaluation_order.push_back(v);
    for (int w : dependents[v]) {
      if (--pending[w] == 0) ready.push(w);
    }
  }
  if (form->evaluation_order.size() == n) return Status::Ok();
  int entry = 0;
  const std::string cycle = DescribeCycle(*form, deps, pending, &entry);
  return InvalidArgument(form->fields[entry].path + ": circular reference: " + cycle);
}

}  // namespace homevisit::forms
