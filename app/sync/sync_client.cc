// The sync client's state machine.
//
//   Login():   LOGIN ──ok──▶ DONE            (token, node, scopes saved with the server time)
//                └──error──▶ ERROR           (wrong password, throttled, offline, revoked)
//
//   Sync():    PUSH ──outbox empty──▶ PULL ──PullEnd──▶ VERIFY ──checksums agree──▶ DONE
//               │ ▲                    │ ▲                │
//               └─┘ one batch          └─┘ one batch      ├─disagree─▶ PULL (catch up once)
//                   per call               per message    │             └─still─▶ REPAIR(scope)
//                                                         └─────────────────────────────┘
//              any state ──error──▶ ERROR (offline | auth | revoked | server | local | cancelled)
//
// Transitions and the functions behind them:
//   PUSH    Push(): NextBatch() → Push RPC → Acknowledge(), until NextBatch() is empty. A batch
//           the server refuses as a whole (INVALID_ARGUMENT, RESOURCE_EXHAUSTED,
//           PERMISSION_DENIED, FAILED_PRECONDITION: it did not record it) is halved
//           (ShrinkInFlight) until the one entry at fault (a field, or a new record's first
//           fields) is rejected alone (RejectInFlight).
//           Against a server with PushStream, PushStreamed() first: up to
//           batches_per_stream batches on one stream, the next one (NextFollowingBatch) sent
//           while the server merges the one before, each acknowledged as its answer comes.
//           The server stops the stream at a batch it refuses, unread after it: the batch
//           behind goes back to the outbox (DropFollowingBatch) and the one-call loop above
//           halves the refused one. UNIMPLEMENTED: one call per batch from then on.
//   PULL    PullInto(kMain): Pull RPC from the stored cursor; each ChangeBatch is applied with
//           its cursor in one transaction (ApplyPulled); at PullEnd, FinishPull() drops the
//           acknowledged outbox entries, whose results the replica now holds.
//   VERIFY  Verify(): each ScopeChecksum of PullEnd against ChecksumOf(scope).
//   REPAIR  Repair(): BeginRepair(scope), Pull(cursor 0, that scope) into the repair cursor,
//           FinishRepair(), then that pull's checksum must agree (else a server error).
//           An interrupted repair resumes from its cursor at the next Sync().
//
// Invariants:
//  1. Batches are answered in the order they were formed, and at most two are in flight; the
//     second holds none of the first's records, so no answer to the first changes what it
//     should have held. After a crash or a lost answer the same batches are resent with the
//     same batch_seq (the server acknowledges them without reapplying).
//  2. The stored cursor only moves together with the changes it covers, so a cut pull
//     resumes where it stopped and never skips or re-applies a batch on its own.
//  3. Every call has a deadline; transient failures (UNAVAILABLE, DEADLINE_EXCEEDED,
//     ABORTED) are retried with exponential backoff and jitter; an attempt that made
//     progress resets the count. The clock observes server_time_ms of every response.
//  4. UNAUTHENTICATED or PERMISSION_DENIED saying the device was revoked wipes the store;
//     any other UNAUTHENTICATED forgets the token and keeps every local write.
//  5. No value of a record ever reaches an error message or a log.
#include "app/sync/sync_client.h"

#include <grpcpp/client_context.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/channel_arguments.h>
#include <google/protobuf/arena.h>

#include <algorithm>
#include <deque>
#include <future>
#include <optional>
#include <random>

#include "core/hex.h"
#include "proto/zstd_frame.h"
#include "core/scope.h"

