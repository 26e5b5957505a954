// `homevisit-server serve`: runs the sync server until SIGINT or SIGTERM, then shuts down
// gracefully (running calls get a few seconds to finish).
#include <pthread.h>
#include <signal.h>

#include <iostream>

#include "sync-server/cli.h"
#include "sync-server/form_publish.h"
#include "sync-server/server.h"

namespace homevisit::server {

Status RunServe(const Args& args, CliIo& io) {
  ServerOptions options;
  options.listen = args.Get("--listen").value_or(options.listen);
  options.tls_cert_file = args.Get("--tls-cert").value_or("");
  options.tls_key_file = args.Get("--tls-key").value_or("");
  options.insecure = args.Has("--insecure");
  auto writes = args.GetInt("--max-batch-writes", options.limits.max_batch_writes, 1, 100000);
  auto bytes = args.GetInt("--max-batch-bytes", static_cast<int64_t>(options.limits.max_batch_bytes),
                           1024, 256 << 20);
  auto message = args.GetInt("--max-message-bytes", options.max_message_bytes, 4096, 1 << 30);
  auto drift = args.GetInt("--max-clock-drift-ms", options.max_clock_drift_ms, 1000,
                           int64_t{7} * 24 * 3600 * 1000);
  auto blob_bytes = args.GetInt("--max-blob-bytes", static_cast<int64_t>(options.max_blob_bytes),
                                1024, int64_t{1} << 32);
  for (const auto* r : {&writes, &bytes, &message, &drift, &blob_bytes}) {
    if (!r->ok()) return r->status();
  }
  options.limits.max_batch_writes = static_cast<uint32_t>(*writes);
  options.limits.max_batch_bytes = static_cast<uint64_t>(*bytes);
  options.max_message_bytes = static_cast<int>(*message);
  options.max_clock_drift_ms = *drift;
  options.max_blob_bytes = static_cast<uint64_t>(*blob_bytes);
  auto blob_dir = BlobDirOption(args);
  if (!blob_dir.ok()) return blob_dir.status();
  options.blob_dir = *blob_dir;
  const bool tls = !options.tls_cert_file.empty() || !options.tls_key_file.empty();
  // Check the address before touching the database, so a refusal changes nothing.
  if (Status s = CheckListenAddress(options.listen, tls, options.insecure); !s.ok()) return s;

  auto storage = OpenDatabase(args);
  if (!storage.ok()) return storage.status();
  // The default form, on first start (see form_publish.h: safe with several instances).
  ServerClock clock;
  auto published = PublishDefaultForm(**storage, clock);
  if (!published.ok()) return published.status();
  // On stderr with the call log: the first line on stdout stays the one naming the port.
  if (*published) io.err << "homevisit-server: published the default form" << std::endl;

  // Block the stop signals in every thread (gRPC's threads inherit this mask) and wait for
  // them in this one.
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);

  auto server = SyncServer::Start(**storage, options);
  if (!server.ok()) return server.status();
  const std::string host = options.listen.substr(0, options.listen.rfind(':'));
  io.out << "homevisit-server: listening on " << host << ":" << (*server)->port()
         << (tls ? " (TLS)" : " (plain text)") << ", attachments in " << options.blob_dir
         << std::endl;
  int signal_number = 0;
  sigwait(&stop, &signal_number);
  io.out << "homevisit-server: stopping (signal " << signal_number << ")" << std::endl;
  (*server)->Shutdown();
  (*server)->Wait();
  return Status::Ok();
}

}  // namespace homevisit::server
