#include <chrono>
#include <cstdlib>
#include <thread>
#include "sync-server/sync_service.h"

#include <map>
#include <set>

#include "core/scope.h"
#include "proto/packed.h"
#include "proto/wire.h"
#include "proto/zstd_frame.h"
#include "sync-server/auth.h"
#include "sync-server/grpc_status.h"

namespace homevisit::server {

namespace {
// Attempts of one Push transaction when the database reports a transient failure.
constexpr int kPushAttempts = 5;
}  // namespace


namespace {

constexpr size_t kMaxUserNameBytes = 64;
constexpr size_t kMaxDeviceNameBytes = 100;
// last_seen_ms is refreshed at most this often, so a busy device costs no extra writes.
constexpr int64_t kTouchIntervalMs = 60 * 1000;
// How often Pull re-reads to end on checksums that match its cursor before giving up (the
// client then sees a mismatch and pulls that scope again: correct, only slower).
constexpr int kSettleAttempts = 3;

Status Unauthenticated(std::string message) {
  return Status(StatusCode::kUnauthenticated, std::move(message));
}
Status ResourceExhausted(std::string message) {
  return Status(StatusCode::kResourceExhausted, std::move(message));
}

// "ipv4:10.1.2.3:5555" → "ipv4:10.1.2.3": throttling counts per address, not per connection.
std::string PeerAddress(const std::string& peer) {
  const size_t colon = peer.rfind(':');
  const size_t first = peer.find(':');
  return colon != std::string::npos && colon != first ? peer.substr(0, colon) : peer;
}

v1::Role ToProto(Role role) {
  switch (role) {
    case Role::kTeacher: return v1::ROLE_TEACHER;
    case Role::kCoordinator: return v1::ROLE_COORDINATOR;
    case Role::kAdmin: return v1::ROLE_ADMIN;
  }
  return v1::ROLE_UNSPECIFIED;
}

// An Argon2id string to verify against when the user does not exist, so an unknown name
// costs as long as a wrong password and does not reveal which names exist.
const std::string& DecoyHash() {
  static const std::string hash = [] {
    auto h = HashPassword(ToHex(NewToken()));
    return h.ok() ? *h : std::string();
  }();
  return hash;
}

}  // namespace

SyncService::SyncService(Storage& storage, ServerClock& clock, ServiceLimits limits, LogSink log)
    : storage_(storage), clock_(clock), limits_(limits), log_(std::move(log)),
      merger_(storage, clock) {}

// ---- Login ----

grpc::Status SyncService::Login(grpc::ServerContext* context, const v1::LoginRequest* request,
                                v1::LoginResponse* response) {
  CallLog log(log_, "Login");
  log.set_user(request->user());
  Status s = DoLogin(context, *request, response, log);
  log.Finish(s.code(), s.message());
  return ToGrpcStatus(s);
}

Status SyncService::CheckThrottle(const std::string& user_key, const std::string& peer_key) {
  const int64_t now = clock_.WallMs();
  auto by_user = storage_.CountLoginFailures(user_key, now, limits_.login_window_ms);
  if (!by_user.ok()) return by_user.status();
  auto by_peer = storage_.CountLoginFailures(peer_key, now, limits_.login_window_ms);
  if (!by_peer.ok()) return by_peer.status();
  const std::string wait =
      "; try again in " + std::to_string(limits_.login_window_ms / 60000) + " minutes";
  if (*by_user >= limits_.max_failed_logins_per_user) {
    return ResourceExhausted("too many failed logins for this user" + wait);
  }
  if (*by_peer >= limits_.max_failed_logins_per_peer) {
    return ResourceExhausted("too many failed logins from this address" + wait);
  }
  return Status::Ok();
}

Status SyncService::DoLogin(grpc::ServerContext* context, const v1::LoginRequest& request,
                            v1::LoginResponse* response, CallLog& log) {
  if (request.user().empty() || request.user().size() > kMaxUserNameBytes) {
    return InvalidArgument("a user name has 1 to " + std::to_string(kMaxUserNameBytes) + " bytes");
  }
  if (request.password().size() > kMaxPasswordBytes) {
    return InvalidArgument("the password is too long");
  }
  const auto device_uuid = Uuid::Parse(request.device_id());
  if (!device_uuid || device_uuid->IsNil()) {
    return InvalidArgument("device_id must be a UUID in its 36-character text form");
  }
  if (request.device_name().size() > kMaxDeviceNameBytes) {
    return InvalidArgument("device_name has at most " + std::to_string(kMaxDeviceNameBytes) +
                           " bytes");
  }
  const std::string user_key = "user:" + request.user();
  const std::string peer_key = "peer:" + PeerAddress(context->peer());
  if (Status s = CheckThrottle(user_key, peer_key); !s.ok()) return s;

  auto user = storage_.FindUser(request.user());
  if (!user.ok()) return user.status();
  bool password_ok;
  {
    password_checks_.acquire();
    password_ok = VerifyPassword(*user ? (*user)->password_hash : DecoyHash(), request.password());
    password_checks_.release();
  }
  if (!*user || !password_ok) {
    const int64_t now = clock_.WallMs();
    for (const std::string& key : {user_key, peer_key}) {
      auto added = storage_.AddLoginFailure(key, now, limits_.login_window_ms);
      if (!added.ok()) return added.status();
    }
    return Unauthenticated("wrong user name or password");
  }
  if ((*user)->disabled) return Unauthenticated("this account is disabled");
  if (Status s = storage_.ClearLoginFailures(user_key); !s.ok()) return s;

  const std::string token = NewToken();
  std::string name = request.device_name().empty() ? "unnamed device" : request.device_name();
  for (char& c : name) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) c = ' ';  // shown in operator lists
  }
  auto device = storage_.EnrollDevice(device_uuid->ToString(), (*user)->id, name,
                                      TokenDigest(token), clock_.WallMs());
  if (!device.ok()) return device.status();
  log.set_device(device->node);

  response->set_token(token);
  response->set_role(ToProto((*user)->role));
  for (const std::string& scope : (*user)->scopes) response->add_scopes(scope);
  response->set_node(device->node);
  response->set_display_name((*user)->display_name);
  response->set_server_time_ms(clock_.WallMs());
  return Status::Ok();
}

