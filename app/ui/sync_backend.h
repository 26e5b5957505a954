// What the SyncController runs on its worker thread: signing in (enrolling the device) and
// one sync of the device with the server. The implementation over app/sync is
// device_sync_backend.cc; the controller only needs this shape.
#pragma once

#include <QMetaType>
#include <QString>
#include <functional>

namespace homevisit::ui {

struct SyncOutcome {
  bool ok = false;
  // Empty when ok; else "offline", "auth", "rejected", "server", "cancelled".
  QString errorKind;
  // A plain sentence for the user, in the UI language, never a status code.
  QString message;
  bool reachedServer = false;  // the server answered at least once
  int pushed = 0;
  int pulled = 0;
  int conflicts = 0;
};

struct LoginOutcome {
  bool ok = false;
  // Empty when ok; else "missing", "address", "offline", "auth", "throttled", "server".
  QString errorKind;
  QString detail;  // the server's words, for the rare error the UI has no sentence for
};

class SyncBackend {
 public:
  using Progress = std::function<void(const QString& phase, qint64 done, qint64 total)>;
  virtual ~SyncBackend() = default;
  // Enrols this device for the user on the server at `address` (host:port) and keeps the
  // device token, role and scopes in the device store. Runs on the worker thread.
  virtual LoginOutcome Login(const QString& address, const QString& user,
                             const QString& password) = 0;
  // Runs one sync to its end on the calling (worker) thread, reporting progress.
  virtual SyncOutcome Run(const Progress& progress) = 0;
  // Asks the running Run() (or the one about to run) to stop soon; safe from any thread.
  virtual void Cancel() = 0;
  // Called on the UI thread before a Run() is queued: forget an earlier Cancel().
  virtual void ClearCancel() {}
};

}  // namespace homevisit::ui

Q_DECLARE_METATYPE(homevisit::ui::SyncOutcome)
Q_DECLARE_METATYPE(homevisit::ui::LoginOutcome)
