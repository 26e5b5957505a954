#include "app/ui/app_store.h"

#include <QCoreApplication>
#include <QTimer>

#include "core/forms/form_record.h"

#include <QJSEngine>

namespace homevisit::ui {
namespace {

// A refused action in plain words; the technical message only for the unexpected.
QString PlainError(const Status& s) {
  switch (s.code()) {
    case StatusCode::kPermissionDenied:
      return QCoreApplication::translate("AppStore", "You are not allowed to do this.");
    case StatusCode::kFailedPrecondition:
      return QCoreApplication::translate("AppStore", "This visit has already moved on (someone decided it meanwhile). Sync to see its state.");
    case StatusCode::kNotFound:
      return QCoreApplication::translate("AppStore", "This record is not on this phone. Sync and try again.");
    default:
      return QCoreApplication::translate("AppStore", "Could not save on this phone: %1").arg(QString::fromStdString(s.message()));
  }
}

}  // namespace

AppStore::AppStore(DeviceData* data, QObject* parent) : QObject(parent), data_(data) {
  form_.setSaver([this](const VisitSave& visit) -> Result<QString> {
    auto id = data_->SaveVisit(visit, account_);
    if (!id.ok()) return Status(id.status().code(), PlainError(id.status()).toStdString());
    refreshRecord(*id);
    return id;
  });
  form_.setAttachments([this](const QByteArray& bytes) { return data_->PutAttachment(bytes); },
                       [this](const BlobRef& blob) { return data_->AttachmentUrl(blob); });
}

void AppStore::setError(const QString& message) {
  if (message == lastError_) return;
  lastError_ = message;
  emit lastErrorChanged();
}

void AppStore::reload() {
  const Account before = account_;
  account_ = data_->LoadAccount();
  if (before.enrolled != account_.enrolled || before.role != account_.role ||
      before.userName != account_.userName || before.displayName != account_.displayName ||
      before.serverAddress != account_.serverAddress) {
    emit enrolledChanged();
  }
  reloadLists();
}

void AppStore::refreshRecord(const QString& visitId) {
  // One saved visit: re-read just that record; the lists follow on the next turn of the
  // event loop, so "save" returns as soon as the local transaction is done.
  if (auto view = data_->GetRecord(visitId); view.ok()) {
    if (view->pending.empty()) records_.pendingIds.remove(visitId);
    else records_.pendingIds.insert(visitId);
    records_.visits[visitId] = std::move(view->record);
  }
  if (rowsPending_) return;
  rowsPending_ = true;
  QTimer::singleShot(0, this, [this] {
    rowsPending_ = false;
    rebuildRows();
  });
}

void AppStore::reloadLists() {
  auto set = data_->LoadRecords();
  if (!set.ok()) {
    setError(PlainError(set.status()));
    return;
  }
  records_ = std::move(set).value();
  rebuildRows();
}

void AppStore::rebuildRows() {
  std::vector<StudentRow> roster = RosterRows(records_);
  coverage_.setFromRoster(roster);
  students_.setRows(std::move(roster));
  const QString me = isCoordinator() ? QString() : account_.userName;
  drafts_.setRows(VisitRows(records_, {QStringLiteral("draft")}, account_.userName, false));
  returned_.setRows(VisitRows(records_, {QStringLiteral("returned")}, me, false));
  reviewQueue_.setRows(isCoordinator()
                           ? VisitRows(records_, {QStringLiteral("submitted"), QStringLiteral("resubmitted")}, {}, true)
                           : std::vector<VisitRow>{});
  std::vector<ConflictRow> conflicts = isCoordinator() ? OpenConflictRows(records_) : std::vector<ConflictRow>{};
  if (!conflicts.empty()) {
    // Questions are named by their label in the form, not by their field name.
    if (auto form = data_->LatestForm(); form.ok()) {
      const bool english = form_.english();
      for (ConflictRow& c : conflicts) {
        if (const forms::FormField* f = (*form)->FindField(c.field.toStdString())) {
          const std::string& label = english && !f->label.en.empty() ? f->label.en : f->label.zh;
          if (!label.empty()) c.fieldLabel = QString::fromStdString(label);
        }
      }
    }
  }
  conflicts_.setRows(std::move(conflicts));
  if (!currentStudentId_.isEmpty()) {
    currentStudent_ = StudentDetail(records_, currentStudentId_, me);
    studentVisits_.setRows(VisitRowsOfStudent(records_, currentStudentId_));
    emit currentStudentChanged();
  }
  // Shown as records waiting to upload: a visit of forty answers is one thing to a teacher.
  emit pendingChanged(static_cast<int>(records_.pendingIds.size()));
}

void AppStore::openStudent(const QString& studentId) {
  currentStudentId_ = studentId;
  const QString me = isCoordinator() ? QString() : account_.userName;
  currentStudent_ = StudentDetail(records_, studentId, me);
  studentVisits_.setRows(VisitRowsOfStudent(records_, studentId));
  emit currentStudentChanged();
}

bool AppStore::openVisit(const QString& visitId) {
  auto view = data_->GetRecord(visitId);
  if (!view.ok()) {
    setError(PlainError(view.status()));
    return false;
  }
  const Record& visit = view->record;
  const QString formId = TextField(visit, "form_id");
  const FieldVersion* version = visit.Find("form_version");
  auto form = data_->FormVersion(formId, version && version->value.get_if<int64_t>()
                                             ? *version->value.get_if<int64_t>() : 0);
  if (!form.ok()) {
    setError(PlainError(form.status()));
    return false;
  }
  const VisitRow row = VisitRowOf(records_, visit);
  VisitInfo info{row.id, row.studentId, row.studentName, row.status, row.authorName, row.updated,
                 row.recommendedTier, row.determinedTier, row.comment};
  const bool editable = !isCoordinator() && TextField(visit, "author") == account_.userName &&
                        (row.status == QLatin1String("draft") || row.status == QLatin1String("returned"));
  form_.setReadOnly(!editable);
  form_.load(*form, std::move(info), forms::AnswersFromRecord(**form, visit));
  setError({});
  return true;
}

bool AppStore::newVisit(const QString& studentId) {
  auto form = data_->LatestForm();
  if (!form.ok()) {
    setError(PlainError(form.status()));
    return false;
  }
  auto student = records_.students.find(studentId);
  if (student == records_.students.end()) {
    setError(PlainError(NotFound("student")));
    return false;
  }
  VisitInfo info;
  info.studentId = studentId;
  info.studentName = TextField(student->second, "name");
  info.authorName = account_.displayName;
  form_.setReadOnly(false);
  form_.load(*form, std::move(info), {});
  setError({});
  return true;
}

bool AppStore::finishWrite(const Status& written) {
  if (!written.ok()) {
    setError(PlainError(written));
    return false;
  }
  setError({});
  reloadLists();
  return true;
}

bool AppStore::decide(const QString& visitId, const QString& status, const QString& tier,
                      const QString& comment) {
  return finishWrite(data_->Decide(visitId, status, tier, comment, account_));
}

bool AppStore::approve(const QString& visitId, const QString& tier, const QString& comment) {
  if (tier.isEmpty()) {
    setError(QCoreApplication::translate("AppStore", "Choose the determined tier before approving."));
    return false;
  }
  return decide(visitId, QStringLiteral("approved"), tier, comment);
}

bool AppStore::returnVisit(const QString& visitId, const QString& comment) {
  if (comment.trimmed().isEmpty()) {
    setError(QCoreApplication::translate("AppStore", "Write what the teacher should correct before returning the visit."));
    return false;
  }
  return decide(visitId, QStringLiteral("returned"), QString(), comment);
}

bool AppStore::reject(const QString& visitId, const QString& tier, const QString& comment) {
  return decide(visitId, QStringLiteral("rejected"), tier, comment);
}

bool AppStore::resolveConflict(const QString& conflictId, bool keepOther) {
  return finishWrite(data_->ResolveConflict(conflictId, keepOther));
}

namespace {
AppStore* g_currentAppStore = nullptr;
}

void AppStore::setCurrent(AppStore* instance) { g_currentAppStore = instance; }

AppStore* AppStore::create(QQmlEngine*, QJSEngine* js) {
  Q_ASSERT_X(g_currentAppStore, "AppStore::create", "AppContext::attach must run before QML loads");
  js->setObjectOwnership(g_currentAppStore, QJSEngine::CppOwnership);
  return g_currentAppStore;
}

}  // namespace homevisit::ui
