#include "app/ui/sync_controller.h"

#include <QJSEngine>

namespace homevisit::ui {

SyncController::SyncController(Worker* worker, QObject* parent)
    : QObject(parent), worker_(worker) {
  qRegisterMetaType<SyncOutcome>();
  qRegisterMetaType<LoginOutcome>();
  connect(this, &SyncController::progressFromWorker, this, &SyncController::onProgress,
          Qt::QueuedConnection);
  connect(this, &SyncController::outcomeFromWorker, this, &SyncController::onOutcome,
          Qt::QueuedConnection);
  connect(this, &SyncController::loginFromWorker, this, &SyncController::onLogin,
          Qt::QueuedConnection);
}

SyncController::~SyncController() {
  if (backend_) {
    backend_->Cancel();
    worker_->drain();
  }
}

void SyncController::setBackend(std::unique_ptr<SyncBackend> backend) {
  if (backend_) {
    backend_->Cancel();
    worker_->drain();
  }
  backend_ = std::move(backend);
  if (state_ == Running) {
    state_ = Idle;
    emit stateChanged();
  }
}

void SyncController::restore(const QDateTime& lastSync, bool online) {
  if (lastSync != lastSync_) {
    lastSync_ = lastSync;
    emit lastSyncChanged();
  }
  if (online != online_) {
    online_ = online;
    emit onlineChanged();
  }
}

void SyncController::setPendingCount(int count) {
  if (count == pendingCount_) return;
  pendingCount_ = count;
  emit pendingCountChanged();
}

void SyncController::login(const QString& address, const QString& user,
                           const QString& password) {
  if (loginBusy_ || state_ == Running || !backend_) return;
  if (address.trimmed().isEmpty() || user.trimmed().isEmpty() || password.isEmpty()) {
    loginError_ = QStringLiteral("missing");
    loginErrorDetail_.clear();
    emit loginChanged();
    return;
  }
  loginBusy_ = true;
  loginError_.clear();
  loginErrorDetail_.clear();
  emit loginChanged();
  SyncBackend* backend = backend_.get();
  worker_->post([this, backend, address = address.trimmed(), user = user.trimmed(), password] {
    emit loginFromWorker(backend->Login(address, user, password));
  });
}

void SyncController::onLogin(const LoginOutcome& outcome) {
  loginBusy_ = false;
  loginError_ = outcome.ok ? QString() : outcome.errorKind;
  loginErrorDetail_ = outcome.detail;
  if (outcome.ok) {
    enrolled_ = true;
    if (!online_) {
      online_ = true;
      emit onlineChanged();
    }
  }
  emit loginChanged();
  if (outcome.ok) emit loggedIn();
}

void SyncController::start() {
  if (state_ == Running || loginBusy_) return;
  if (!backend_ || !enrolled_) {
    errorKind_ = QStringLiteral("auth");
    errorMessage_.clear();
    state_ = Failed;
    emit stateChanged();
    return;
  }
  state_ = Running;
  phase_ = QStringLiteral("connect");
  done_ = total_ = 0;
  errorKind_.clear();
  errorMessage_.clear();
  emit stateChanged();
  emit progressChanged();
  SyncBackend* backend = backend_.get();
  backend->ClearCancel();
  // Runs on the worker thread; it touches only the backend and emits signals, which are
  // queued to this object on the UI thread.
  worker_->post([this, backend] {
    SyncOutcome outcome = backend->Run([this](const QString& phase, qint64 done, qint64 total) {
      emit progressFromWorker(phase, done, total);
    });
    emit outcomeFromWorker(outcome);
  });
}

void SyncController::cancel() {
  if (state_ == Running && backend_) backend_->Cancel();
}

void SyncController::onProgress(const QString& phase, qint64 done, qint64 total) {
  if (state_ != Running) return;
  phase_ = phase;
  done_ = done;
  total_ = total;
  emit progressChanged();
}

void SyncController::onOutcome(const SyncOutcome& outcome) {
  if (state_ != Running) return;  // a job whose backend was replaced meanwhile
  const bool wasOnline = online_;
  online_ = outcome.reachedServer;
  if (outcome.ok) lastSync_ = QDateTime::currentDateTime();
  errorKind_ = outcome.errorKind;
  errorMessage_ = outcome.message;
  conflicts_ = outcome.conflicts;
  state_ = outcome.ok ? Succeeded : Failed;
  emit stateChanged();
  if (wasOnline != online_) emit onlineChanged();
  if (outcome.ok) emit lastSyncChanged();
  emit finished(outcome.ok);
}

namespace {
SyncController* g_currentSyncController = nullptr;
}

void SyncController::setCurrent(SyncController* instance) { g_currentSyncController = instance; }

SyncController* SyncController::create(QQmlEngine*, QJSEngine* js) {
  Q_ASSERT_X(g_currentSyncController, "SyncController::create", "AppContext::attach must run before QML loads");
  js->setObjectOwnership(g_currentSyncController, QJSEngine::CppOwnership);
  return g_currentSyncController;
}

}  // namespace homevisit::ui
