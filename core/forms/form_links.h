// Second pass of form parsing: references between fields and the evaluation order.
#pragma once

#include "core/forms/form.h"
#include "core/status.h"

namespace homevisit::forms {

// Checks every expression's references against the form's fields and fills
// form->evaluation_order. InvalidArgument names the path of the bad expression
// ("fields[4].calculate: unknown field ${incme} (at offset 4)") or of a field in a cycle
// ("fields[2]: circular reference: a -> b -> a").
Status LinkForm(Form* form);

}  // namespace homevisit::forms
