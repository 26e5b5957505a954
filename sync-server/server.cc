#include "sync-server/server.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>

#include <chrono>
#include <fstream>
#include <sstream>

namespace homevisit::server {

namespace {

Result<std::string> ReadFile(const std::string& path, const char* what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return InvalidArgument(std::string("cannot read the ") + what + " file '" + path + "'");
  std::ostringstream data;
  data << in.rdbuf();
  return data.str();
}

bool IsLoopbackHost(const std::string& host) {
  return host == "localhost" || host == "[::1]" || host.rfind("127.", 0) == 0;
}

}  // namespace

Status CheckListenAddress(const std::string& listen, bool tls, bool insecure) {
  const size_t colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == listen.size()) {
    return InvalidArgument("listen address '" + listen + "' is not HOST:PORT");
  }
  const std::string host = listen.substr(0, colon);
  const std::string port = listen.substr(colon + 1);
  if (port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos ||
      std::stoi(port) > 65535) {
    return InvalidArgument("listen address '" + listen + "' has no valid port");
  }
  if (host.find(':') != std::string::npos && !(host.front() == '[' && host.back() == ']')) {
    return InvalidArgument("write an IPv6 listen address in brackets, e.g. [::1]:50051");
  }
  if (!tls && !insecure && !IsLoopbackHost(host)) {
    return FailedPrecondition("refusing to listen on '" + listen +
                              "' without TLS: give --tls-cert and --tls-key, listen on "
                              "127.0.0.1, or pass --insecure if a trusted network demands it");
  }
  return Status::Ok();
}

Result<std::unique_ptr<SyncServer>> SyncServer::Start(Storage& storage, ServerOptions options) {
  const bool tls = !options.tls_cert_file.empty() || !options.tls_key_file.empty();
  if (tls && (options.tls_cert_file.empty() || options.tls_key_file.empty())) {
    return InvalidArgument("TLS needs both --tls-cert and --tls-key");
  }
  if (Status s = CheckListenAddress(options.listen, tls, options.insecure); !s.ok()) return s;
  if (options.max_message_bytes < 0 ||
      static_cast<uint64_t>(options.max_message_bytes) < options.limits.max_batch_bytes) {
    return InvalidArgument("the message size limit must be at least the batch size limit");
  }
  std::shared_ptr<grpc::ServerCredentials> credentials = grpc::InsecureServerCredentials();
  if (tls) {
    auto cert = ReadFile(options.tls_cert_file, "TLS certificate");
    if (!cert.ok()) return cert.status();
    auto key = ReadFile(options.tls_key_file, "TLS key");
    if (!key.ok()) return key.status();
    grpc::SslServerCredentialsOptions ssl;
    ssl.pem_key_cert_pairs.push_back({*key, *cert});
    credentials = grpc::SslServerCredentials(ssl);
  }

  std::unique_ptr<SyncServer> server(new SyncServer());
  server->clock_ = std::make_unique<ServerClock>(options.wall_clock, options.max_clock_drift_ms);
  server->service_ = std::make_unique<SyncService>(storage, *server->clock_, options.limits,
                                                   options.log);
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  builder.AddListeningPort(options.listen, credentials, &server->port_);
  builder.RegisterService(server->service_.get());
  if (!options.blob_dir.empty()) {
    if (options.max_blob_chunk_bytes + 1024 > static_cast<uint64_t>(options.max_message_bytes)) {
      return InvalidArgument("the message size limit must exceed the attachment chunk size");
    }
    auto blobs = OpenBlobServing(storage, {options.blob_dir, options.max_blob_bytes,
                                           options.max_blob_chunk_bytes});
    if (!blobs.ok()) return blobs.status();
    server->blobs_ = std::move(blobs).value();
    builder.RegisterService(server->blobs_.service.get());
  }
  builder.SetMaxReceiveMessageSize(options.max_message_bytes);
  builder.SetMaxSendMessageSize(options.max_message_bytes);
  builder.SetDefaultCompressionAlgorithm(GRPC_COMPRESS_GZIP);
  // No bandwidth-delay probes: devices pay for every byte on 2G, and a PING with its ack
  // costs an empty sync a third of its bytes; messages are bounded anyway.
  builder.AddChannelArgument(GRPC_ARG_HTTP2_BDP_PROBE, 0);
  server->server_ = builder.BuildAndStart();
  if (!server->server_ || server->port_ == 0) {
    return Status(StatusCode::kUnavailable,
                  "cannot listen on '" + options.listen + "' (address in use or not local?)");
  }
  return server;
}

SyncServer::~SyncServer() { Shutdown(); }

void SyncServer::Shutdown() {
  if (server_) server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
}

void SyncServer::Wait() {
  if (server_) server_->Wait();
}

}  // namespace homevisit::server