// ---- authentication of the other calls ----

Result<Caller> SyncService::Authenticate(grpc::ServerContext* context, CallLog& log) {
  const auto& metadata = context->client_metadata();
  auto it = metadata.find("authorization");
  if (it == metadata.end()) {
    return Unauthenticated("missing 'authorization: Bearer <token>' metadata; log in first");
  }
  const std::string_view header(it->second.data(), it->second.size());
  constexpr std::string_view kBearer = "Bearer ";
  std::string token;
  if (header.substr(0, kBearer.size()) != kBearer ||
      header.size() != kBearer.size() + 2 * kTokenBytes ||
      !FromHex(header.substr(kBearer.size()), &token)) {
    return Unauthenticated("malformed authorization: expected 'Bearer ' and 64 hex digits");
  }
  auto device = storage_.FindDeviceByToken(TokenDigest(token));
  if (!device.ok()) return device.status();
  if (!*device) return Unauthenticated("unknown device token; log in again");
  log.set_device((*device)->node);
  if ((*device)->revoked) {
    // The device wipes its local data when it sees this marker (a message can change).
    context->AddTrailingMetadata("homevisit-device-revoked", "1");
    return Unauthenticated("this device was revoked by an operator");
  }
  auto user = storage_.GetUser((*device)->user_id);
  if (!user.ok()) return user.status();
  if (!*user) return Unauthenticated("the device's user no longer exists");
  log.set_user((*user)->name);
  if ((*user)->disabled) return Unauthenticated("this account is disabled");
  const int64_t now = clock_.WallMs();
  if (now - (*device)->last_seen_ms >= kTouchIntervalMs) {
    if (Status s = storage_.TouchDevice((*device)->node, now); !s.ok()) return s;
  }
  return Caller{std::move(**user), std::move(**device)};
}

// ---- Push ----

grpc::Status SyncService::Push(grpc::ServerContext* context, const v1::PushRequest* request,
                               v1::PushResponse* response) {
  return LoggedPush("Push", context, *request, response);
}

// The same call for a batch that may hold packed writes (see sync.proto).
grpc::Status SyncService::PushPacked(grpc::ServerContext* context, const v1::PushRequest* request,
                                     v1::PushResponse* response) {
  return LoggedPush("PushPacked", context, *request, response);
}

