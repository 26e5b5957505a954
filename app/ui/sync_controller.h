// The sync action as the UI sees it, always in view in the SyncBar.
//
// States (property `state`):
//   Idle ──start()──▶ Running ──job ends ok──▶ Succeeded ──start()──▶ Running ...
//                       │  └───job fails────▶ Failed    ──start()──▶ Running ...
//                       └──cancel()──▶ (the job stops at its next step) ──▶ Failed (cancelled)
// Invariants: at most one job runs at a time (start() while Running does nothing); the job
// runs on the worker thread owned here, never on the UI thread; progress and the outcome
// reach the UI thread as queued signals, so properties change only on the UI thread.
#pragma once

#include <QDateTime>
#include <QObject>
#include <QtQml/qqmlregistration.h>
#include <functional>
#include <memory>

#include "app/ui/sync_backend.h"
#include "app/ui/worker.h"

class QQmlEngine;
class QJSEngine;

namespace homevisit::ui {

class SyncController : public QObject {
  Q_OBJECT
  QML_NAMED_ELEMENT(Sync)
  QML_SINGLETON
  Q_PROPERTY(State state READ state NOTIFY stateChanged)
  Q_PROPERTY(bool running READ running NOTIFY stateChanged)
  Q_PROPERTY(bool online READ online NOTIFY onlineChanged)
  Q_PROPERTY(QString phase READ phase NOTIFY progressChanged)
  Q_PROPERTY(qint64 done READ done NOTIFY progressChanged)
  Q_PROPERTY(qint64 total READ total NOTIFY progressChanged)
  Q_PROPERTY(QDateTime lastSync READ lastSync NOTIFY lastSyncChanged)
  Q_PROPERTY(int pendingCount READ pendingCount NOTIFY pendingCountChanged)
  Q_PROPERTY(QString errorKind READ errorKind NOTIFY stateChanged)
  Q_PROPERTY(QString errorMessage READ errorMessage NOTIFY stateChanged)
  Q_PROPERTY(int conflicts READ conflicts NOTIFY stateChanged)
  Q_PROPERTY(bool loginBusy READ loginBusy NOTIFY loginChanged)
  Q_PROPERTY(QString loginError READ loginError NOTIFY loginChanged)
  Q_PROPERTY(QString loginErrorDetail READ loginErrorDetail NOTIFY loginChanged)

 public:
  enum State { Idle, Running, Succeeded, Failed };
  Q_ENUM(State)

  // worker: the app's background thread, shared with login; must outlive this object.
  explicit SyncController(Worker* worker, QObject* parent = nullptr);
  ~SyncController() override;

  // The backend used by login() and start(). Owned here; it is only called on the worker
  // thread (Login, Run) or from any thread (Cancel). Replacing it waits for a running job.
  void setBackend(std::unique_ptr<SyncBackend> backend);
  // Whether start() may run: the device is enrolled.
  void setEnrolled(bool enrolled) { enrolled_ = enrolled; }

  State state() const { return state_; }
  bool running() const { return state_ == Running; }
  bool online() const { return online_; }
  QString phase() const { return phase_; }
  qint64 done() const { return done_; }
  qint64 total() const { return total_; }
  QDateTime lastSync() const { return lastSync_; }
  int pendingCount() const { return pendingCount_; }
  QString errorKind() const { return errorKind_; }
  QString errorMessage() const { return errorMessage_; }
  int conflicts() const { return conflicts_; }
  bool loginBusy() const { return loginBusy_; }
  QString loginError() const { return loginError_; }
  QString loginErrorDetail() const { return loginErrorDetail_; }

  // Restores what the device remembers from earlier runs (at start-up).
  void restore(const QDateTime& lastSync, bool online);
  void setPendingCount(int count);

  // Signs in on the worker thread; loggedIn() follows on success, loginError otherwise.
  Q_INVOKABLE void login(const QString& address, const QString& user, const QString& password);
  Q_INVOKABLE void start();
  Q_INVOKABLE void cancel();

  // The instance QML's singleton "Sync" resolves to in engines created from now on;
  // owned by the app (AppContext), never by an engine.
  static void setCurrent(SyncController* instance);
  static SyncController* create(QQmlEngine* qml, QJSEngine* js);

 signals:
  void stateChanged();
  void onlineChanged();
  void progressChanged();
  void lastSyncChanged();
  void pendingCountChanged();
  void loginChanged();
  void loggedIn();
  // After a job ends (either way): the data layer reloads what the UI shows.
  void finished(bool ok);
  // Internal: from the worker thread to the UI thread.
  void progressFromWorker(const QString& phase, qint64 done, qint64 total);
  void outcomeFromWorker(const homevisit::ui::SyncOutcome& outcome);
  void loginFromWorker(const homevisit::ui::LoginOutcome& outcome);

 private:
  void onProgress(const QString& phase, qint64 done, qint64 total);
  void onOutcome(const SyncOutcome& outcome);
  void onLogin(const LoginOutcome& outcome);

  Worker* worker_;
  std::unique_ptr<SyncBackend> backend_;
  bool enrolled_ = false;
  State state_ = Idle;
  bool online_ = false;
  QString phase_;
  qint64 done_ = 0;
  qint64 total_ = 0;
  QDateTime lastSync_;
  int pendingCount_ = 0;
  QString errorKind_;
  QString errorMessage_;
  int conflicts_ = 0;
  bool loginBusy_ = false;
  QString loginError_;
  QString loginErrorDetail_;
};

}  // namespace homevisit::ui
