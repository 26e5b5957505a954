#include "app/ui/record_rows.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QStringList>
#include <algorithm>

#include "app/ui/form_values.h"

namespace homevisit::ui {
namespace {

const char* const kGradeNames[] = {"一年级", "二年级", "三年级", "四年级", "五年级",
                                   "六年级", "七年级", "八年级", "九年级"};

// "1732780800000.3@17" (Stamp::ToString) -> physical ms and node.
bool ParseStampText(const QString& text, qint64* ms, quint32* node) {
  const int dot = text.indexOf(QLatin1Char('.'));
  const int at = text.indexOf(QLatin1Char('@'));
  if (dot <= 0 || at <= dot) return false;
  bool ok1 = false, ok2 = false;
  *ms = text.left(dot).toLongLong(&ok1);
  *node = text.mid(at + 1).toUInt(&ok2);
  return ok1 && ok2;
}

QString Who(const RecordSet& set, const QString& login) {
  auto it = set.userNames.find(login);
  return it != set.userNames.end() ? *it : login;
}

QString NodeName(const RecordSet& set, quint32 node) {
  if (node == kServerNode) return QCoreApplication::translate("Records", "Server");
  auto it = set.nodeNames.find(node);
  return it != set.nodeNames.end() ? *it
                                   : QCoreApplication::translate("Records", "Device %1").arg(node);
}

const Record* Find(const std::map<QString, Record>& map, const QString& id) {
  auto it = map.find(id);
  return it == map.end() ? nullptr : &it->second;
}

}  // namespace

QString IdText(const Uuid& id) { return QString::fromStdString(id.ToString()); }

QString TextField(const Record& r, const char* name) {
  const FieldVersion* f = r.Find(name);
  if (!f) return {};
  if (const auto* s = f->value.get_if<std::string>()) return QString::fromStdString(*s);
  if (const auto* n = f->value.get_if<int64_t>()) return QString::number(*n);
  if (const auto* d = f->value.get_if<Date>()) return QString::fromStdString(FormatDate(*d));
  return {};
}

QDateTime LastChange(const Record& r) {
  uint64_t newest = 0;
  for (const auto& [name, f] : r.fields) newest = std::max(newest, f.stamp.physical_ms());
  return newest ? QDateTime::fromMSecsSinceEpoch(static_cast<qint64>(newest)) : QDateTime();
}

QString GradeText(const Record& student) {
  const FieldVersion* f = student.Find("grade");
  if (!f) return {};
  if (const auto* n = f->value.get_if<int64_t>()) {
    if (*n >= 1 && *n <= 9) return QString::fromUtf8(kGradeNames[*n - 1]);
    return QString::number(*n);
  }
  return TextField(student, "grade");
}

QString SchoolName(const RecordSet& set, const std::string& scope) {
  const QString path = QString::fromStdString(scope);
  auto it = set.schoolNames.find(path);
  if (it != set.schoolNames.end()) return *it;
  return path.section(QLatin1Char('/'), -1);
}

StudentRow StudentRowOf(const RecordSet& set, const Record& s) {
  StudentRow row;
  row.id = IdText(s.id);
  row.name = TextField(s, "name");
  row.gender = TextField(s, "gender");
  row.school = SchoolName(set, s.scope);
  row.grade = GradeText(s);
  if (const FieldVersion* g = s.Find("grade"); g && g->value.get_if<int64_t>()) {
    row.gradeOrder = static_cast<int>(*g->value.get_if<int64_t>());
  }
  row.className = TextField(s, "class_name");
  // Rosters often write the grade into the class name ("三年级2班"): show it once.
  if (!row.grade.isEmpty() && row.className.startsWith(row.grade)) row.className.remove(0, row.grade.size());
  row.village = TextField(s, "village");
  row.hamlet = TextField(s, "hamlet");
  row.householdId = TextField(s, "household_id");
  return row;
}

VisitRow VisitRowOf(const RecordSet& set, const Record& v) {
  VisitRow row;
  row.id = IdText(v.id);
  row.studentId = TextField(v, "student_id");
  if (const Record* s = Find(set.students, row.studentId)) {
    row.studentName = TextField(*s, "name");
    row.school = SchoolName(set, s->scope);
    const StudentRow student = StudentRowOf(set, *s);
    row.className = student.grade + student.className;
    row.village = TextField(*s, "village") + TextField(*s, "hamlet");
  } else {
    row.school = SchoolName(set, v.scope);
  }
  row.status = TextField(v, "status");
  row.authorName = Who(set, TextField(v, "author"));
  row.comment = TextField(v, "review_comment");
  // The teacher's assessment is the form's assessed_tier answer (recommended_tier when a
  // visit was recorded without the form's question).
  row.recommendedTier = TextField(v, "assessed_tier");
  if (row.recommendedTier.isEmpty()) row.recommendedTier = TextField(v, "recommended_tier");
  row.determinedTier = TextField(v, "tier");
  row.updated = LastChange(v);
  row.pending = set.pendingIds.contains(row.id);
  return row;
}

ConflictRow ConflictRowOf(const RecordSet& set, const Record& c) {
  ConflictRow row;
  row.id = IdText(c.id);
  row.recordId = TextField(c, "record_id");
  row.field = TextField(c, "field");
  row.fieldLabel = row.field;
  const QString recordType = TextField(c, "record_type");
  const Record* target = nullptr;
  if (recordType == QLatin1String("visit")) target = Find(set.visits, row.recordId);
  else if (recordType == QLatin1String("student")) target = Find(set.students, row.recordId);
  else if (recordType == QLatin1String("household")) target = Find(set.households, row.recordId);
  QString who;
  if (target && recordType == QLatin1String("visit")) {
    const Record* s = Find(set.students, TextField(*target, "student_id"));
    who = s ? TextField(*s, "name") : QString();
    row.recordLabel = QCoreApplication::translate("Records", "Visit of %1").arg(who);
  } else if (target && recordType == QLatin1String("household")) {
    row.recordLabel = QCoreApplication::translate("Records", "Household of %1").arg(TextField(*target, "head_name"));
  } else if (target) {
    row.recordLabel = TextField(*target, "name");
  } else {
    row.recordLabel = QCoreApplication::translate("Records", "A %1 record").arg(recordType);
  }
  // What is shown now is the record's current value (it may have moved on since).
  const FieldVersion* current = target ? target->Find(row.field.toStdString()) : nullptr;
  const FieldVersion* winner = c.Find("winner");
  const FieldVersion* loser = c.Find("loser");
  row.currentValue = current ? ValueText(current->value, forms::FieldType::kText)
                             : (winner ? ValueText(winner->value, forms::FieldType::kText) : QString());
  row.otherValue = loser ? ValueText(loser->value, forms::FieldType::kText) : QString();
  qint64 ms = 0;
  quint32 node = 0;
  if (current) {
    row.currentAt = QDateTime::fromMSecsSinceEpoch(static_cast<qint64>(current->stamp.physical_ms()));
    row.currentBy = NodeName(set, current->stamp.node);
  } else if (ParseStampText(TextField(c, "winner_stamp"), &ms, &node)) {
    row.currentAt = QDateTime::fromMSecsSinceEpoch(ms);
    row.currentBy = NodeName(set, node);
  }
  if (ParseStampText(TextField(c, "loser_stamp"), &ms, &node)) {
    row.otherAt = QDateTime::fromMSecsSinceEpoch(ms);
    row.otherBy = NodeName(set, node);
  }
  // The server names the writers (newer servers); the current value is the winner unless a
  // later write replaced it.
  if (const QString by = TextField(c, "loser_by"); !by.isEmpty()) row.otherBy = by;
  if (const QString by = TextField(c, "winner_by");
      !by.isEmpty() && (!current || TextField(c, "winner_stamp") ==
                                        QString::fromStdString(current->stamp.ToString()))) {
    row.currentBy = by;
  }
  return row;
}

std::vector<StudentRow> RosterRows(const RecordSet& set) {
  // Latest visit per student: the one changed last (drafts included: a teacher sees them).
  QHash<QString, std::pair<QDateTime, QString>> latest;
  for (const auto& [id, v] : set.visits) {
    if (v.deleted()) continue;
    const QString student = TextField(v, "student_id");
    const QDateTime when = LastChange(v);
    auto it = latest.find(student);
    if (it == latest.end() || it->first < when) latest[student] = {when, TextField(v, "status")};
  }
  std::vector<StudentRow> rows;
  rows.reserve(set.students.size());
  for (const auto& [id, s] : set.students) {
    if (s.deleted()) continue;
    StudentRow row = StudentRowOf(set, s);
    if (auto it = latest.find(row.id); it != latest.end()) row.visitStatus = it->second;
    rows.push_back(std::move(row));
  }
  return rows;
}

std::vector<VisitRow> VisitRows(const RecordSet& set, const QStringList& statuses,
                                const QString& author, bool oldestFirst) {
  std::vector<VisitRow> rows;
  for (const auto& [id, v] : set.visits) {
    if (v.deleted() || !statuses.contains(TextField(v, "status"))) continue;
    if (!author.isEmpty() && TextField(v, "author") != author) continue;
    rows.push_back(VisitRowOf(set, v));
  }
  std::stable_sort(rows.begin(), rows.end(), [&](const VisitRow& a, const VisitRow& b) {
    return oldestFirst ? a.updated < b.updated : a.updated > b.updated;
  });
  return rows;
}

std::vector<VisitRow> VisitRowsOfStudent(const RecordSet& set, const QString& studentId) {
  std::vector<VisitRow> rows;
  for (const auto& [id, v] : set.visits) {
    if (!v.deleted() && TextField(v, "student_id") == studentId) rows.push_back(VisitRowOf(set, v));
  }
  std::stable_sort(rows.begin(), rows.end(),
                   [](const VisitRow& a, const VisitRow& b) { return a.updated > b.updated; });
  return rows;
}

std::vector<ConflictRow> OpenConflictRows(const RecordSet& set) {
  std::vector<ConflictRow> rows;
  for (const auto& [id, c] : set.conflicts) {
    if (c.deleted() || TextField(c, "status") != QLatin1String("open")) continue;
    rows.push_back(ConflictRowOf(set, c));
  }
  std::stable_sort(rows.begin(), rows.end(),
                   [](const ConflictRow& a, const ConflictRow& b) { return a.otherAt > b.otherAt; });
  return rows;
}

QVariantMap StudentDetail(const RecordSet& set, const QString& studentId, const QString& author) {
  const Record* s = Find(set.students, studentId);
  if (!s) return {};
  const StudentRow row = StudentRowOf(set, *s);
  QVariantMap m{{QStringLiteral("id"), row.id},
                {QStringLiteral("name"), row.name},
                {QStringLiteral("gender"), row.gender},
                {QStringLiteral("birthDate"), TextField(*s, "birth_date")},
                {QStringLiteral("school"), row.school},
                {QStringLiteral("grade"), row.grade},
                {QStringLiteral("className"), row.className},
                {QStringLiteral("studentNumber"), TextField(*s, "student_no")},
                {QStringLiteral("village"), row.village},
                {QStringLiteral("hamlet"), row.hamlet},
                {QStringLiteral("householdId"), row.householdId}};
  if (const Record* h = Find(set.households, row.householdId)) {
    m[QStringLiteral("householdHead")] = TextField(*h, "head_name");
    m[QStringLiteral("householdAddress")] = TextField(*h, "address");
    const FieldVersion* count = h->Find("member_count");
    m[QStringLiteral("memberCount")] =
        count && count->value.get_if<int64_t>() ? static_cast<int>(*count->value.get_if<int64_t>()) : 0;
  }
  QVariantList siblings;
  if (!row.householdId.isEmpty()) {
    for (const auto& [id, other] : set.students) {
      if (id == studentId || other.deleted() || TextField(other, "household_id") != row.householdId) continue;
      const StudentRow o = StudentRowOf(set, other);
      siblings.append(QVariantMap{{QStringLiteral("id"), o.id},
                                  {QStringLiteral("name"), o.name},
                                  {QStringLiteral("school"), o.school},
                                  {QStringLiteral("grade"), o.grade},
                                  {QStringLiteral("className"), o.className}});
    }
  }
  m[QStringLiteral("siblings")] = siblings;
  QVariantList decisions;
  QString openVisit;
  for (const VisitRow& v : VisitRowsOfStudent(set, studentId)) {
    if (!v.determinedTier.isEmpty() || v.status == QLatin1String("rejected")) {
      const Record& rec = set.visits.at(v.id);
      decisions.append(QVariantMap{{QStringLiteral("tier"), v.determinedTier},
                                   {QStringLiteral("status"), v.status},
                                   {QStringLiteral("by"), Who(set, TextField(rec, "reviewed_by"))},
                                   {QStringLiteral("date"), v.updated.toString(QStringLiteral("yyyy-MM-dd"))},
                                   {QStringLiteral("comment"), v.comment}});
    }
    // The teacher's own unfinished visit is continued rather than started again.
    if (openVisit.isEmpty() && (v.status == QLatin1String("draft") || v.status == QLatin1String("returned")) &&
        (author.isEmpty() || TextField(set.visits.at(v.id), "author") == author)) {
      openVisit = v.id;
    }
  }
  m[QStringLiteral("decisions")] = decisions;
  m[QStringLiteral("openVisitId")] = openVisit;
  return m;
}

}  // namespace homevisit::ui
