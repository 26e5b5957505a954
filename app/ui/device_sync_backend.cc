#include "app/ui/device_sync_backend.h"

#include <QRegularExpression>

namespace homevisit::ui {
namespace {

QString KindName(sync::SyncErrorKind kind) {
  switch (kind) {
    case sync::SyncErrorKind::kNone: return {};
    case sync::SyncErrorKind::kOffline: return QStringLiteral("offline");
    case sync::SyncErrorKind::kAuth: return QStringLiteral("auth");
    case sync::SyncErrorKind::kRevoked: return QStringLiteral("revoked");
    case sync::SyncErrorKind::kRejected: return QStringLiteral("rejected");
    case sync::SyncErrorKind::kCancelled: return QStringLiteral("cancelled");
    case sync::SyncErrorKind::kServer:
    case sync::SyncErrorKind::kLocal: return QStringLiteral("server");
  }
  return QStringLiteral("server");
}

QString PhaseName(sync::SyncPhase phase) {
  switch (phase) {
    case sync::SyncPhase::kLogin: return QStringLiteral("login");
    case sync::SyncPhase::kPush: return QStringLiteral("push");
    case sync::SyncPhase::kBlobs: return QStringLiteral("blobs");  // "Uploading photos"
    case sync::SyncPhase::kPull:
    case sync::SyncPhase::kRepair: return QStringLiteral("pull");
    case sync::SyncPhase::kVerify:
    case sync::SyncPhase::kDone: return QStringLiteral("verify");
  }
  return QStringLiteral("push");
}

}  // namespace

bool IsValidServerAddress(const QString& address) {
  static const QRegularExpression re(QStringLiteral("^[A-Za-z0-9.\\-\\[\\]:]+:([0-9]{1,5})$"));
  const auto m = re.match(address);
  if (!m.hasMatch()) return false;
  const int port = m.captured(1).toInt();
  return port >= 1 && port <= 65535;
}

std::shared_ptr<sync::SyncClient> DeviceSyncBackend::begin(const std::string& server) {
  sync::SyncOptions options;
  options.server = server;
  options.device_name = "HomeVisit app";
  auto client = std::make_shared<sync::SyncClient>(*store_, options);
  std::lock_guard lock(mu_);
  running_ = client;
  return client;
}

void DeviceSyncBackend::end() {
  std::lock_guard lock(mu_);
  running_.reset();
}

LoginOutcome DeviceSyncBackend::Login(const QString& address, const QString& user,
                                      const QString& password) {
  LoginOutcome out;
  if (!IsValidServerAddress(address)) {
    out.errorKind = QStringLiteral("address");
    return out;
  }
  auto client = begin(address.toStdString());
  const sync::SyncReport report = client->Login(user.toStdString(), password.toStdString());
  end();
  out.ok = report.ok();
  if (!out.ok) {
    out.errorKind = KindName(report.error.kind);
    // Wrong password and throttling are both "log in again" to the sync; the UI tells them
    // apart because their advice differs.
    if (report.error.kind == sync::SyncErrorKind::kAuth &&
        report.error.detail.find("RESOURCE_EXHAUSTED") != std::string::npos) {
      out.errorKind = QStringLiteral("throttled");
    }
    out.detail = QString::fromStdString(english_ ? report.error.message_en : report.error.message_zh);
  }
  return out;
}

SyncOutcome DeviceSyncBackend::Run(const Progress& progress) {
  auto client = begin(std::string());
  auto cancelRequested = [this] {
    std::lock_guard lock(mu_);
    return cancelRequested_;
  };
  SyncOutcome out;
  if (cancelRequested()) {
    end();
    out.errorKind = QStringLiteral("cancelled");
    return out;
  }
  const sync::SyncReport report = client->Sync([&](const sync::SyncProgress& p) {
    if (cancelRequested()) client->Cancel();
    progress(PhaseName(p.phase), static_cast<qint64>(p.done), static_cast<qint64>(p.total));
  });
  end();
  out.ok = report.ok();
  out.errorKind = KindName(report.error.kind);
  out.message = QString::fromStdString(english_ ? report.error.message_en : report.error.message_zh);
  out.reachedServer = report.ok() || (report.error.kind != sync::SyncErrorKind::kOffline &&
                                      report.error.kind != sync::SyncErrorKind::kCancelled &&
                                      report.error.kind != sync::SyncErrorKind::kLocal);
  out.pushed = static_cast<int>(report.pushed);
  out.pulled = static_cast<int>(report.pulled);
  out.conflicts = static_cast<int>(report.conflicts);
  return out;
}

void DeviceSyncBackend::Cancel() {
  std::shared_ptr<sync::SyncClient> client;
  {
    std::lock_guard lock(mu_);
    client = running_;
    cancelRequested_ = true;
  }
  if (client) client->Cancel();
}

void DeviceSyncBackend::ClearCancel() {
  std::lock_guard lock(mu_);
  cancelRequested_ = false;
}

}  // namespace homevisit::ui
