// The review workflow of a visit (DOMAIN.md step 4), as a pure state machine.
//
//            teacher            coordinator
//   draft ──submit──▶ submitted ──approve──▶ approved ──reopen (objection in 公示)──▶ returned
//                        │  └────reject───▶ rejected
//                        └─return─▶ returned ──resubmit (teacher)──▶ resubmitted
//                                      ▲                                │
//                                      └──────────return────────────────┤
//                                           approve / reject ───────────┘
//
// Invariants: a status only moves along an edge above; teachers move only draft→submitted
// and returned→resubmitted; coordinators and admins move the review edges (and may also do
// the teacher's); writing the same status again is not a move and always allowed.
// Survey fields of an approved visit are locked: a teacher's later write does not change
// them but is kept as a conflict for review (see IsLockedVisitField).
#pragma once

#include <string_view>

#include "core/status.h"

namespace homevisit {

enum class Role { kTeacher = 1, kCoordinator = 2, kAdmin = 3 };
const char* RoleName(Role role);
// "teacher" / "coordinator" / "admin"; false on anything else.
bool ParseRole(std::string_view text, Role* out);

inline constexpr char kVisitStatusField[] = "status";

bool IsKnownVisitStatus(std::string_view status);
// Ok, or FailedPrecondition / PermissionDenied naming the move and why.
Status CheckVisitStatusMove(std::string_view from, std::string_view to, Role role);
// Fields a teacher may no longer change once the visit is approved: everything except the
// review bookkeeping written by coordinators.
bool IsLockedVisitField(std::string_view field);

}  // namespace homevisit
