// The record type conventions the server validates pushed writes against.
#include "core/record_types.h"

#include <gtest/gtest.h>

namespace homevisit::record_types {
namespace {

TEST(RecordTypes, BuiltinFieldsMustHoldTheirDeclaredTypeOrNull) {
  EXPECT_TRUE(CheckFieldValue(kStudent, "name", Value("龙小雨")).ok());
  EXPECT_TRUE(CheckFieldValue(kStudent, "name", Value()).ok()) << "clearing is allowed";
  EXPECT_TRUE(CheckFieldValue(kStudent, "grade", Value(3)).ok());
  EXPECT_EQ(CheckFieldValue(kStudent, "grade", Value("三")).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(CheckFieldValue(kHousehold, "categories", Value("低保")).code(),
            StatusCode::kInvalidArgument);
  EXPECT_TRUE(CheckFieldValue(kHousehold, "categories", Value(StringList{"低保"})).ok());
  EXPECT_EQ(CheckFieldValue(kVisit, "_deleted", Value(1)).code(), StatusCode::kInvalidArgument);
}

TEST(RecordTypes, FreeFieldsAcceptAnyValidValue) {
  EXPECT_TRUE(CheckFieldValue(kVisit, "household_income", Value(Decimal{"1200.50"})).ok());
  EXPECT_TRUE(CheckFieldValue(kVisit, "members", Value(Rows{})).ok());
  EXPECT_EQ(CheckFieldValue(kVisit, "income", Value(Decimal{"1e5"})).code(),
            StatusCode::kInvalidArgument);
  Rows rows;
  rows.rows.push_back(Row().Set("income", Decimal{"abc"}));
  EXPECT_EQ(CheckFieldValue(kVisit, "members", Value(rows)).code(), StatusCode::kInvalidArgument)
      << "decimals inside repeat rows are checked too";
}

TEST(RecordTypes, VisitStatusMustBeAKnownReviewState) {
  EXPECT_TRUE(CheckFieldValue(kVisit, "status", Value("submitted")).ok());
  EXPECT_FALSE(CheckFieldValue(kVisit, "status", Value("done")).ok());
  EXPECT_FALSE(CheckFieldValue(kVisit, "status", Value()).ok());
}

TEST(RecordTypes, FieldNamesAreShortIdentifiers) {
  for (const char* good : {"name", "q1", "members.income", "_deleted", "tier-2"}) {
    EXPECT_TRUE(CheckFieldValue(kVisit, good, Value(true)).ok()) << good;
  }
  for (const std::string& bad : {std::string(""), std::string("1st"), std::string("has space"),
                                std::string("_private"), std::string(65, 'a'),
                                std::string("名字")}) {
    EXPECT_EQ(CheckFieldValue(kVisit, bad, Value(1)).code(), StatusCode::kInvalidArgument) << bad;
  }
}

TEST(RecordTypes, DecimalTextIsPlainDigitsWithOptionalSignAndFraction) {
  for (const char* good : {"0", "-4.50", "123", "0.5", "1234567.89"}) {
    EXPECT_TRUE(IsValidDecimalText(good)) << good;
  }
  for (const char* bad : {"", "-", "1.", ".5", "+1", "1e5", "12,000", " 1", "1.2.3", "NaN"}) {
    EXPECT_FALSE(IsValidDecimalText(bad)) << bad;
  }
}

TEST(RecordTypes, RolesWriteWhatTheirWorkNeeds) {
  EXPECT_TRUE(CheckWriteAllowed(Role::kTeacher, kVisit, "household_income", true).ok());
  EXPECT_TRUE(CheckWriteAllowed(Role::kTeacher, kHousehold, "village", false).ok());
  EXPECT_EQ(CheckWriteAllowed(Role::kTeacher, kVisit, "tier", true).code(),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(CheckWriteAllowed(Role::kTeacher, kReview, "decision", false).code(),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(CheckWriteAllowed(Role::kCoordinator, kForm, "definition", false).code(),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(CheckWriteAllowed(Role::kAdmin, kForm, "definition", false).code(),
            StatusCode::kPermissionDenied)
      << "forms are published by the server, not pushed by a device";
  EXPECT_TRUE(CheckWriteAllowed(Role::kCoordinator, kConflict, "status", true).ok());
  EXPECT_FALSE(CheckWriteAllowed(Role::kCoordinator, kConflict, "loser", true).ok());
  EXPECT_FALSE(CheckWriteAllowed(Role::kAdmin, kConflict, "status", false).ok())
      << "only the server creates conflicts";
  EXPECT_FALSE(CheckWriteAllowed(Role::kTeacher, kConflict, "status", true).ok());
  EXPECT_FALSE(IsKnownRecordType("spaceship"));
}

}  // namespace
}  // namespace homevisit::record_types
