// The device's data as the UI sees it (QML singleton "Store"): who is signed in, the lists
// the pages show, the visit being edited or read, and the coordinator's decisions. Every
// change is a local write to the device store first; the sync sends it later. Reads and
// writes here are local SQLite calls on the UI thread: short by design (DESIGN.md "Client").
#pragma once

#include <QObject>
#include <QVariantMap>
#include <QtQml/qqmlregistration.h>
#include <memory>

#include "app/ui/conflict_list_model.h"
#include "app/ui/coverage_model.h"
#include "app/ui/device_data.h"
#include "app/ui/form_model.h"
#include "app/ui/student_list_model.h"
#include "app/ui/visit_list_model.h"

class QQmlEngine;
class QJSEngine;

namespace homevisit::ui {

class AppStore : public QObject {
  Q_OBJECT
  QML_NAMED_ELEMENT(Store)
  QML_SINGLETON
  Q_PROPERTY(bool enrolled READ enrolled NOTIFY enrolledChanged)
  Q_PROPERTY(QString role READ role NOTIFY enrolledChanged)
  Q_PROPERTY(bool isCoordinator READ isCoordinator NOTIFY enrolledChanged)
  Q_PROPERTY(QString displayName READ displayName NOTIFY enrolledChanged)
  Q_PROPERTY(QString userName READ userName NOTIFY enrolledChanged)
  Q_PROPERTY(QString serverAddress READ serverAddress NOTIFY enrolledChanged)
  Q_PROPERTY(QString lastError READ lastError NOTIFY lastErrorChanged)
  Q_PROPERTY(StudentListModel* students READ students CONSTANT)
  Q_PROPERTY(VisitListModel* drafts READ drafts CONSTANT)
  Q_PROPERTY(VisitListModel* returned READ returned CONSTANT)
  Q_PROPERTY(VisitListModel* reviewQueue READ reviewQueue CONSTANT)
  Q_PROPERTY(VisitListModel* studentVisits READ studentVisits CONSTANT)
  Q_PROPERTY(ConflictListModel* conflicts READ conflicts CONSTANT)
  Q_PROPERTY(CoverageModel* coverage READ coverage CONSTANT)
  Q_PROPERTY(QVariantMap currentStudent READ currentStudent NOTIFY currentStudentChanged)
  Q_PROPERTY(FormModel* form READ form CONSTANT)

 public:
  // data: the device's data; owned by the caller and outliving this object.
  explicit AppStore(DeviceData* data, QObject* parent = nullptr);

  bool enrolled() const { return account_.enrolled; }
  QString role() const { return account_.role; }
  bool isCoordinator() const {
    return account_.role == QLatin1String("coordinator") || account_.role == QLatin1String("admin");
  }
  QString displayName() const { return account_.displayName; }
  QString userName() const { return account_.userName; }
  // The enrolled server, or before enrolment the address to offer on the sign-in page.
  QString serverAddress() const {
    return account_.serverAddress.isEmpty() ? defaultServer_ : account_.serverAddress;
  }
  void setDefaultServer(const QString& address) {
    defaultServer_ = address;
    emit enrolledChanged();
  }
  QString lastError() const { return lastError_; }
  StudentListModel* students() { return &students_; }
  VisitListModel* drafts() { return &drafts_; }
  VisitListModel* returned() { return &returned_; }
  VisitListModel* reviewQueue() { return &reviewQueue_; }
  VisitListModel* studentVisits() { return &studentVisits_; }
  ConflictListModel* conflicts() { return &conflicts_; }
  CoverageModel* coverage() { return &coverage_; }
  QVariantMap currentStudent() const { return currentStudent_; }
  FormModel* form() { return &form_; }

  // Reloads everything the pages show from the device store (after start-up, a sync, a login).
  Q_INVOKABLE void reload();
  Q_INVOKABLE void openStudent(const QString& studentId);
  // Loads a visit into `form` (editable for its teacher while draft or returned).
  Q_INVOKABLE bool openVisit(const QString& visitId);
  // Starts a new draft visit of the student in `form`; nothing is written until saved.
  Q_INVOKABLE bool newVisit(const QString& studentId);

  // Coordinator decisions; false with lastError set when refused (not allowed, not found,
  // a return without a comment, no tier for an approval).
  Q_INVOKABLE bool approve(const QString& visitId, const QString& tier, const QString& comment);
  Q_INVOKABLE bool returnVisit(const QString& visitId, const QString& comment);
  Q_INVOKABLE bool reject(const QString& visitId, const QString& tier, const QString& comment);
  // Keeps the current value (keepOther false) or the other one; closes the conflict.
  Q_INVOKABLE bool resolveConflict(const QString& conflictId, bool keepOther);

  DeviceData* data() { return data_; }

  // The instance QML's singleton "Store" resolves to in engines created from now on;
  // owned by the app (AppContext), never by an engine.
  static void setCurrent(AppStore* instance);
  static AppStore* create(QQmlEngine* qml, QJSEngine* js);

 signals:
  void enrolledChanged();
  void lastErrorChanged();
  void currentStudentChanged();
  // The number of local changes not yet uploaded may have changed.
  void pendingChanged(int count);

 private:
  bool decide(const QString& visitId, const QString& status, const QString& tier,
              const QString& comment);
  void setError(const QString& message);
  void reloadLists();
  // After a local write: its error in plain words, or the lists reloaded to show it.
  bool finishWrite(const Status& written);
  void rebuildRows();
  void refreshRecord(const QString& visitId);

  DeviceData* data_;
  Account account_;
  RecordSet records_;
  QString currentStudentId_;
  bool rowsPending_ = false;
  QString defaultServer_;
  StudentListModel students_;
  VisitListModel drafts_;
  VisitListModel returned_;
  VisitListModel reviewQueue_;
  VisitListModel studentVisits_;
  ConflictListModel conflicts_;
  CoverageModel coverage_;
  QVariantMap currentStudent_;
  FormModel form_;
  QString lastError_;
};

}  // namespace homevisit::ui