grpc::Status SyncService::PushStream(
    grpc::ServerContext* context,
    grpc::ServerReaderWriter<v1::PushResponse, v1::PushRequest>* stream) {
  v1::PushRequest request;
  for (uint32_t batches = 0; stream->Read(&request); ++batches) {
    // Each batch is one log line, as one PushPacked call would be.
    CallLog log(log_, "PushStream");
    v1::PushResponse response;
    Status s = batches < limits_.max_stream_batches
                   ? DoPush(context, request, &response, log)
                   : ResourceExhausted("a push stream carries at most " +
                                       std::to_string(limits_.max_stream_batches) +
                                       " batches: open another");
    log.Finish(s.code(), s.message());
    // The stream ends at the first batch that fails: the device then knows that none after
    // it was applied.
    if (!s.ok()) return ToGrpcStatus(s);
    if (!stream->Write(response)) return grpc::Status(grpc::StatusCode::CANCELLED, "the device left");
  }
  return grpc::Status::OK;
}

grpc::Status SyncService::LoggedPush(const char* method, grpc::ServerContext* context,
                                     const v1::PushRequest& request, v1::PushResponse* response) {
  CallLog log(log_, method);
  Status s = DoPush(context, request, response, log);
  log.Finish(s.code(), s.message());
  return ToGrpcStatus(s);
}

namespace {

// The number of field writes in `request`, packed ones included. InvalidArgument for
// malformed packing.
Result<uint64_t> CountWrites(const v1::PushRequest& request) {
  uint64_t writes = 0;
  std::vector<wire::PackedWrite> packed;
  for (const auto& record : request.writes()) {
    writes += static_cast<uint64_t>(record.fields_size());
    if (record.packed_fields().empty()) continue;
    packed.clear();
    if (Status s = wire::DecodePackedWrites(record.packed_fields(), request.field_names(), &packed);
        !s.ok()) {
      return s;
    }
    writes += packed.size();
  }
  return writes;
}

}  // namespace

Status SyncService::DoPush(grpc::ServerContext* context, const v1::PushRequest& outer,
                           v1::PushResponse* response, CallLog& log) {
  auto caller = Authenticate(context, log);
  if (!caller.ok()) return caller.status();
  // A body the device compressed itself: its writes and names, under the same byte limit
  // as an uncompressed batch (the frame states its size; a larger one is refused unread).
  v1::PushRequest unpacked;
  const v1::PushRequest* body = &outer;
  if (!outer.zstd().empty()) {
    if (outer.writes_size() > 0 || outer.field_names_size() > 0) {
      return InvalidArgument("a compressed batch carries its writes inside the frame only");
    }
    if (Status s = wire::DecompressMessage(outer.zstd(), limits_.max_batch_bytes, &unpacked);
        !s.ok()) {
      return s;
    }
    unpacked.set_batch_seq(outer.batch_seq());
    body = &unpacked;
  }
  const v1::PushRequest& request = *body;
  auto counted = CountWrites(request);
  if (!counted.ok()) return counted.status();
  const uint64_t writes = *counted;
  log.Count("writes", writes);
  if (request.batch_seq() == 0) return InvalidArgument("batch_seq starts at 1");
  if (writes > limits_.max_batch_writes) {
    return ResourceExhausted("the batch holds " + std::to_string(writes) +
                             " field writes; the limit is " +
                             std::to_string(limits_.max_batch_writes) + ": send smaller batches");
  }
  const uint64_t bytes = request.ByteSizeLong();
  if (bytes > limits_.max_batch_bytes) {
    return ResourceExhausted("the batch has " + std::to_string(bytes) + " bytes; the limit is " +
                             std::to_string(limits_.max_batch_bytes) + ": send smaller batches");
  }
  // The batch is merged in one transaction that rolls back whole on failure, and its
  // (device, batch_seq) mark commits with it, so a transient database failure (a PostgreSQL
  // deadlock between two instances locking the same records, a dropped connection) is
  // retried here a few times before the device is told to come back later.
  auto result = merger_.Push(*caller, request);
  for (int attempt = 1; !result.ok() && result.status().code() == StatusCode::kUnavailable &&
                        attempt < kPushAttempts;
       ++attempt) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5 * attempt + std::rand() % 20));
    result = merger_.Push(*caller, request);
  }
  if (!result.ok()) return result.status();
  log.Count("applied", result->applied);
  log.Count("conflicts", result->conflicts);
  log.Count("rejected", result->rejected);
  log.Count("duplicate", result->duplicate);

  response->set_server_time_ms(clock_.WallMs());
  response->set_batch_seq(request.batch_seq());
  response->set_duplicate(result->duplicate);
  response->set_applied_count(result->applied);
  for (const FieldOutcome& o : result->outcomes) {
    auto* out = response->add_outcomes();
    out->set_write_index(o.write_index);
    out->set_field_index(o.field_index);
    out->set_status(o.status);
    out->set_reason(o.reason);
    if (o.conflict_id) out->set_conflict_id(std::string(o.conflict_id->AsBytes()));
  }
  return Status::Ok();
}

