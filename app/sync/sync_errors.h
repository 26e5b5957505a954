// How a failed sync is told to the user: a few kinds the UI can act on, each with a plain
// message in Chinese and English that never shows a gRPC status code. The technical detail
// (status code and the server's message, which never holds a value) is kept for logs.
#pragma once

#include <grpcpp/support/status.h>

#include <string>

#include "core/status.h"

namespace homevisit::sync {

enum class SyncErrorKind {
  kNone,
  kOffline,    // the server could not be reached in time; retry later
  kAuth,       // log in (again): no login, wrong password, expired token, throttled
  kRevoked,    // the operator revoked this device; its data was erased
  kRejected,   // the server refused some writes (they are listed on the device)
  kServer,     // the server failed or answered nonsense
  kLocal,      // the device's own storage failed
  kCancelled,  // the user cancelled
};
const char* SyncErrorKindName(SyncErrorKind kind);

struct SyncError {
  SyncErrorKind kind = SyncErrorKind::kNone;
  std::string message_zh;
  std::string message_en;
  std::string detail;  // for logs: "PUSH UNAVAILABLE: failed to connect ..."

  bool ok() const { return kind == SyncErrorKind::kNone; }
  // "message_zh / message_en"
  std::string Message() const;
};

SyncError NoError();
SyncError OfflineError(std::string detail);
SyncError NotLoggedInError();
SyncError BadPasswordError(std::string detail);
SyncError ThrottledError(std::string detail);
SyncError LoginExpiredError(std::string detail);
SyncError RevokedError(std::string detail);
SyncError RejectedError(uint64_t count, std::string detail);
SyncError ServerError(std::string detail);
SyncError LocalError(const Status& status);
SyncError CancelledError();
SyncError OtherUserDataError();

// Whether a failed call may succeed if simply tried again (network, deadline, busy server).
bool IsTransient(const grpc::Status& status);
// Whether the server says this device was revoked. The server marks it in the message
// ("... revoked ..."), or in the trailing metadata "homevisit-device-revoked".
bool IsRevoked(const grpc::Status& status, bool revoked_metadata);
// The error for a failed call that is not handled otherwise: transient → offline,
// UNAUTHENTICATED → login expired, anything else → server.
SyncError ClassifyCallError(const char* call, const grpc::Status& status);
std::string Describe(const char* call, const grpc::Status& status);

}  // namespace homevisit::sync
