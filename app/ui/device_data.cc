#include "app/ui/device_data.h"

#include <QCryptographicHash>
#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QSaveFile>
#include <QUrl>

#include "core/forms/form_parser.h"
#include "core/forms/form_record.h"
#include "core/review.h"

namespace homevisit::ui {
namespace {

// Records listed per type at most; a school has a few thousand students at the very most.
constexpr size_t kListLimit = 200000;
constexpr char kHomeVisitForm[] = "home_visit";

Result<Uuid> ParseId(const QString& id) {
  auto uuid = Uuid::Parse(id.toStdString());
  if (!uuid) return InvalidArgument("not a record id");
  return *uuid;
}

QString RoleText(Role role) { return QString::fromLatin1(RoleName(role)); }

}  // namespace

Result<std::unique_ptr<DeviceData>> DeviceData::Open(const QString& dir) {
  if (!QDir().mkpath(dir) || !QDir().mkpath(dir + QStringLiteral("/attachments"))) {
    return Status(StatusCode::kInvalidArgument,
                  "cannot create the data folder " + dir.toStdString());
  }
  const std::string path = (dir + QStringLiteral("/device.db")).toStdString();
  auto store = store::DeviceStore::Open(path);
  if (!store.ok()) return store.status();
  auto reader = (*store)->OpenReader();
  if (!reader.ok()) return reader.status();
  return std::unique_ptr<DeviceData>(
      new DeviceData(dir, std::move(store).value(), std::move(reader).value()));
}

Account DeviceData::LoadAccount() {
  Account a;
  auto state = store_->State();
  if (!state.ok()) return a;
  const store::LoginInfo& login = state->login;
  a.userName = QString::fromStdString(login.user);
  a.serverAddress = QString::fromStdString(login.server);
  a.enrolled = state->logged_in();
  a.coreRole = login.role;
  a.role = RoleText(login.role);
  a.displayName = login.display_name.empty() ? a.userName : QString::fromStdString(login.display_name);
  return a;
}

Result<RecordSet> DeviceData::LoadRecords() {
  RecordSet set;
  auto load = [&](const char* type, std::map<QString, Record>* into) -> Status {
    auto views = reader_->List(type, kListLimit);
    if (!views.ok()) return views.status();
    for (store::RecordView& v : *views) {
      const QString id = IdText(v.record.id);
      if (!v.pending.empty()) set.pendingIds.insert(id);
      into->emplace(id, std::move(v.record));
    }
    return Status::Ok();
  };
  if (Status s = load("student", &set.students); !s.ok()) return s;
  if (Status s = load("household", &set.households); !s.ok()) return s;
  if (Status s = load("visit", &set.visits); !s.ok()) return s;
  auto conflicts = reader_->OpenConflicts();
  if (!conflicts.ok()) return conflicts.status();
  for (store::RecordView& v : *conflicts) set.conflicts.emplace(IdText(v.record.id), std::move(v.record));
  // The signed-in user's own name for their visits and devices.
  const Account account = LoadAccount();
  if (!account.userName.isEmpty()) set.userNames.insert(account.userName, account.displayName);
  if (auto state = store_->State(); state.ok() && state->login.node != 0) {
    set.nodeNames.insert(state->login.node, account.displayName);
  }
  return set;
}

int DeviceData::PendingCount() {
  auto n = reader_->PendingCount();
  return n.ok() ? static_cast<int>(*n) : 0;
}

std::shared_ptr<const forms::Form> DeviceData::BundledForm() {
  if (!bundled_) {
    QFile file(QStringLiteral(":/forms/home_visit.v1.json"));
    if (!file.open(QIODevice::ReadOnly)) return nullptr;
    auto form = forms::ParseForm(file.readAll().toStdString());
    if (!form.ok()) return nullptr;
    bundled_ = std::make_shared<const forms::Form>(std::move(form).value());
  }
  return bundled_;
}

Result<std::shared_ptr<const forms::Form>> DeviceData::FormVersion(const QString& formId,
                                                                   qint64 version) {
  auto synced = SyncedFormVersion(formId, version);
  if (synced.ok() || synced.status().code() != StatusCode::kNotFound) return synced;
  // Not synced yet (or a version this device never received): the form that ships with the
  // app shows the answers by their question names, rather than nothing.
  if (auto bundled = BundledForm()) return bundled;
  return synced;
}

Result<std::shared_ptr<const forms::Form>> DeviceData::SyncedFormVersion(const QString& formId,
                                                                         qint64 version) {
  auto key = std::make_pair(formId.toStdString(), static_cast<int64_t>(version));
  if (auto it = forms_.find(key); it != forms_.end()) return it->second;
  auto id = forms::FormRecordId(key.first, key.second);
  auto view = reader_->Get(id);
  if (!view.ok()) return view.status();
  if (!view->has_value()) {
    return NotFound("form " + key.first + " version " + std::to_string(version) +
                    " is not on this device yet; sync first");
  }
  auto form = forms::FormFromRecord((*view)->record);
  if (!form.ok()) return form.status();
  auto shared = std::make_shared<const forms::Form>(std::move(form).value());
  forms_.emplace(key, shared);
  return shared;
}

Result<std::shared_ptr<const forms::Form>> DeviceData::LatestForm() {
  auto views = reader_->List("form", kListLimit);
  if (!views.ok()) return views.status();
  int64_t best = 0;
  for (const store::RecordView& v : *views) {
    const FieldVersion* id = v.record.Find(forms::kFormIdField);
    const FieldVersion* version = v.record.Find(forms::kFormVersionField);
    if (!id || !version || !id->value.get_if<std::string>() || !version->value.get_if<int64_t>()) continue;
    if (*id->value.get_if<std::string>() != kHomeVisitForm) continue;
    best = std::max(best, *version->value.get_if<int64_t>());
  }
  if (best == 0) {
    // Before the server has sent a form, visits follow the one that ships with the app
    // (the same file the server publishes as version 1).
    if (auto bundled = BundledForm()) return bundled;
    return NotFound("the home-visit form is not on this device yet; sync first");
  }
  return FormVersion(QString::fromLatin1(kHomeVisitForm), best);
}

Result<store::RecordView> DeviceData::GetRecord(const QString& id) {
  auto uuid = ParseId(id);
  if (!uuid.ok()) return uuid.status();
  auto view = reader_->Get(*uuid);
  if (!view.ok()) return view.status();
  if (!view->has_value()) return NotFound("no such record on this device");
  return std::move(**view);
}

Result<QString> DeviceData::SaveVisit(const VisitSave& visit, const Account& account) {
  auto form = FormVersion(visit.formId, visit.formVersion);
  if (!form.ok()) return form.status();
  store::FieldValues fields;
  if (visit.visitId.isEmpty()) {
    auto student = GetRecord(visit.studentId);
    if (!student.ok()) return student.status();
    for (const auto& [name, value] : visit.answers) fields[name] = value;
    fields["student_id"] = visit.studentId.toStdString();
    if (const FieldVersion* h = student->record.Find("household_id")) fields["household_id"] = h->value;
    fields[forms::kVisitFormIdField] = visit.formId.toStdString();
    fields[forms::kVisitFormVersionField] = static_cast<int64_t>(visit.formVersion);
    fields[kVisitStatusField] = visit.status.toStdString();
    fields["author"] = account.userName.toStdString();
    auto id = store_->Create("visit", student->record.scope, fields);
    if (!id.ok()) return id.status();
    return IdText(*id);
  }
  auto current = GetRecord(visit.visitId);
  if (!current.ok()) return current.status();
  const Record& record = current->record;
  const std::string from = [&] {
    const FieldVersion* s = record.Find(kVisitStatusField);
    return s && s->value.get_if<std::string>() ? *s->value.get_if<std::string>() : std::string();
  }();
  if (Status s = CheckVisitStatusMove(from, visit.status.toStdString(), account.coreRole); !s.ok()) {
    return s;
  }
  // Only what changed: an unchanged answer written again would look like an edit to the
  // merge and could raise a needless conflict with a coordinator's correction.
  for (const auto& [name, value] : visit.answers) {
    const FieldVersion* old = record.Find(name);
    if (!old || !(old->value == value)) fields[name] = value;
  }
  for (const forms::FormField& f : (*form)->fields) {
    if (f.repeat >= 0 || !forms::HoldsAnswer(f.type)) continue;
    const FieldVersion* old = record.Find(f.name);
    if (old && !old->value.is_null() && !visit.answers.count(f.name)) fields[f.name] = Value();
  }
  if (from != visit.status.toStdString()) fields[kVisitStatusField] = visit.status.toStdString();
  if (fields.empty()) return visit.visitId;
  if (Status s = store_->Set(record.id, fields); !s.ok()) return s;
  return visit.visitId;
}

Status DeviceData::Decide(const QString& visitId, const QString& status, const QString& tier,
                          const QString& comment, const Account& account) {
  auto current = GetRecord(visitId);
  if (!current.ok()) return current.status();
  const Record& visit = current->record;
  const FieldVersion* s = visit.Find(kVisitStatusField);
  const std::string from = s && s->value.get_if<std::string>() ? *s->value.get_if<std::string>() : "";
  if (Status st = CheckVisitStatusMove(from, status.toStdString(), account.coreRole); !st.ok()) return st;
  const int64_t now = QDateTime::currentMSecsSinceEpoch();
  store::FieldValues fields{{kVisitStatusField, status.toStdString()},
                            {"review_comment", comment.trimmed().toStdString()},
                            {"reviewed_by", account.userName.toStdString()},
                            {"reviewed_at", now}};
  if (!tier.isEmpty()) fields["tier"] = tier.toStdString();
  const char* decision = status == QLatin1String("approved")   ? "approve"
                         : status == QLatin1String("returned") ? "return"
                                                               : "reject";
  store::FieldValues review{{"visit_id", visitId.toStdString()},
                            {"decision", std::string(decision)},
                            {"comment", comment.trimmed().toStdString()},
                            {"reviewer", account.userName.toStdString()},
                            {"decided_at", now}};
  if (!tier.isEmpty()) review["tier"] = tier.toStdString();
  // The visit's new state and the review record that documents it: both or neither.
  auto id = store_->SetAndCreate(visit.id, fields, "review", visit.scope, review);
  return id.ok() ? Status::Ok() : id.status();
}

Status DeviceData::ResolveConflict(const QString& conflictId, bool keepOther) {
  auto conflict = GetRecord(conflictId);
  if (!conflict.ok()) return conflict.status();
  const Record& c = conflict->record;
  Value chosen;
  if (keepOther) {
    const FieldVersion* loser = c.Find("loser");
    if (!loser) return FailedPrecondition("the conflict holds no other value");
    chosen = loser->value;
  } else {
    // Keeping what is shown: the record's current value, written again so the choice is
    // recorded like any edit.
    const FieldVersion* record = c.Find("record_id");
    const FieldVersion* field = c.Find("field");
    if (!record || !field || !record->value.get_if<std::string>() || !field->value.get_if<std::string>()) {
      return FailedPrecondition("the conflict does not name its record");
    }
    auto target = GetRecord(QString::fromStdString(*record->value.get_if<std::string>()));
    if (!target.ok()) return target.status();
    const FieldVersion* current = target->record.Find(*field->value.get_if<std::string>());
    if (current) {
      chosen = current->value;
    } else if (const FieldVersion* winner = c.Find("winner")) {
      chosen = winner->value;
    }
  }
  return store_->ResolveConflict(c.id, chosen, keepOther ? "kept the other value" : "kept the current value");
}

Result<BlobRef> DeviceData::PutAttachment(const QByteArray& bytes) {
  const QByteArray sha = QCryptographicHash::hash(bytes, QCryptographicHash::Sha256);
  const QString path = dir_ + QStringLiteral("/attachments/") + QString::fromLatin1(sha.toHex());
  if (!QFile::exists(path)) {
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(bytes) != bytes.size() || !file.commit()) {
      return Status(StatusCode::kInternal, "cannot keep the photo on this phone: storage full?");
    }
  }
  return BlobRef{sha.toStdString()};
}

QString DeviceData::AttachmentUrl(const BlobRef& blob) const {
  const QString path = dir_ + QStringLiteral("/attachments/") +
                       QString::fromLatin1(QByteArray::fromStdString(blob.sha256).toHex());
  return QFile::exists(path) ? QUrl::fromLocalFile(path).toString() : QString();
}

}  // namespace homevisit::ui
