#include "core/review.h"

#include <gtest/gtest.h>

namespace homevisit {
namespace {

TEST(VisitReview, TeacherSubmitsAndResubmits) {
  EXPECT_TRUE(CheckVisitStatusMove("draft", "submitted", Role::kTeacher).ok());
  EXPECT_TRUE(CheckVisitStatusMove("returned", "resubmitted", Role::kTeacher).ok());
}

TEST(VisitReview, OnlyCoordinatorsDecide) {
  for (const char* to : {"approved", "returned", "rejected"}) {
    EXPECT_EQ(CheckVisitStatusMove("submitted", to, Role::kTeacher).code(),
              StatusCode::kPermissionDenied) << to;
    EXPECT_TRUE(CheckVisitStatusMove("submitted", to, Role::kCoordinator).ok()) << to;
    EXPECT_TRUE(CheckVisitStatusMove("resubmitted", to, Role::kAdmin).ok()) << to;
  }
}

TEST(VisitReview, ForbiddenMovesAreRefusedForEveryone) {
  for (Role r : {Role::kTeacher, Role::kCoordinator, Role::kAdmin}) {
    EXPECT_EQ(CheckVisitStatusMove("draft", "approved", r).code(), StatusCode::kFailedPrecondition);
    EXPECT_EQ(CheckVisitStatusMove("rejected", "submitted", r).code(),
              StatusCode::kFailedPrecondition);
    EXPECT_EQ(CheckVisitStatusMove("approved", "draft", r).code(), StatusCode::kFailedPrecondition);
  }
  EXPECT_EQ(CheckVisitStatusMove("draft", "done", Role::kAdmin).code(), StatusCode::kInvalidArgument);
}

TEST(VisitReview, SameStatusIsNotAMove) {
  EXPECT_TRUE(CheckVisitStatusMove("approved", "approved", Role::kTeacher).ok());
}

TEST(VisitReview, ApprovedLockCoversSurveyFieldsNotReviewFields) {
  EXPECT_TRUE(IsLockedVisitField("household_income"));
  EXPECT_FALSE(IsLockedVisitField("status"));
  EXPECT_FALSE(IsLockedVisitField("tier"));
}

TEST(Role, ParsesNames) {
  Role r;
  ASSERT_TRUE(ParseRole("coordinator", &r));
  EXPECT_EQ(r, Role::kCoordinator);
  EXPECT_FALSE(ParseRole("root", &r));
  EXPECT_STREQ(RoleName(Role::kTeacher), "teacher");
}

}  // namespace
}  // namespace homevisit