namespace homevisit::sync {

using std::chrono::milliseconds;

const char* SyncPhaseName(SyncPhase phase) {
  switch (phase) {
    case SyncPhase::kLogin: return "login";
    case SyncPhase::kPush: return "push";
    case SyncPhase::kPull: return "pull";
    case SyncPhase::kVerify: return "verify";
    case SyncPhase::kRepair: return "repair";
    case SyncPhase::kBlobs: return "blobs";
    case SyncPhase::kDone: return "done";
  }
  return "?";
}

struct SyncClient::Attempt {
  grpc::Status rpc;
  // Set when the attempt must not be retried: a local storage failure or nonsense from the
  // server.
  std::optional<SyncError> fatal;
  bool progressed = false;
};

namespace {

constexpr char kRevokedMetadata[] = "homevisit-device-revoked";

bool IsValidServerAddress(const std::string& server) {
  const size_t colon = server.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 >= server.size()) return false;
  if (server.size() > 255) return false;
  const std::string port = server.substr(colon + 1);
  if (port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos) return false;
  const int n = std::stoi(port);
  return n > 0 && n < 65536;
}

uint64_t RandomSeed() {
  std::random_device rd;
  return (static_cast<uint64_t>(rd()) << 32) ^ rd();
}

// Whole-batch refusals: the server checked the batch before applying anything.
bool IsBatchRefusal(grpc::StatusCode code) {
  return code == grpc::StatusCode::INVALID_ARGUMENT ||
         code == grpc::StatusCode::RESOURCE_EXHAUSTED ||
         code == grpc::StatusCode::PERMISSION_DENIED ||
         code == grpc::StatusCode::FAILED_PRECONDITION;
}

SyncError ConfigError(std::string detail) {
  return SyncError{SyncErrorKind::kLocal, "未设置有效的服务器地址（主机:端口）",
                   "No valid server address (host:port) is set", std::move(detail)};
}

}  // namespace

SyncClient::SyncClient(store::DeviceStore& store, SyncOptions options)
    : store_(store), options_(std::move(options)), backoff_(options_.backoff, RandomSeed()) {}

SyncClient::~SyncClient() = default;

void SyncClient::Cancel() {
  cancelled_ = true;
  std::lock_guard lock(mu_);
  if (active_) active_->TryCancel();
  if (blob_transfer_) blob_transfer_->Cancel();
  wake_.notify_all();
}

bool SyncClient::Wait(milliseconds delay) {
  std::unique_lock lock(mu_);
  wake_.wait_for(lock, delay, [this] { return cancelled_.load(); });
  return !cancelled_;
}

Status SyncClient::EnsureChannel(const std::string& server) {
  if (!IsValidServerAddress(server)) return InvalidArgument("server address '" + server + "'");
  if (channel_ && server == channel_server_) return Status::Ok();
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(options_.max_receive_bytes);
  args.SetMaxSendMessageSize(8 << 20);
  args.SetInt(GRPC_ARG_ENABLE_RETRIES, 0);  // retries are ours, with the store in step
  // Come back quickly when the network does; our own backoff spaces the calls.
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 200);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 5000);
  // gRPC also takes the minimum reconnect backoff as the time a connection attempt may take:
  // a TCP + HTTP/2 handshake over a 2G link with 600 ms round trips needs seconds, not the
  // 200 ms above. (Each call's own deadline still bounds the wait.)
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 10000);
  if (options_.compress) args.SetCompressionAlgorithm(GRPC_COMPRESS_GZIP);
  // No bandwidth-delay probes: on a metered 2G link their PINGs cost more than the window
  // they tune (pull batches are bounded anyway).
  args.SetInt(GRPC_ARG_HTTP2_BDP_PROBE, 0);
  channel_ = grpc::CreateCustomChannel(server, grpc::InsecureChannelCredentials(), args);
  stub_ = v1::Sync::NewStub(channel_);
  channel_server_ = server;
  return Status::Ok();
}

