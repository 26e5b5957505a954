#include "core/review.h"

#include <array>
#include <string>

namespace homevisit {

const char* RoleName(Role role) {
  switch (role) {
    case Role::kTeacher: return "teacher";
    case Role::kCoordinator: return "coordinator";
    case Role::kAdmin: return "admin";
  }
  return "?";
}

bool ParseRole(std::string_view text, Role* out) {
  if (text == "teacher") *out = Role::kTeacher;
  else if (text == "coordinator") *out = Role::kCoordinator;
  else if (text == "admin") *out = Role::kAdmin;
  else return false;
  return true;
}

namespace {
struct Move {
  std::string_view from, to;
  bool teacher_may;
};
constexpr std::array<Move, 9> kMoves = {{
    {"draft", "submitted", true},
    {"submitted", "returned", false},
    {"submitted", "approved", false},
    {"submitted", "rejected", false},
    {"returned", "resubmitted", true},
    {"resubmitted", "returned", false},
    {"resubmitted", "approved", false},
    {"resubmitted", "rejected", false},
    {"approved", "returned", false},  // an objection during the public notice reopens review
}};
}  // namespace

bool IsKnownVisitStatus(std::string_view s) {
  return s == "draft" || s == "submitted" || s == "returned" || s == "resubmitted" ||
         s == "approved" || s == "rejected";
}

Status CheckVisitStatusMove(std::string_view from, std::string_view to, Role role) {
  if (!IsKnownVisitStatus(to)) {
    return InvalidArgument("unknown visit status '" + std::string(to) + "'");
  }
  if (from == to) return Status::Ok();
  for (const Move& m : kMoves) {
    if (m.from != from || m.to != to) continue;
    if (!m.teacher_may && role == Role::kTeacher) {
      return PermissionDenied("only a coordinator may move a visit from " + std::string(from) +
                              " to " + std::string(to));
    }
    return Status::Ok();
  }
  return FailedPrecondition("a visit cannot move from " + std::string(from) + " to " +
                            std::string(to));
}

bool IsLockedVisitField(std::string_view field) {
  return !(field == kVisitStatusField || field == "review_comment" || field == "tier" ||
           field == "reviewed_by" || field == "reviewed_at");
}

}  // namespace homevisit
