#include "app/sync/sync_errors.h"

namespace homevisit::sync {

const char* SyncErrorKindName(SyncErrorKind kind) {
  switch (kind) {
    case SyncErrorKind::kNone: return "ok";
    case SyncErrorKind::kOffline: return "offline";
    case SyncErrorKind::kAuth: return "auth";
    case SyncErrorKind::kRevoked: return "revoked";
    case SyncErrorKind::kRejected: return "rejected";
    case SyncErrorKind::kServer: return "server";
    case SyncErrorKind::kLocal: return "local";
    case SyncErrorKind::kCancelled: return "cancelled";
  }
  return "?";
}

std::string SyncError::Message() const {
  if (ok()) return "同步完成 / Sync complete";
  return message_zh + " / " + message_en;
}

namespace {
SyncError Make(SyncErrorKind kind, std::string zh, std::string en, std::string detail) {
  return SyncError{kind, std::move(zh), std::move(en), std::move(detail)};
}
}  // namespace

SyncError NoError() { return SyncError{}; }

SyncError OfflineError(std::string detail) {
  return Make(SyncErrorKind::kOffline, "服务器不可达，数据已安全保存在本机",
              "Cannot reach the server; your data is safely saved on this device",
              std::move(detail));
}

SyncError NotLoggedInError() {
  return Make(SyncErrorKind::kAuth, "请先登录", "Please log in first", "no login on this device");
}

SyncError BadPasswordError(std::string detail) {
  return Make(SyncErrorKind::kAuth, "用户名或密码错误", "Wrong user name or password",
              std::move(detail));
}

SyncError ThrottledError(std::string detail) {
  return Make(SyncErrorKind::kAuth, "登录尝试次数过多，请稍后再试",
              "Too many login attempts; please try again later", std::move(detail));
}

SyncError LoginExpiredError(std::string detail) {
  return Make(SyncErrorKind::kAuth, "登录已失效，请重新登录；数据已安全保存在本机",
              "Your login is no longer valid; please log in again. Your data is safe on this device",
              std::move(detail));
}

SyncError RevokedError(std::string detail) {
  return Make(SyncErrorKind::kRevoked, "此设备已被管理员停用，本机数据已清除",
              "This device was revoked by the administrator; its data has been erased",
              std::move(detail));
}

SyncError RejectedError(uint64_t count, std::string detail) {
  const std::string n = std::to_string(count);
  return Make(SyncErrorKind::kRejected, "有 " + n + " 项修改未被服务器接受，请查看被拒绝的修改",
              n + " change(s) were refused by the server; see the refused changes",
              std::move(detail));
}

SyncError ServerError(std::string detail) {
  return Make(SyncErrorKind::kServer, "服务器出错，请稍后再试；数据已安全保存在本机",
              "The server had a problem; please try again later. Your data is safe on this device",
              std::move(detail));
}

SyncError LocalError(const Status& status) {
  return Make(SyncErrorKind::kLocal, "本机存储出错，请重启应用后再试",
              "Storage on this device failed; restart the app and try again", status.ToString());
}

SyncError CancelledError() {
  return Make(SyncErrorKind::kCancelled, "同步已取消，数据已安全保存在本机",
              "Sync cancelled; your data is safely saved on this device", "cancelled");
}

SyncError OtherUserDataError() {
  return Make(SyncErrorKind::kAuth, "本机还有其他用户未同步的修改，请该用户先同步",
              "This device holds another user's unsynced changes; that user must sync first",
              "another user's outbox is not empty");
}

bool IsTransient(const grpc::Status& status) {
  switch (status.error_code()) {
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::DEADLINE_EXCEEDED:
    case grpc::StatusCode::ABORTED:
      return true;
    default:
      return false;
  }
}

bool IsRevoked(const grpc::Status& status, bool revoked_metadata) {
  const auto code = status.error_code();
  if (code != grpc::StatusCode::UNAUTHENTICATED && code != grpc::StatusCode::PERMISSION_DENIED) {
    return false;
  }
  return revoked_metadata || status.error_message().find("revoked") != std::string::npos;
}

std::string Describe(const char* call, const grpc::Status& status) {
  static const char* const kNames[] = {
      "OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND",
      "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION",
      "ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS",
      "UNAUTHENTICATED"};
  const int code = static_cast<int>(status.error_code());
  const char* name = code >= 0 && code <= 16 ? kNames[code] : "?";
  return std::string(call) + " " + name + ": " + status.error_message();
}

SyncError ClassifyCallError(const char* call, const grpc::Status& status) {
  if (IsTransient(status)) return OfflineError(Describe(call, status));
  if (status.error_code() == grpc::StatusCode::UNAUTHENTICATED) {
    return LoginExpiredError(Describe(call, status));
  }
  return ServerError(Describe(call, status));
}

}  // namespace homevisit::sync