SyncError SyncClient::Call(const char* name, milliseconds deadline, bool authorized,
                           const AttemptFn& attempt, SyncReport* report) {
  int attempts = 0;
  last_code_ = grpc::StatusCode::OK;
  last_message_.clear();
  for (;;) {
    if (cancelled_) return CancelledError();
    // A channel that failed to connect waits out its own reconnect backoff before trying
    // again; a user who taps "sync" once the network is back should not wait for it.
    if (channel_->GetState(false) == GRPC_CHANNEL_TRANSIENT_FAILURE) {
      const std::string server = channel_server_;
      channel_.reset();
      if (Status s = EnsureChannel(server); !s.ok()) return LocalError(s);
    }
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + deadline);
    if (authorized) context.AddMetadata("authorization", bearer_);
    {
      std::lock_guard lock(mu_);
      active_ = &context;
    }
    if (cancelled_) context.TryCancel();  // Cancel() ran before the context was visible
    ++report->calls;
    Attempt a = attempt(context);
    {
      std::lock_guard lock(mu_);
      active_ = nullptr;
    }
    if (a.fatal) return *a.fatal;
    if (a.rpc.ok()) return NoError();
    if (cancelled_) return CancelledError();
    const auto& trailers = context.GetServerTrailingMetadata();
    if (IsRevoked(a.rpc, trailers.find(kRevokedMetadata) != trailers.end())) {
      if (Status s = store_.Wipe(); !s.ok()) return LocalError(s);
      return RevokedError(Describe(name, a.rpc));
    }
    attempts = a.progressed ? 1 : attempts + 1;
    if (IsTransient(a.rpc) && backoff_.ShouldRetry(attempts)) {
      if (!Wait(backoff_.Delay(attempts))) return CancelledError();
      continue;
    }
    last_code_ = a.rpc.error_code();
    last_message_ = a.rpc.error_message();
    return ClassifyCallError(name, a.rpc);
  }
}

SyncError SyncClient::Finish(SyncError error, SyncReport* report) {
  if (error.kind == SyncErrorKind::kAuth && last_code_ == grpc::StatusCode::UNAUTHENTICATED) {
    (void)store_.ForgetToken();
  }
  report->error = std::move(error);
  return report->error;
}

// Cancel() stops the Login() or Sync() that is running, or the next one to start if none
// is (a user who taps "cancel" just as the sync starts is heard); each clears it on return.
struct SyncClient::CancelScope {
  std::atomic<bool>& cancelled;
  ~CancelScope() { cancelled = false; }
};

SyncReport SyncClient::Login(const std::string& user, const std::string& password) {
  CancelScope clear_cancel{cancelled_};
  SyncReport report;
  auto state = store_.State();
  if (!state.ok()) return report.error = LocalError(state.status()), report;
  if (!state->login.user.empty() && state->login.user != user) {
    auto pending = store_.PendingCount();
    if (!pending.ok()) return report.error = LocalError(pending.status()), report;
    if (*pending > 0) return report.error = OtherUserDataError(), report;
    if (Status s = store_.Wipe(); !s.ok()) return report.error = LocalError(s), report;
    state = store_.State();
    if (!state.ok()) return report.error = LocalError(state.status()), report;
  }
  const std::string server = options_.server.empty() ? state->login.server : options_.server;
  if (Status s = EnsureChannel(server); !s.ok()) return report.error = ConfigError(s.message()), report;

  v1::LoginRequest request;
  request.set_user(user);
  request.set_password(password);
  request.set_device_id(state->device_id);
  request.set_device_name(options_.device_name.substr(0, 100));
  v1::LoginResponse response;
  SyncError error = Call("Login", options_.login_deadline, /*authorized=*/false,
                         [&](grpc::ClientContext& context) {
                           response.Clear();
                           return Attempt{stub_->Login(&context, request, &response), std::nullopt, false};
                         },
                         &report);
  if (!error.ok()) {
    if (error.kind == SyncErrorKind::kServer || error.kind == SyncErrorKind::kAuth) {
      const std::string detail = error.detail;
      if (last_code_ == grpc::StatusCode::UNAUTHENTICATED ||
          last_code_ == grpc::StatusCode::INVALID_ARGUMENT) {
        error = BadPasswordError(detail);
      } else if (last_code_ == grpc::StatusCode::RESOURCE_EXHAUSTED) {
        error = ThrottledError(detail);
      }
    }
    report.error = error;
    return report;
  }
  (void)store_.ObserveServerTime(response.server_time_ms());
  store::LoginInfo login;
  login.server = server;
  login.user = user;
  login.display_name = response.display_name();
  login.role = static_cast<Role>(response.role());
  login.scopes.assign(response.scopes().begin(), response.scopes().end());
  login.node = response.node();
  login.token = response.token();
  if (login.token.size() != 32 || login.node == 0 || response.role() < v1::ROLE_TEACHER ||
      response.role() > v1::ROLE_ADMIN) {
    report.error = ServerError("Login answer without a valid token, node or role");
    return report;
  }
  if (Status s = store_.SaveLogin(login, response.server_time_ms()); !s.ok()) {
    report.error = s.code() == StatusCode::kInvalidArgument ? ServerError(s.message()) : LocalError(s);
  }
  return report;
}

