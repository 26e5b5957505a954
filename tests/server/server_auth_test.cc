// Login, tokens, throttling, revoked devices and disabled users, against a real server.
#include "sync-server/auth.h"
#include "tests/server/server_harness.h"

namespace homevisit::server::testing {
namespace {

using AuthTest = ServerTest;

v1::PushRequest OneWrite(TestDevice& device, uint64_t batch_seq) {
  v1::PushRequest request;
  request.set_batch_seq(batch_seq);
  auto* record = AddRecord(request, NewRecordId(), "household", kSchoolA);
  AddField(record, "village", Value("花山村"), device.NextHlc());
  return request;
}

TEST_P(AuthTest, LoginWithTheRightPasswordReturnsTokenRoleScopesAndNode) {
  auto device = NewDevice();
  v1::LoginResponse response;
  grpc::Status status = device->Login("teacher_a", kPassword, &response);
  ASSERT_TRUE(status.ok()) << Describe(status);
  EXPECT_EQ(response.token().size(), 32u);
  EXPECT_EQ(response.role(), v1::ROLE_TEACHER);
  ASSERT_EQ(response.scopes_size(), 1);
  EXPECT_EQ(response.scopes(0), kSchoolA);
  EXPECT_GE(response.node(), 1u);
  EXPECT_EQ(response.display_name(), "teacher_a");
  EXPECT_NEAR(static_cast<double>(response.server_time_ms()),
              static_cast<double>(HybridClock::SystemMillis()), 60000.0);
  // The server keeps the token's SHA-256 only.
  EXPECT_TRUE(*storage_->FindDeviceByToken(TokenDigest(response.token())));
  EXPECT_FALSE(*storage_->FindDeviceByToken(response.token()));
}

TEST_P(AuthTest, WrongPasswordAndUnknownUserAreUnauthenticatedAlike) {
  auto device = NewDevice();
  grpc::Status wrong = device->Login("teacher_a", "not the password");
  grpc::Status unknown = device->Login("nobody", kPassword);
  EXPECT_EQ(wrong.error_code(), grpc::StatusCode::UNAUTHENTICATED) << Describe(wrong);
  EXPECT_EQ(unknown.error_code(), grpc::StatusCode::UNAUTHENTICATED) << Describe(unknown);
  EXPECT_EQ(wrong.error_message(), unknown.error_message()) << "must not reveal which names exist";
  EXPECT_TRUE(storage_->ListDevices()->empty());
}

TEST_P(AuthTest, RepeatedFailuresThrottleTheUserEvenWithTheRightPassword) {
  auto device = NewDevice();
  for (int i = 0; i < options_.limits.max_failed_logins_per_user; ++i) {
    EXPECT_EQ(device->Login("teacher_a", "guess " + std::to_string(i)).error_code(),
              grpc::StatusCode::UNAUTHENTICATED);
  }
  grpc::Status throttled = device->Login("teacher_a", kPassword);
  EXPECT_EQ(throttled.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << Describe(throttled);
  EXPECT_NE(throttled.error_message().find("too many failed logins"), std::string::npos);
  // Another user from the same address is not locked out by someone else's failures.
  grpc::Status other = NewDevice()->Login("teacher_b", kPassword);
  EXPECT_TRUE(other.ok()) << Describe(other);
}

TEST_P(AuthTest, SuccessfulLoginForgetsTheUsersEarlierFailures) {
  auto device = NewDevice();
  const int limit = options_.limits.max_failed_logins_per_user;
  for (int round = 0; round < 2; ++round) {
    for (int i = 0; i + 1 < limit; ++i) EXPECT_FALSE(device->Login("teacher_a", "guess").ok());
    grpc::Status status = device->Login("teacher_a", kPassword);
    EXPECT_TRUE(status.ok()) << "round " << round << ": " << Describe(status);
  }
}

TEST_P(AuthTest, FailuresFromOneAddressThrottleEveryNameTriedFromIt) {
  auto device = NewDevice();
  // Spread over four names so that no single name reaches its own limit.
  const char* names[] = {"teacher_a", "teacher_a2", "teacher_b", "coordinator"};
  ASSERT_LT(options_.limits.max_failed_logins_per_peer,
            4 * options_.limits.max_failed_logins_per_user);
  for (int i = 0; i < options_.limits.max_failed_logins_per_peer; ++i) {
    EXPECT_EQ(device->Login(names[i % 4], "guess").error_code(),
              grpc::StatusCode::UNAUTHENTICATED);
  }
  grpc::Status throttled = device->Login("admin", kPassword);
  EXPECT_EQ(throttled.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << Describe(throttled);
  EXPECT_NE(throttled.error_message().find("address"), std::string::npos);
}

TEST_P(AuthTest, RevokedDeviceIsUnauthenticatedAndCannotEnrolAgain) {
  auto device = LoggedIn("teacher_a");
  v1::PushResponse response;
  ASSERT_TRUE(device->Push(OneWrite(*device, 1), &response).ok());
  ASSERT_TRUE(storage_->RevokeDevice(device->device_id()).ok());

  grpc::Status push = device->Push(OneWrite(*device, 2), &response);
  EXPECT_EQ(push.error_code(), grpc::StatusCode::UNAUTHENTICATED) << Describe(push);
  EXPECT_NE(push.error_message().find("revoked"), std::string::npos);
  std::vector<v1::PullResponse> pulled;
  EXPECT_EQ(device->Pull(0, {}, 0, &pulled).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_TRUE(pulled.empty());
  grpc::Status relogin = device->Login("teacher_a");
  EXPECT_FALSE(relogin.ok());
  EXPECT_NE(relogin.error_message().find("revoked"), std::string::npos) << Describe(relogin);
  EXPECT_EQ(storage_->GetStats()->fields, 1) << "nothing after the revocation was stored";
}

TEST_P(AuthTest, DisabledUserIsUnauthenticatedOnEveryCall) {
  auto device = LoggedIn("teacher_a");
  ASSERT_TRUE(storage_->SetUserDisabled("teacher_a", true).ok());
  v1::PushResponse response;
  EXPECT_EQ(device->Push(OneWrite(*device, 1), &response).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(NewDevice()->Login("teacher_a").error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(storage_->GetStats()->fields, 0);
}

TEST_P(AuthTest, MissingForgedOrMalformedTokensAreUnauthenticated) {
  auto device = NewDevice();
  v1::PushResponse response;
  for (const std::string& token : {std::string(), NewToken(), std::string("short")}) {
    device->set_token(token);
    grpc::Status status = device->Push(OneWrite(*device, 1), &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED)
        << "token of " << token.size() << " bytes: " << Describe(status);
  }
  EXPECT_EQ(storage_->GetStats()->fields, 0);
}

TEST_P(AuthTest, LoggingInAgainKeepsTheNodeAndRetiresTheOldToken) {
  auto device = LoggedIn("teacher_a");
  const std::string old_token = device->token();
  const uint32_t node = device->node();
  ASSERT_TRUE(device->Login("teacher_a").ok());
  EXPECT_EQ(device->node(), node);
  EXPECT_NE(device->token(), old_token);
  device->set_token(old_token);
  v1::PushResponse response;
  EXPECT_EQ(device->Push(OneWrite(*device, 1), &response).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
}

TEST_P(AuthTest, MalformedLoginRequestIsRefused) {
  auto device = NewDevice();
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  v1::LoginRequest request;
  request.set_user("teacher_a");
  request.set_password(kPassword);
  request.set_device_id("my phone");
  v1::LoginResponse response;
  auto stub = v1::Sync::NewStub(grpc::CreateChannel(
      "127.0.0.1:" + std::to_string(server_->port()), grpc::InsecureChannelCredentials()));
  grpc::Status status = stub->Login(&context, request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << Describe(status);
  EXPECT_NE(status.error_message().find("device_id"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Backends, AuthTest, ::testing::ValuesIn(AvailableBackends()),
                         BackendName());

}  // namespace
}  // namespace homevisit::server::testing
