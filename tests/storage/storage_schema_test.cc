// Schema creation, migration and refusal of a database written by a newer build.
#include "tests/storage/storage_fixture.h"

namespace homevisit::server::testing {
namespace {

using SchemaTest = StorageTest;

TEST_P(SchemaTest, MigratingTwiceIsHarmlessAndDataSurvivesReopening) {
  ASSERT_TRUE(storage_->AddScope({"qx", "清溪县"}).ok());
  ASSERT_TRUE(storage_->Migrate().ok());
  storage_.reset();

  auto reopened = OpenStorage(url_);
  ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
  ASSERT_TRUE((*reopened)->Migrate().ok());
  auto scopes = (*reopened)->ListScopes();
  ASSERT_TRUE(scopes.ok());
  ASSERT_EQ(scopes->size(), 1u);
  EXPECT_EQ((*scopes)[0].title, "清溪县");
}

TEST_P(SchemaTest, DatabaseFromANewerBuildIsRefusedNamingBothVersions) {
  ASSERT_TRUE(storage_->AddScope({"qx", "清溪县"}).ok());
  const int ours = storage_->SchemaVersion();
  storage_.reset();
  ASSERT_TRUE(GetParam().set_schema_version(url_, ours + 1).ok());

  auto reopened = OpenStorage(url_);
  ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
  Status s = (*reopened)->Migrate();
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition) << s.ToString();
  EXPECT_NE(s.message().find(std::to_string(ours + 1)), std::string::npos) << s.message();
  EXPECT_NE(s.message().find(std::to_string(ours)), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("newer"), std::string::npos) << s.message();
  reopened->reset();

  // The refusal changed nothing: back at our version the data is intact.
  ASSERT_TRUE(GetParam().set_schema_version(url_, ours).ok());
  auto again = OpenStorage(url_);
  ASSERT_TRUE(again.ok());
  ASSERT_TRUE((*again)->Migrate().ok());
  auto scopes = (*again)->ListScopes();
  ASSERT_TRUE(scopes.ok());
  EXPECT_EQ(scopes->size(), 1u);
}

TEST_P(SchemaTest, UnknownDatabaseUrlIsRefusedClearly) {
  auto opened = OpenStorage("mysql://localhost/homevisit");
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(opened.status().message().find("sqlite:PATH"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Backends, SchemaTest, ::testing::ValuesIn(AvailableBackends()),
                         BackendName());

}  // namespace
}  // namespace homevisit::server::testing