SyncReport SyncClient::Sync(const ProgressFn& progress) {
  CancelScope clear_cancel{cancelled_};
  SyncReport report;
  auto state = store_.State();
  if (!state.ok()) return report.error = LocalError(state.status()), report;
  if (!state->logged_in()) return report.error = NotLoggedInError(), report;
  const std::string server = options_.server.empty() ? state->login.server : options_.server;
  if (Status s = EnsureChannel(server); !s.ok()) return report.error = ConfigError(s.message()), report;
  bearer_ = "Bearer " + ToHex(state->login.token);

  if (SyncError e = Push(progress, &report); !e.ok()) return Finish(e, &report), report;
  SendBlobs(progress, &report);  // records first, then their attachments; never stops the pull
  v1::PullEnd end;
  if (SyncError e = PullInto(store::PullTarget::kMain, "", progress, &report, &end); !e.ok()) {
    return Finish(e, &report), report;
  }
  if (Status s = store_.FinishPull(HybridClock::SystemMillis()); !s.ok()) {
    return Finish(LocalError(s), &report), report;
  }
  if (SyncError e = Verify(progress, &report, end); !e.ok()) return Finish(e, &report), report;
  PrefetchBlobs(progress, &report);
  if (report.rejected > 0) {
    report.error = RejectedError(report.rejected, "the server refused some writes");
  } else if (!report.blob_error.ok()) {
    report.error = report.blob_error;
  }
  if (progress) progress({SyncPhase::kDone, 1, 1});
  return report;
}