// ---- Pull ----

grpc::Status SyncService::Pull(grpc::ServerContext* context, const v1::PullRequest* request,
                               grpc::ServerWriter<v1::PullResponse>* writer) {
  CallLog log(log_, "Pull");
  Status s = DoPull(context, *request, writer, log);
  log.Finish(s.code(), s.message());
  return ToGrpcStatus(s);
}

namespace {

// Streams changes after *cursor in bounded batches until none are left; advances *cursor.
class ChangeStreamer {
 public:
  ChangeStreamer(Storage& storage, ServerClock& clock, const ServiceLimits& limits,
                 grpc::ServerContext* context, grpc::ServerWriter<v1::PullResponse>* writer,
                 std::vector<std::string> scopes, uint32_t batch_fields, bool shared_stamps,
                 bool packed, bool zstd)
      : storage_(storage), clock_(clock), limits_(limits), context_(context), writer_(writer),
        scopes_(std::move(scopes)), batch_fields_(batch_fields), shared_stamps_(shared_stamps),
        packed_(packed), zstd_(packed && zstd) {}

  Status Drain(uint64_t* cursor) {
    while (true) {
      if (context_->IsCancelled()) return Status(StatusCode::kCancelled, "the client went away");
      auto changes = storage_.ReadEncodedChanges(scopes_, *cursor, batch_fields_);
      if (!changes.ok()) return changes.status();
      if (changes->empty()) return Status::Ok();
      const size_t sent = SendBatch(*changes, cursor);
      if (!broken_.ok()) return broken_;
      if (sent == 0) return Status(StatusCode::kCancelled, "the client went away");
      if (sent == changes->size() && changes->size() < batch_fields_) return Status::Ok();
    }
  }
  uint64_t batches() const { return batches_; }
  uint64_t fields() const { return fields_; }

 private:
  // Sends a prefix of `changes` within the byte bound; returns how many were sent (0 when the
  // stream broke). Stored values are serialized Values already: a packed batch carries their
  // bytes as they are, an unpacked one parses them into its Field messages.
  size_t SendBatch(const EncodedChanges& changes, uint64_t* cursor) {
    v1::PullResponse response;
    auto* batch = response.mutable_batch();
    wire::FieldNameTable names(batch->mutable_field_names());
    // One record message per record and batch. A record's fields at one position come
    // together, so the map is consulted only when the record changes.
    std::map<Uuid, v1::Record*> records;
    v1::Record* record = nullptr;
    Stamp record_stamp;
    uint64_t bytes = 0;
    size_t n = 0;
    const std::vector<EncodedChange>& c = changes.changes;
    // The byte bound closes a batch only between positions: the fields sharing a position
    // go together, or the cursor would pass over the rest of them.
    for (; n < c.size() && (n == 0 || bytes < limits_.max_pull_batch_bytes || c[n].seq == c[n - 1].seq);
         ++n) {
      const EncodedChange& change = c[n];
      if (n == 0 || c[n - 1].record != change.record) {
        const RecordHeader& header = changes.records[change.record];
        v1::Record*& slot = records[header.id];
        if (!slot) {
          slot = batch->add_records();
          slot->set_id(std::string(header.id.AsBytes()));
          slot->set_type(header.type);
          slot->set_scope(header.scope);
          // The record's first field's stamp is the shared one: a record written at once
          // has the same stamp on every field.
          if (shared_stamps_ || packed_) wire::ToProto(change.stamp, slot->mutable_stamp());
          bytes += header.type.size() + header.scope.size() + 32;
        }
        record = slot;
        record_stamp = wire::FromProto(record->stamp());
      }
      if (packed_) {
        std::string* packed = record->mutable_packed_fields();
        const size_t before = packed->size();
        wire::AppendPackedField(packed, names.IndexOf(change.field), change.value, change.stamp,
                                record_stamp);
        bytes += packed->size() - before;
        continue;
      }
      auto* field = record->add_fields();
      field->set_name(change.field);
      if (!field->mutable_value()->ParseFromString(change.value)) {
        broken_ = Internal("database: a stored value does not decode (damaged database?)");
        return 0;
      }
      if (!shared_stamps_ || change.stamp != record_stamp) {
        wire::ToProto(change.stamp, field->mutable_stamp());
      }
      bytes += change.field.size() + change.value.size() + 8;
    }
    grpc::WriteOptions options;
    if (zstd_) {
      // The records and names go in one zstd frame; the transport does not gzip it again.
      v1::ChangeBatch inner;
      inner.mutable_records()->Swap(batch->mutable_records());
      inner.mutable_field_names()->Swap(batch->mutable_field_names());
      batch->set_zstd(wire::CompressMessage(inner));
      options.set_no_compression();
    }
    batch->set_cursor(c[n - 1].seq);
    response.set_server_time_ms(clock_.WallMs());
    if (!writer_->Write(response, options)) return 0;
    *cursor = c[n - 1].seq;
    ++batches_;
    fields_ += n;
    return n;
  }

