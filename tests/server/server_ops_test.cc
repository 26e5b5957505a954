// What operators and ordinary gRPC tools see: the standard health service, reflection, the
// per-call log, the listening rules and TLS.
#include <cstdlib>
#include <fstream>

#include "sync-server/auth.h"
#include "tests/server/server_harness.h"

namespace homevisit::server::testing {
namespace {

using OpsTest = ServerTest;

TEST_P(OpsTest, StandardHealthCheckAnswersServing) {
  grpc::Status status;
  // grpc.health.v1.HealthCheckRequest{service: ""} is the empty message.
  auto responses = RawCall(server_->port(), "/grpc.health.v1.Health/Check", "", &status);
  ASSERT_TRUE(status.ok()) << Describe(status);
  ASSERT_EQ(responses.size(), 1u);
  EXPECT_EQ(responses[0], std::string("\x08\x01", 2)) << "HealthCheckResponse{status: SERVING}";
}

TEST_P(OpsTest, ReflectionListsTheServicesAndServesTheProtocol) {
  grpc::Status status;
  const std::string method = "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo";
  // ServerReflectionRequest{list_services: ""} (field 7).
  auto listed = RawCall(server_->port(), method, std::string("\x3a\x00", 2), &status);
  ASSERT_TRUE(status.ok()) << Describe(status);
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_NE(listed[0].find("homevisit.v1.Sync"), std::string::npos);
  EXPECT_NE(listed[0].find("grpc.health.v1.Health"), std::string::npos);
  // ServerReflectionRequest{file_containing_symbol: "homevisit.v1.Sync"} (field 4).
  const std::string symbol = "homevisit.v1.Sync";
  auto described = RawCall(server_->port(), method,
                           std::string("\x22") + static_cast<char>(symbol.size()) + symbol, &status);
  ASSERT_TRUE(status.ok()) << Describe(status);
  ASSERT_EQ(described.size(), 1u);
  EXPECT_NE(described[0].find("homevisit/v1/sync.proto"), std::string::npos);
  EXPECT_NE(described[0].find("PushRequest"), std::string::npos);
}

TEST_P(OpsTest, EveryCallIsLoggedOnceWithoutValuesOrIdNumbers) {
  auto teacher = LoggedIn("teacher_a");
  const std::string id_number = "999999201203154417";
  const std::string name = "龙小雨";
  const std::string answer = "父亲在外务工，母亲患重病";
  v1::PushRequest push;
  push.set_batch_seq(1);
  auto* student = AddRecord(push, NewRecordId(), "student", kSchoolA);
  AddField(student, "id_number", Value(id_number), teacher->NextHlc());
  AddField(student, "name", Value(name), teacher->NextHlc());
  AddField(AddRecord(push, NewRecordId(), "visit", kSchoolA), "family_situation", Value(answer),
           teacher->NextHlc());
  AddField(student, "grade", Value(id_number), teacher->NextHlc());  // rejected: wrong type
  v1::PushResponse response;
  ASSERT_TRUE(teacher->Push(push, &response).ok());
  auto coordinator = LoggedIn("coordinator");
  ASSERT_TRUE(coordinator->Sync().ok());
  EXPECT_FALSE(NewDevice()->Login("teacher_a", id_number).ok());  // a password is not logged

  const auto lines = log_.Lines();
  int logins = 0, pushes = 0, pulls = 0;
  for (const std::string& line : lines) {
    EXPECT_EQ(line.find(id_number), std::string::npos) << line;
    EXPECT_EQ(line.find(name), std::string::npos) << line;
    EXPECT_EQ(line.find(answer), std::string::npos) << line;
    EXPECT_EQ(line.find('\n'), std::string::npos) << "one line per call";
    EXPECT_NE(line.find(" status="), std::string::npos) << line;
    EXPECT_NE(line.find(" ms="), std::string::npos) << line;
    logins += line.find("call=Login") != std::string::npos;
    pulls += line.find("call=Pull") != std::string::npos;
    if (line.find("call=Push") != std::string::npos) {
      ++pushes;
      EXPECT_NE(line.find("user=teacher_a device=" + std::to_string(teacher->node())),
                std::string::npos)
          << line;
      EXPECT_NE(line.find("writes=4 applied=3 conflicts=0 rejected=1"), std::string::npos) << line;
      EXPECT_NE(line.find("status=OK"), std::string::npos) << line;
    }
  }
  EXPECT_EQ(logins, 3);
  EXPECT_EQ(pushes, 1);
  EXPECT_EQ(pulls, 1);
}

TEST(ListenAddress, PlainTextOnlyOnLoopbackUnlessInsecureIsExplicit) {
  EXPECT_TRUE(CheckListenAddress("127.0.0.1:50051", false, false).ok());
  EXPECT_TRUE(CheckListenAddress("localhost:0", false, false).ok());
  EXPECT_TRUE(CheckListenAddress("[::1]:50051", false, false).ok());
  EXPECT_EQ(CheckListenAddress("0.0.0.0:50051", false, false).code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(CheckListenAddress("192.168.1.20:50051", false, false).code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(CheckListenAddress("[::]:50051", false, false).code(), StatusCode::kFailedPrecondition);
  EXPECT_TRUE(CheckListenAddress("0.0.0.0:50051", true, false).ok());
  EXPECT_TRUE(CheckListenAddress("0.0.0.0:50051", false, true).ok());
  for (const char* bad : {"50051", "host:", ":50051", "h:99999", "h:5x", "::1:50051"}) {
    EXPECT_EQ(CheckListenAddress(bad, false, false).code(), StatusCode::kInvalidArgument) << bad;
  }
}

TEST_P(OpsTest, ServerRefusesToStartInPlainTextOnAllInterfaces) {
  ServerOptions options = options_;
  options.listen = "0.0.0.0:0";
  auto server = SyncServer::Start(*storage_, options);
  ASSERT_FALSE(server.ok());
  EXPECT_NE(server.status().message().find("without TLS"), std::string::npos)
      << server.status().message();
}

// Writes a self-signed certificate for localhost / 127.0.0.1 with the openssl tool.
bool MakeCertificate(const std::string& cert, const std::string& key) {
  const std::string command =
      "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost "
      "-addext subjectAltName=DNS:localhost,IP:127.0.0.1 -keyout '" + key + "' -out '" + cert +
      "' >/dev/null 2>&1";
  return std::system(command.c_str()) == 0;
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST_P(OpsTest, TlsServerAcceptsTlsClientsOnly) {
  const std::string cert = TestTempDir() + "/server.crt", key = TestTempDir() + "/server.key";
  ASSERT_TRUE(MakeCertificate(cert, key)) << "the openssl tool is needed (scripts/install-deps)";
  ServerOptions options = options_;
  options.tls_cert_file = cert;
  options.tls_key_file = key;
  auto server = SyncServer::Start(*storage_, options);
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  const std::string target = "127.0.0.1:" + std::to_string((*server)->port());

  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = ReadAll(cert);
  TestDevice secure(grpc::CreateChannel(target, grpc::SslCredentials(ssl)));
  grpc::Status status = secure.Login("teacher_a");
  EXPECT_TRUE(status.ok()) << Describe(status);

  TestDevice plain(grpc::CreateChannel(target, grpc::InsecureChannelCredentials()));
  EXPECT_EQ(plain.Login("teacher_a").error_code(), grpc::StatusCode::UNAVAILABLE);
  (*server)->Shutdown();
}

TEST_P(OpsTest, MissingTlsFileIsAClearError) {
  ServerOptions options = options_;
  options.tls_cert_file = TestTempDir() + "/missing.crt";
  options.tls_key_file = TestTempDir() + "/missing.key";
  auto server = SyncServer::Start(*storage_, options);
  ASSERT_FALSE(server.ok());
  EXPECT_NE(server.status().message().find("missing.crt"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Backends, OpsTest, ::testing::ValuesIn(AvailableBackends()),
                         BackendName());

}  // namespace
}  // namespace homevisit::server::testing