SyncError SyncClient::Push(const ProgressFn& progress, SyncReport* report) {
  auto pending = store_.PendingCount();
  if (!pending.ok()) return LocalError(pending.status());
  const uint64_t total = static_cast<uint64_t>(*pending);
  uint64_t done = 0;
  if (progress) progress({SyncPhase::kPush, 0, total});
  // A server that refuses a batch as too large (RESOURCE_EXHAUSTED: one that takes fewer
  // writes per batch than push_limits, e.g. before its limit was raised) gets no larger
  // batches for the rest of this sync, instead of a refused full-size one before each.
  store::BatchLimits limits = options_.push_limits;
  // While the server merges one batch, the next is formed (and compressed) on a second
  // thread: PrepareNextBatch changes nothing, and MakeInFlight takes it only if the outbox
  // stood still meanwhile, so the batches are exactly those NextBatch forms one by one.
  struct Formed {
    Result<store::OutboxBatch> batch = store::OutboxBatch{};
    v1::PushRequest compressed;  // the batch in one zstd frame, when packed
  };
  auto compress = [](const store::BatchLimits& l, Formed& f) {
    if (!l.packed || !f.batch.ok() || f.batch->empty()) return;
    f.compressed.set_batch_seq(f.batch->request.batch_seq());
    f.compressed.set_zstd(wire::CompressMessage(f.batch->request));
  };
  std::optional<Formed> prepared;
  if (stream_push_ && packed_push_ && options_.stream_push) {
    bool fall_back = false;
    limits.packed = true;  // a server with PushStream reads packed batches
    SyncError error = PushStreamed(progress, report, limits, total, &done, &fall_back);
    if (!error.ok() || !fall_back) return error;
  }
  // Writes made while this sync runs wait for the next one, so a busy user cannot keep the
  // push going forever.
  while (done < total || done == 0) {
    if (cancelled_) return CancelledError();
    limits.packed = packed_push_;
    Formed formed;
    bool taken = false;
    if (prepared && prepared->batch.ok() && !prepared->batch->empty() &&
        prepared->batch->packed == limits.packed) {
      auto made = store_.MakeInFlight(*prepared->batch);
      if (!made.ok()) return LocalError(made.status());
      taken = *made;
    }
    if (taken) {
      formed = std::move(*prepared);
    } else {
      formed.batch = store_.NextBatch(limits);
      compress(limits, formed);
    }
    prepared.reset();
    if (!formed.batch.ok()) return LocalError(formed.batch.status());
    store::OutboxBatch* batch = &*formed.batch;
    if (batch->empty()) return NoError();
    const v1::PushRequest& compressed = formed.compressed;
    // The following batch, unless this one takes the rest of what this sync pushes.
    std::future<Formed> next;
    if (done + batch->field_count < total) {
      next = std::async(std::launch::async, [this, limits, compress] {
        Formed f;
        f.batch = store_.PrepareNextBatch(limits);
        compress(limits, f);
        return f;
      });
    }
    v1::PushResponse response;
    SyncError error = Call(limits.packed ? "PushPacked" : "Push", options_.push_deadline,
                           /*authorized=*/true,
                           [&](grpc::ClientContext& context) {
                             response.Clear();
                             if (!limits.packed) {
                               return Attempt{stub_->Push(&context, batch->request, &response),
                                              std::nullopt, false};
                             }
                             context.set_compression_algorithm(GRPC_COMPRESS_NONE);
                             return Attempt{stub_->PushPacked(&context, compressed, &response),
                                            std::nullopt, false};
                           },
                           report);
    if (next.valid()) prepared = next.get();
    if (!error.ok()) prepared.reset();  // the batch in flight stays: NextBatch resends it
    if (!error.ok() && limits.packed && last_code_ == grpc::StatusCode::UNIMPLEMENTED) {
      // A server from before packing: the same batch again, as FieldWrite messages, and no
      // packed batches to it from this client any more.
      packed_push_ = false;
      continue;
    }
    if (error.ok()) {
      (void)store_.ObserveServerTime(response.server_time_ms());
      auto tally = store_.Acknowledge(*batch, response);
      if (!tally.ok()) {
        return tally.status().code() == StatusCode::kInvalidArgument
                   ? ServerError("Push answer: " + tally.status().message())
                   : LocalError(tally.status());
      }
      ++report->batches;
      report->pushed += batch->field_count;
      report->conflicts += tally->conflicts;
      report->rejected += tally->rejected;
      done += batch->field_count;
      if (progress) progress({SyncPhase::kPush, done, std::max(total, done)});
      continue;
    }
    if (error.kind != SyncErrorKind::kServer || !IsBatchRefusal(last_code_)) return error;
    // Refused as a whole and not recorded: find the write at fault by halving.
    // A batch of one entry (one field, or a new record's group) is the write at fault.
    auto halved = store_.ShrinkInFlight(batch->field_count / 2);
    if (!halved.ok()) return LocalError(halved.status());
    if (!*halved) {
      if (Status s = store_.RejectInFlight(last_message_); !s.ok()) return LocalError(s);
      report->rejected += batch->field_count;
      done += batch->field_count;
    } else if (last_code_ == grpc::StatusCode::RESOURCE_EXHAUSTED) {
      limits.max_fields = std::min(limits.max_fields, batch->field_count / 2);
    }
  }
  return NoError();
}

