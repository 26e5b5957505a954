// Users, scopes, devices and login throttling in the PostgreSQL backend.
#include <gtest/gtest.h>

#include "tests/pg/pg_test_support.h"

namespace homevisit::server::testing {
namespace {

class PostgresAccountsTest : public PostgresTest {
 protected:
  void SetUp() override {
    PostgresTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    storage_ = OpenMigrated();
    ASSERT_TRUE(storage_);
    ASSERT_TRUE(storage_->AddScope({"花山县", "花山县"}).ok());
    ASSERT_TRUE(storage_->AddScope({"花山县/城关镇", "城关镇"}).ok());
    ASSERT_TRUE(storage_->AddScope({"花山县/城关镇/中心小学", "中心小学"}).ok());
  }
  User Teacher(const std::string& name) {
    User u;
    u.name = name;
    u.display_name = "王老师";
    u.role = Role::kTeacher;
    u.password_hash = "$argon2id$v=19$m=65536,t=2,p=1$c2FsdA$aGFzaA";
    u.scopes = {"花山县/城关镇/中心小学"};
    return u;
  }
  std::string Token(char c) { return std::string(32, c); }
  std::unique_ptr<Storage> storage_;
};

TEST_F(PostgresAccountsTest, AUserIsFoundByNameAndIdWithItsScopes) {
  User u = Teacher("wang");
  u.scopes = {"花山县/城关镇/中心小学", "花山县/城关镇"};
  auto id = storage_->AddUser(u);
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  auto by_name = storage_->FindUser("wang");
  ASSERT_TRUE(by_name.ok() && by_name->has_value());
  EXPECT_EQ((*by_name)->id, *id);
  EXPECT_EQ((*by_name)->display_name, "王老师");
  EXPECT_EQ((*by_name)->role, Role::kTeacher);
  EXPECT_EQ((*by_name)->password_hash, u.password_hash);
  EXPECT_FALSE((*by_name)->disabled);
  EXPECT_EQ((*by_name)->scopes,
            (std::vector<std::string>{"花山县/城关镇", "花山县/城关镇/中心小学"}));
  auto by_id = storage_->GetUser(*id);
  ASSERT_TRUE(by_id.ok() && by_id->has_value());
  EXPECT_EQ((*by_id)->name, "wang");
  EXPECT_FALSE(storage_->FindUser("li")->has_value());
  EXPECT_FALSE(storage_->GetUser(*id + 1000)->has_value());
}

TEST_F(PostgresAccountsTest, ATakenNameOrAnUnknownScopeIsRefused) {
  ASSERT_TRUE(storage_->AddUser(Teacher("wang")).ok());
  EXPECT_EQ(storage_->AddUser(Teacher("wang")).status().code(), StatusCode::kAlreadyExists);
  User stray = Teacher("li");
  stray.scopes = {"花山县/别的镇"};
  auto r = storage_->AddUser(stray);
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound);
  EXPECT_NE(r.status().message().find("花山县/别的镇"), std::string::npos);
  EXPECT_FALSE(storage_->FindUser("li")->has_value());
  EXPECT_EQ(storage_->ListUsers()->size(), 1u);
}

TEST_F(PostgresAccountsTest, DisablingAndNewPasswordsApplyToKnownUsersOnly) {
  ASSERT_TRUE(storage_->AddUser(Teacher("wang")).ok());
  ASSERT_TRUE(storage_->SetUserDisabled("wang", true).ok());
  ASSERT_TRUE(storage_->SetPasswordHash("wang", "new-hash").ok());
  auto u = storage_->FindUser("wang");
  EXPECT_TRUE((*u)->disabled);
  EXPECT_EQ((*u)->password_hash, "new-hash");
  EXPECT_EQ(storage_->SetUserDisabled("nobody", true).code(), StatusCode::kNotFound);
  EXPECT_EQ(storage_->SetPasswordHash("nobody", "x").code(), StatusCode::kNotFound);
}

TEST_F(PostgresAccountsTest, AScopeNeedsAValidPathAndAnExistingParent) {
  EXPECT_EQ(storage_->AddScope({"花山县/无此镇/某校", ""}).code(), StatusCode::kNotFound);
  EXPECT_EQ(storage_->AddScope({"/lead", ""}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(storage_->AddScope({"花山县", "again"}).code(), StatusCode::kAlreadyExists);
  ASSERT_TRUE(storage_->AddScope({"花山县/城关镇/二小", "第二小学"}).ok());
  auto scopes = storage_->ListScopes();
  ASSERT_TRUE(scopes.ok());
  ASSERT_EQ(scopes->size(), 4u);
  EXPECT_EQ((*scopes)[0].path, "花山县");
}

TEST_F(PostgresAccountsTest, ReEnrollingADeviceKeepsItsNodeAndReplacesItsToken) {
  auto uid = storage_->AddUser(Teacher("wang"));
  auto first = storage_->EnrollDevice("dev-1", *uid, "王老师的手机", Token('a'), 1000);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_GE(first->node, 1u);
  EXPECT_EQ(first->enrolled_ms, 1000);
  auto again = storage_->EnrollDevice("dev-1", *uid, "王老师的新手机", Token('b'), 2000);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->node, first->node);
  EXPECT_EQ(again->enrolled_ms, 1000);
  EXPECT_EQ(again->last_seen_ms, 2000);
  EXPECT_EQ(again->name, "王老师的新手机");
  EXPECT_FALSE(storage_->FindDeviceByToken(Token('a'))->has_value()) << "old token is dead";
  auto found = storage_->FindDeviceByToken(Token('b'));
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_EQ((*found)->device_id, "dev-1");
  EXPECT_EQ((*found)->user_id, *uid);
  auto other = storage_->EnrollDevice("dev-2", *uid, "平板", Token('c'), 3000);
  ASSERT_TRUE(other.ok());
  EXPECT_NE(other->node, first->node);
  EXPECT_EQ(storage_->ListDevices()->size(), 2u);
}

TEST_F(PostgresAccountsTest, ADeviceOfAnotherUserOrARevokedDeviceCannotEnroll) {
  auto wang = storage_->AddUser(Teacher("wang"));
  auto li = storage_->AddUser(Teacher("li"));
  ASSERT_TRUE(storage_->EnrollDevice("dev-1", *wang, "phone", Token('a'), 1000).ok());
  EXPECT_EQ(storage_->EnrollDevice("dev-1", *li, "phone", Token('b'), 2000).status().code(),
            StatusCode::kPermissionDenied);
  ASSERT_TRUE(storage_->RevokeDevice("dev-1").ok());
  EXPECT_EQ(storage_->EnrollDevice("dev-1", *wang, "phone", Token('c'), 3000).status().code(),
            StatusCode::kPermissionDenied);
  auto revoked = storage_->FindDeviceByToken(Token('a'));
  ASSERT_TRUE(revoked->has_value()) << "a revoked device is still recognised, to be wiped";
  EXPECT_TRUE((*revoked)->revoked);
  EXPECT_EQ(storage_->RevokeDevice("dev-unknown").code(), StatusCode::kNotFound);
}

TEST_F(PostgresAccountsTest, TouchingADeviceMovesLastSeenForwardOnly) {
  auto uid = storage_->AddUser(Teacher("wang"));
  auto dev = storage_->EnrollDevice("dev-1", *uid, "phone", Token('a'), 1000);
  ASSERT_TRUE(storage_->TouchDevice(dev->node, 5000).ok());
  ASSERT_TRUE(storage_->TouchDevice(dev->node, 4000).ok());
  EXPECT_EQ((*storage_->FindDeviceByToken(Token('a')))->last_seen_ms, 5000);
}

TEST_F(PostgresAccountsTest, LoginFailuresAreCountedWithinTheWindowAndCleared) {
  const int64_t window = 60000;
  EXPECT_EQ(*storage_->AddLoginFailure("user:wang", 1000, window), 1);
  EXPECT_EQ(*storage_->AddLoginFailure("user:wang", 2000, window), 2);
  EXPECT_EQ(*storage_->AddLoginFailure("peer:10.0.0.1", 2000, window), 1);
  EXPECT_EQ(*storage_->CountLoginFailures("user:wang", 3000, window), 2);
  EXPECT_EQ(*storage_->CountLoginFailures("user:wang", 61500, window), 1) << "first expired";
  EXPECT_EQ(*storage_->AddLoginFailure("user:wang", 61500, window), 2);
  ASSERT_TRUE(storage_->ClearLoginFailures("user:wang").ok());
  EXPECT_EQ(*storage_->CountLoginFailures("user:wang", 61500, window), 0);
  EXPECT_EQ(*storage_->CountLoginFailures("peer:10.0.0.1", 3000, window), 1);
}

TEST_F(PostgresAccountsTest, StatsCountUsersAndDevices) {
  auto uid = storage_->AddUser(Teacher("wang"));
  ASSERT_TRUE(storage_->AddUser(Teacher("li")).ok());
  ASSERT_TRUE(storage_->EnrollDevice("dev-1", *uid, "phone", Token('a'), 1000).ok());
  auto stats = storage_->GetStats();
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_EQ(stats->users, 2);
  EXPECT_EQ(stats->devices, 1);
  EXPECT_EQ(stats->last_seq, 0u);
}

}  // namespace
}  // namespace homevisit::server::testing
