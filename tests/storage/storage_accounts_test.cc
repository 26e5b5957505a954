// Users, scopes, devices and login throttling.
#include "tests/storage/storage_fixture.h"

namespace homevisit::server::testing {
namespace {

class AccountsTest : public StorageTest {
 protected:
  void SetUp() override {
    StorageTest::SetUp();
    ASSERT_TRUE(storage_->AddScope({"qx", "清溪县"}).ok());
    ASSERT_TRUE(storage_->AddScope({"qx/hs", "花山镇"}).ok());
    ASSERT_TRUE(storage_->AddScope({"qx/hs/s1", "花山镇中心小学"}).ok());
  }
  int64_t AddTeacher(const std::string& name) {
    User u;
    u.name = name;
    u.display_name = "王老师";
    u.role = Role::kTeacher;
    u.password_hash = "$argon2id$v=19$fake";
    u.scopes = {"qx/hs/s1"};
    auto id = storage_->AddUser(u);
    EXPECT_TRUE(id.ok()) << id.status().ToString();
    return id.ok() ? *id : 0;
  }
  static std::string Token(char c) { return std::string(32, c); }
};

TEST_P(AccountsTest, ScopeNeedsItsParentAndAValidPath) {
  EXPECT_EQ(storage_->AddScope({"qx/lt/s1", "龙潭小学"}).code(), StatusCode::kNotFound);
  EXPECT_EQ(storage_->AddScope({"qx//x", "bad"}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(storage_->AddScope({"qx/hs", "again"}).code(), StatusCode::kAlreadyExists);
  ASSERT_TRUE(storage_->AddScope({"qx/lt", "龙潭乡"}).ok());
  ASSERT_TRUE(storage_->AddScope({"qx/lt/s1", "龙潭小学"}).ok());
  auto scopes = storage_->ListScopes();
  ASSERT_TRUE(scopes.ok());
  std::string paths;
  for (const ScopeRow& s : *scopes) paths += s.path + " ";
  EXPECT_EQ(paths, "qx qx/hs qx/hs/s1 qx/lt qx/lt/s1 ");
}

TEST_P(AccountsTest, UserIsStoredWithRoleScopesAndHash) {
  const int64_t id = AddTeacher("wang");
  auto found = storage_->FindUser("wang");
  ASSERT_TRUE(found.ok() && *found);
  EXPECT_EQ((*found)->id, id);
  EXPECT_EQ((*found)->display_name, "王老师");
  EXPECT_EQ((*found)->role, Role::kTeacher);
  EXPECT_EQ((*found)->password_hash, "$argon2id$v=19$fake");
  EXPECT_EQ((*found)->scopes, std::vector<std::string>{"qx/hs/s1"});
  EXPECT_FALSE((*found)->disabled);
  auto by_id = storage_->GetUser(id);
  ASSERT_TRUE(by_id.ok() && *by_id);
  EXPECT_EQ((*by_id)->name, "wang");
  EXPECT_FALSE(*storage_->FindUser("nobody"));
  EXPECT_FALSE(*storage_->GetUser(id + 100));
}

TEST_P(AccountsTest, TakenNameOrUnknownScopeAddsNoUser) {
  AddTeacher("wang");
  User dup;
  dup.name = "wang";
  dup.password_hash = "x";
  EXPECT_EQ(storage_->AddUser(dup).status().code(), StatusCode::kAlreadyExists);
  User lost;
  lost.name = "li";
  lost.password_hash = "x";
  lost.scopes = {"qx/hs/s1", "qx/nowhere"};
  EXPECT_EQ(storage_->AddUser(lost).status().code(), StatusCode::kNotFound);
  EXPECT_FALSE(*storage_->FindUser("li"));
  EXPECT_EQ(storage_->ListUsers()->size(), 1u);
}

TEST_P(AccountsTest, UserCanBeDisabledAndGetANewPassword) {
  AddTeacher("wang");
  ASSERT_TRUE(storage_->SetUserDisabled("wang", true).ok());
  EXPECT_TRUE((*storage_->FindUser("wang"))->disabled);
  ASSERT_TRUE(storage_->SetUserDisabled("wang", false).ok());
  EXPECT_FALSE((*storage_->FindUser("wang"))->disabled);
  ASSERT_TRUE(storage_->SetPasswordHash("wang", "new-hash").ok());
  EXPECT_EQ((*storage_->FindUser("wang"))->password_hash, "new-hash");
  EXPECT_EQ(storage_->SetUserDisabled("nobody", true).code(), StatusCode::kNotFound);
  EXPECT_EQ(storage_->SetPasswordHash("nobody", "x").code(), StatusCode::kNotFound);
}

TEST_P(AccountsTest, DeviceEnrolmentAssignsStableNodesAndReplacesTokens) {
  const int64_t wang = AddTeacher("wang");
  const int64_t li = AddTeacher("li");
  auto a = storage_->EnrollDevice("dev-a", wang, "王老师的手机", Token('a'), 1000);
  auto b = storage_->EnrollDevice("dev-b", li, "李老师的手机", Token('b'), 1000);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_GE(a->node, 1u) << "node 0 is the server";
  EXPECT_NE(a->node, b->node);

  auto again = storage_->EnrollDevice("dev-a", wang, "王老师的手机", Token('c'), 2000);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->node, a->node) << "a device keeps its node across logins";
  EXPECT_FALSE(*storage_->FindDeviceByToken(Token('a'))) << "the old token must stop working";
  auto found = storage_->FindDeviceByToken(Token('c'));
  ASSERT_TRUE(found.ok() && *found);
  EXPECT_EQ((*found)->device_id, "dev-a");
  EXPECT_EQ((*found)->user_id, wang);

  EXPECT_EQ(storage_->EnrollDevice("dev-a", li, "x", Token('d'), 3000).status().code(),
            StatusCode::kPermissionDenied);
}

TEST_P(AccountsTest, RevokedDeviceIsMarkedAndCannotEnrolAgain) {
  const int64_t wang = AddTeacher("wang");
  ASSERT_TRUE(storage_->EnrollDevice("dev-a", wang, "phone", Token('a'), 1000).ok());
  ASSERT_TRUE(storage_->RevokeDevice("dev-a").ok());
  auto found = storage_->FindDeviceByToken(Token('a'));
  ASSERT_TRUE(found.ok() && *found);
  EXPECT_TRUE((*found)->revoked);
  EXPECT_EQ(storage_->EnrollDevice("dev-a", wang, "phone", Token('b'), 2000).status().code(),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(storage_->RevokeDevice("dev-unknown").code(), StatusCode::kNotFound);
}

TEST_P(AccountsTest, TouchingADeviceRecordsWhenItWasLastSeen) {
  const int64_t wang = AddTeacher("wang");
  auto a = storage_->EnrollDevice("dev-a", wang, "phone", Token('a'), 1000);
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(storage_->TouchDevice(a->node, 5000).ok());
  auto devices = storage_->ListDevices();
  ASSERT_TRUE(devices.ok());
  ASSERT_EQ(devices->size(), 1u);
  EXPECT_EQ((*devices)[0].last_seen_ms, 5000);
  EXPECT_EQ((*devices)[0].enrolled_ms, 1000);
}

TEST_P(AccountsTest, LoginFailuresAreCountedPerKeyWithinTheWindow) {
  const int64_t window = 60000;
  EXPECT_EQ(*storage_->AddLoginFailure("user:wang", 1000, window), 1);
  EXPECT_EQ(*storage_->AddLoginFailure("user:wang", 2000, window), 2);
  EXPECT_EQ(*storage_->AddLoginFailure("peer:10.0.0.1", 2000, window), 1);
  EXPECT_EQ(*storage_->CountLoginFailures("user:wang", 3000, window), 2);
  EXPECT_EQ(*storage_->CountLoginFailures("user:wang", 61500, window), 1) << "one aged out";
  EXPECT_EQ(*storage_->AddLoginFailure("user:wang", 70000, window), 1);
  ASSERT_TRUE(storage_->ClearLoginFailures("user:wang").ok());
  EXPECT_EQ(*storage_->CountLoginFailures("user:wang", 70001, window), 0);
  EXPECT_EQ(*storage_->CountLoginFailures("peer:10.0.0.1", 3000, window), 1);
}

INSTANTIATE_TEST_SUITE_P(Backends, AccountsTest, ::testing::ValuesIn(AvailableBackends()),
                         BackendName());

}  // namespace
}  // namespace homevisit::server::testing