  Storage& storage_;
  ServerClock& clock_;
  const ServiceLimits& limits_;
  grpc::ServerContext* context_;
  grpc::ServerWriter<v1::PullResponse>* writer_;
  const std::vector<std::string> scopes_;
  const uint32_t batch_fields_;
  const bool shared_stamps_;  // the client reads Record.stamp (PullRequest.shared_stamps)
  const bool packed_;         // the client reads packed fields (PullRequest.packed)
  const bool zstd_;           // ... compressed with zstd (PullRequest.zstd)
  Status broken_;             // a stored value that does not decode (an unpacked batch)
  uint64_t batches_ = 0;
  uint64_t fields_ = 0;
};

}  // namespace

Status SyncService::DoPull(grpc::ServerContext* context, const v1::PullRequest& request,
                           grpc::ServerWriter<v1::PullResponse>* writer, CallLog& log) {
  auto caller = Authenticate(context, log);
  if (!caller.ok()) return caller.status();
  std::set<std::string> unique;
  for (const std::string& scope : request.scopes()) {
    if (!IsValidScopePath(scope)) return InvalidArgument("'" + scope.substr(0, 200) + "' is not a scope path");
    if (!AnyScopeCovers(caller->user.scopes, scope) && !IsGlobalScope(scope)) {
      return PermissionDenied("scope '" + scope + "' lies outside this user's scopes");
    }
    unique.insert(scope);
  }
  // By default the user's scopes and the global one (published forms), which every user reads.
  if (unique.empty()) {
    unique.insert(caller->user.scopes.begin(), caller->user.scopes.end());
    unique.insert(kGlobalScope);
  }
  std::vector<std::string> scopes(unique.begin(), unique.end());
  const uint32_t batch_fields =
      request.max_batch_fields() == 0
          ? limits_.default_pull_batch_fields
          : std::min(request.max_batch_fields(), limits_.max_pull_batch_fields);

  ChangeStreamer streamer(storage_, clock_, limits_, context, writer, scopes, batch_fields,
                          request.shared_stamps(), request.packed(),
                          request.zstd());
  uint64_t cursor = request.cursor();
  v1::PullResponse end;
  for (int attempt = 0;; ++attempt) {
    if (Status s = streamer.Drain(&cursor); !s.ok()) return s;
    // The checksums must describe the state up to `cursor`: if a write to these scopes
    // committed meanwhile, it shows up after `cursor`, so stream it and sum again.
    end.mutable_end()->clear_checksums();
    for (const std::string& scope : scopes) {
      auto sum = storage_.ChecksumOf(scope);
      if (!sum.ok()) return sum.status();
      auto* out = end.mutable_end()->add_checksums();
      out->set_scope(scope);
      out->set_checksum(sum->sum);
      out->set_field_count(sum->count);
    }
    auto later = storage_.ReadEncodedChanges(scopes, cursor, 1);
    if (!later.ok()) return later.status();
    if (later->empty() || attempt + 1 >= kSettleAttempts) break;
  }
  end.mutable_end()->set_cursor(cursor);
  end.set_server_time_ms(clock_.WallMs());
  log.Count("batches", streamer.batches());
  log.Count("fields", streamer.fields());
  if (!writer->Write(end)) return Status(StatusCode::kCancelled, "the client went away");
  return Status::Ok();
}

}  // namespace homevisit::server