SyncError SyncClient::PushStreamed(const ProgressFn& progress, SyncReport* report,
                                   const store::BatchLimits& limits, uint64_t total,
                                   uint64_t* done, bool* fall_back) {
  const uint32_t per_stream = std::max<uint32_t>(options_.batches_per_stream, 1);
  bool more = true;  // the outbox may hold more for this sync
  while (more) {
    if (cancelled_) return CancelledError();
    if (*done >= total && *done > 0) return NoError();  // later writes wait for the next sync
    // The first batch is formed before the stream opens: with nothing to push, a sync
    // makes no push call at all.
    std::optional<Result<store::OutboxBatch>> first = store_.NextBatch(limits);
    if (!first->ok()) return LocalError(first->status());
    if ((*first)->empty()) return NoError();
    bool stream_full = false;
    // The stream carries at most the batches this sync still needs, up to
    // batches_per_stream, and has a batch's deadline for each. A batch ends before an entry
    // that would take it past max_fields, and a group entry holds many fields, so two
    // batches in a row hold more than max_fields together: the count of half-full batches
    // (one more: batches bound by bytes may come smaller) bounds it.
    const uint64_t max_fields = std::max<uint64_t>(limits.max_fields, 1);
    const uint64_t expected = std::min<uint64_t>(
        per_stream, (total > *done ? (2 * (total - *done) + max_fields - 1) / max_fields : 0) + 1);
    SyncError error = Call(
        "PushStream", options_.push_deadline * static_cast<int>(expected), /*authorized=*/true,
        [&](grpc::ClientContext& context) {
          Attempt a;
          context.set_compression_algorithm(GRPC_COMPRESS_NONE);  // zstd inside
          auto stream = stub_->PushStream(&context);
          // Sent and not yet answered, oldest first: at most the batch in flight and the one
          // behind it (DeviceStore::NextFollowingBatch).
          std::deque<store::OutboxBatch> sent;
          uint64_t sent_fields = 0;
          uint32_t sent_count = 0;
          auto fail = [&](SyncError e) {
            a.fatal = std::move(e);
            context.TryCancel();
            (void)stream->Finish();
            return a;
          };
          for (;;) {
            // Writes made while this sync runs wait for the next one (as in Push).
            while (more && sent.size() < 2 && sent_count < expected &&
                   (*done + sent_fields < total || (*done == 0 && sent_count == 0))) {
              Result<store::OutboxBatch> batch =
                  first ? std::move(*first)
                        : sent.empty() ? store_.NextBatch(limits) : store_.NextFollowingBatch(limits);
              first.reset();  // a retry forms it again (NextBatch sends the same batch)
              if (!batch.ok()) return fail(LocalError(batch.status()));
              if (batch->empty()) {
                // Nothing behind the first batch that it does not touch: wait for its answer.
                if (sent.empty()) more = false;
                break;
              }
              v1::PushRequest compressed;
              compressed.set_batch_seq(batch->request.batch_seq());
              compressed.set_zstd(wire::CompressMessage(batch->request));
              sent_fields += batch->field_count;
              ++sent_count;
              sent.push_back(std::move(batch).value());
              if (!stream->Write(compressed)) break;  // the stream broke: Finish says why
            }
            if (sent.empty()) break;
            v1::PushResponse response;
            if (!stream->Read(&response)) break;
            (void)store_.ObserveServerTime(response.server_time_ms());
            const store::OutboxBatch& batch = sent.front();
            auto tally = store_.Acknowledge(batch, response);
            if (!tally.ok()) {
              return fail(tally.status().code() == StatusCode::kInvalidArgument
                              ? ServerError("Push answer: " + tally.status().message())
                              : LocalError(tally.status()));
            }
            a.progressed = true;
            ++report->batches;
            report->pushed += batch.field_count;
            report->conflicts += tally->conflicts;
            report->rejected += tally->rejected;
            *done += batch.field_count;
            sent_fields -= batch.field_count;
            sent.pop_front();
            if (progress) progress({SyncPhase::kPush, *done, std::max(total, *done)});
          }
          stream_full = sent_count >= expected;
          stream->WritesDone();
          a.rpc = stream->Finish();
          return a;
        },
        report);
    if (error.ok()) {
      more = more && stream_full;
      continue;
    }
    if (error.kind == SyncErrorKind::kServer &&
        (last_code_ == grpc::StatusCode::UNIMPLEMENTED || IsBatchRefusal(last_code_))) {
      if (last_code_ == grpc::StatusCode::UNIMPLEMENTED) stream_push_ = false;
      // The stream ended at the first batch: the server read none after it. A refused
      // batch is halved alone, so the one behind it goes back to the outbox.
      if (IsBatchRefusal(last_code_)) {
        Status s = store_.DropFollowingBatch();
        if (!s.ok() && s.code() != StatusCode::kFailedPrecondition) return LocalError(s);
      }
      *fall_back = true;
      return NoError();
    }
    return error;
  }
  return NoError();
}

