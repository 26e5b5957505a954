#include "blob_test_env.h"

#include <grpcpp/security/server_credentials.h>
#include <stdlib.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <random>

#include "core/scope.h"

namespace homevisit::testing {

namespace fs = std::filesystem;

void TestBlobAccess::AddUser(const std::string& token_hex, const std::string& name,
                             std::vector<std::string> scopes) {
  std::lock_guard<std::mutex> lock(mu_);
  users_[token_hex] = {name, std::move(scopes)};
}

void TestBlobAccess::AddRecord(const std::string& record_id, const std::string& scope,
                               std::set<std::string> sha256s) {
  std::lock_guard<std::mutex> lock(mu_);
  records_[record_id] = {scope, std::move(sha256s)};
}

Result<server::BlobCaller> TestBlobAccess::Authenticate(grpc::ServerContext* context) {
  const auto& md = context->client_metadata();
  auto it = md.find("authorization");
  const std::string prefix = "Bearer ";
  if (it == md.end() || it->second.size() <= prefix.size() ||
      std::string(it->second.data(), prefix.size()) != prefix) {
    return Status(StatusCode::kUnauthenticated, "sign in first");
  }
  const std::string token(it->second.data() + prefix.size(), it->second.size() - prefix.size());
  std::lock_guard<std::mutex> lock(mu_);
  auto user = users_.find(token);
  if (user == users_.end()) return Status(StatusCode::kUnauthenticated, "unknown device token");
  return user->second;
}

Result<bool> TestBlobAccess::MayRead(const server::BlobCaller& caller, const std::string& sha256,
                                     const std::string& record_id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = records_.find(record_id);
  return it != records_.end() && AnyScopeCovers(caller.scopes, it->second.scope) &&
         it->second.sha256s.count(sha256) > 0;
}

TempDir::TempDir() {
  const char* base = getenv("TMPDIR");
  std::string pattern = std::string(base ? base : "/tmp") + "/homevisit-blobs-XXXXXX";
  path_ = mkdtemp(pattern.data()) ? pattern : "";
}

TempDir::~TempDir() {
  std::error_code ec;
  if (!path_.empty()) fs::remove_all(path_, ec);
}

BlobServer::BlobServer(const std::string& dir, TestBlobAccess* access, uint64_t max_blob_bytes)
    : dir_(dir), access_(access), max_blob_bytes_(max_blob_bytes) {
  Start(0);
}

BlobServer::~BlobServer() { Stop(); }

void BlobServer::Start(uint16_t port) {
  server::BlobStoreOptions options;
  options.dir = dir_;
  options.max_blob_bytes = max_blob_bytes_;
  auto store = server::BlobStore::Open(options);
  if (!store.ok()) std::abort();
  store_ = std::move(store.value());
  service_ = std::make_unique<server::BlobService>(store_.get(), access_);
  grpc::ServerBuilder builder;
  int bound = 0;
  builder.AddListeningPort("127.0.0.1:" + std::to_string(port), grpc::InsecureServerCredentials(),
                           &bound);
  builder.RegisterService(service_.get());
  builder.SetMaxReceiveMessageSize(1 << 20);
  server_ = builder.BuildAndStart();
  if (!server_ || bound == 0) std::abort();
  port_ = static_cast<uint16_t>(bound);
}

void BlobServer::Stop() {
  if (server_) server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
  server_.reset();
  service_.reset();
  store_.reset();
}

void BlobServer::Restart() {
  Stop();
  Start(port_);
}

std::shared_ptr<grpc::Channel> LoopbackChannel(uint16_t port) {
  grpc::ChannelArguments args;
  // Not GRPC_ARG_MIN_RECONNECT_BACKOFF_MS: gRPC also uses it as the connect timeout, and
  // a 2G handshake needs more than a short one.
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 500);
  return grpc::CreateCustomChannel("127.0.0.1:" + std::to_string(port),
                                   grpc::InsecureChannelCredentials(), args);
}

std::shared_ptr<v1::Blobs::Stub> BlobsStub(uint16_t port) {
  return v1::Blobs::NewStub(LoopbackChannel(port));
}

std::string RandomBytes(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::string s(n, '\0');
  for (size_t i = 0; i < n; i += 8) {
    const uint64_t v = rng();
    for (size_t j = 0; j < 8 && i + j < n; ++j) s[i + j] = static_cast<char>(v >> (8 * j));
  }
  return s;
}

sync::BlobTransferOptions TestTransferOptions(const std::string& token_hex) {
  sync::BlobTransferOptions o;
  o.bearer_token_hex = token_hex;
  o.initial_backoff = std::chrono::milliseconds(50);
  o.max_backoff = std::chrono::milliseconds(200);
  return o;
}

std::vector<std::string> BlobFiles(const std::string& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  const fs::path root = fs::path(dir) / "blobs";
  for (const auto& e : fs::recursive_directory_iterator(root, ec)) {
    if (e.is_regular_file()) out.push_back(fs::relative(e.path(), root).string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace homevisit::testing
