// libFuzzer target: form definitions. Any input must give a Form or an error naming where
// the problem is, never a crash; a parsed form must keep its invariants.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/forms/form_parser.h"
#include "core/forms/validate.h"

using namespace homevisit;
using namespace homevisit::forms;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  Result<Form> form = ParseForm(text);
  if (!form.ok()) {
    if (form.status().message().empty()) std::abort();  // every refusal says why
    return 0;
  }
  // The stored definition parses again, to the same stored definition.
  Result<Form> again = ParseForm(form->definition);
  if (!again.ok() || again->definition != form->definition ||
      again->fields.size() != form->fields.size()) {
    std::abort();
  }
  // The evaluation order is a permutation with every field after its parent.
  std::vector<int> position(form->fields.size(), -1);
  if (form->evaluation_order.size() != form->fields.size()) std::abort();
  for (size_t i = 0; i < form->evaluation_order.size(); ++i) {
    const int f = form->evaluation_order[i];
    if (f < 0 || static_cast<size_t>(f) >= position.size() || position[f] != -1) std::abort();
    position[f] = static_cast<int>(i);
  }
  for (size_t i = 0; i < form->fields.size(); ++i) {
    const int parent = form->fields[i].parent;
    if (parent >= 0 && position[parent] > position[i]) std::abort();
  }
  // Validation is total for an empty visit and for a visit of the defaults.
  Answers defaults;
  for (const FormField& f : form->fields) {
    if (!f.default_value.is_null()) defaults[f.name] = f.default_value;
  }
  (void)ValidateVisit(*form, {}, Date{20000});
  (void)ValidateVisit(*form, defaults, Date{20000});
  return 0;
}