SyncError SyncClient::PullInto(store::PullTarget target, const std::string& scope,
                               const ProgressFn& progress, SyncReport* report, v1::PullEnd* end) {
  const SyncPhase phase = target == store::PullTarget::kMain ? SyncPhase::kPull : SyncPhase::kRepair;
  if (progress) progress({phase, 0, 0});
  bool got_end = false;
  uint64_t applied = 0;
  SyncError error = Call(
      "Pull", options_.pull_deadline, /*authorized=*/true,
      [&](grpc::ClientContext& context) {
        Attempt a;
        auto state = store_.State();
        if (!state.ok()) return a.fatal = LocalError(state.status()), a;
        v1::PullRequest request;
        request.set_cursor(target == store::PullTarget::kMain ? state->cursor : state->repair_cursor);
        if (!scope.empty()) request.add_scopes(scope);
        request.set_max_batch_fields(options_.pull_batch_fields);
        request.set_shared_stamps(true);  // ApplyPulled reads Record.stamp
        request.set_packed(true);         // and packed fields
        request.set_zstd(true);           // compressed with zstd by the server
        auto reader = stub_->Pull(&context, request);
        for (;;) {
          // Each message on its own arena: a batch of thousands of fields parses without an
          // allocation per field and is freed at once.
          google::protobuf::ArenaOptions arena_options;
          arena_options.start_block_size = 64 << 10;
          arena_options.max_block_size = 1 << 20;
          google::protobuf::Arena arena(arena_options);
          auto* read = google::protobuf::Arena::CreateMessage<v1::PullResponse>(&arena);
          if (!reader->Read(read)) break;
          const v1::PullResponse& message = *read;
          (void)store_.ObserveServerTime(message.server_time_ms());
          if (message.has_batch()) {
            const v1::ChangeBatch* batch = &message.batch();
            if (!batch->zstd().empty()) {
              // Bounded like an uncompressed message (SyncOptions.max_receive_bytes).
              auto* inner = google::protobuf::Arena::CreateMessage<v1::ChangeBatch>(&arena);
              if (Status s = wire::DecompressMessage(
                      batch->zstd(), static_cast<size_t>(options_.max_receive_bytes), inner);
                  !s.ok()) {
                a.fatal = ServerError("Pull batch: " + s.message());
                context.TryCancel();
                (void)reader->Finish();
                return a;
              }
              inner->set_cursor(batch->cursor());
              batch = inner;
            }
            auto n = store_.ApplyPulled(*batch, target);
            if (!n.ok()) {
              a.fatal = n.status().code() == StatusCode::kInvalidArgument
                            ? ServerError("Pull batch: " + n.status().message())
                            : LocalError(n.status());
              context.TryCancel();
              (void)reader->Finish();
              return a;
            }
            a.progressed = true;
            applied += *n;
            report->pulled += *n;
            if (progress) progress({phase, applied, 0});
          } else if (message.has_end()) {
            *end = message.end();
            got_end = true;
          }
        }
        a.rpc = reader->Finish();
        if (a.rpc.ok() && !got_end) {
          a.rpc = grpc::Status(grpc::StatusCode::UNAVAILABLE, "the pull ended without PullEnd");
        }
        return a;
      },
      report);
  if (!error.ok()) return error;
  // Nothing of ours lies between the last batch and the end: resume after it next time.
  auto state = store_.State();
  if (!state.ok()) return LocalError(state.status());
  const uint64_t stored = target == store::PullTarget::kMain ? state->cursor : state->repair_cursor;
  if (end->cursor() > stored) {
    v1::ChangeBatch empty;
    empty.set_cursor(end->cursor());
    if (auto n = store_.ApplyPulled(empty, target); !n.ok()) return LocalError(n.status());
  }
  return NoError();
}

Result<std::vector<std::string>> SyncClient::Mismatches(const v1::PullEnd& end) {
  std::vector<std::string> out;
  for (const v1::ScopeChecksum& theirs : end.checksums()) {
    if (!IsValidScopePath(theirs.scope())) continue;  // nothing we could repair
    auto ours = store_.ChecksumOf(theirs.scope());
    if (!ours.ok()) return ours.status();
    if (ours->sum != theirs.checksum() || ours->count != theirs.field_count()) {
      out.push_back(theirs.scope());
    }
  }
  return out;
}

SyncError SyncClient::Verify(const ProgressFn& progress, SyncReport* report,
                             const v1::PullEnd& end) {
  if (progress) progress({SyncPhase::kVerify, 0, static_cast<uint64_t>(end.checksums_size())});
  auto mismatches = Mismatches(end);
  if (!mismatches.ok()) return LocalError(mismatches.status());
  if (!mismatches->empty()) {
    // Most often a write committed between our last batch and the checksums: catch up once.
    v1::PullEnd again;
    if (SyncError e = PullInto(store::PullTarget::kMain, "", progress, report, &again); !e.ok()) {
      return e;
    }
    mismatches = Mismatches(again);
    if (!mismatches.ok()) return LocalError(mismatches.status());
  }
  auto state = store_.State();
  if (!state.ok()) return LocalError(state.status());
  std::vector<std::string> repairs = *mismatches;
  if (!state->repair_scope.empty() &&
      std::find(repairs.begin(), repairs.end(), state->repair_scope) == repairs.end()) {
    repairs.insert(repairs.begin(), state->repair_scope);  // an interrupted repair resumes
  }
  for (const std::string& scope : repairs) {
    if (SyncError e = Repair(scope, progress, report); !e.ok()) return e;
  }
  return NoError();
}

SyncError SyncClient::Repair(const std::string& scope, const ProgressFn& progress,
                             SyncReport* report) {
  auto state = store_.State();
  if (!state.ok()) return LocalError(state.status());
  if (state->repair_scope != scope) {
    if (Status s = store_.BeginRepair(scope); !s.ok()) return LocalError(s);
  }
  v1::PullEnd end;
  if (SyncError e = PullInto(store::PullTarget::kRepair, scope, progress, report, &end); !e.ok()) {
    return e;
  }
  if (Status s = store_.FinishRepair(); !s.ok()) return LocalError(s);
  ++report->repaired_scopes;
  auto mismatches = Mismatches(end);
  if (!mismatches.ok()) return LocalError(mismatches.status());
  if (!mismatches->empty()) {
    return ServerError("checksum of scope " + scope + " still differs after it was pulled again");
  }
  return NoError();
}

}  // namespace homevisit::sync
