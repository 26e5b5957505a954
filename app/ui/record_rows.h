// Turning the device's records into the rows the pages show. Pure functions of records (no
// store, no I/O), so they are tested with records built in the test.
//
// Field names follow the record-type conventions shared with the server: student (name,
// gender, grade, class_name, village, hamlet, household_id, ...), household (head_name,
// address, member_count, ...), visit (student_id, status, author, tier, review_comment,
// updated by stamps), conflict (record_id, field, winner, loser, stamps and nodes, status).
#pragma once

#include <QDateTime>
#include <QHash>
#include <QSet>
#include <QString>
#include <QVariantMap>
#include <map>
#include <vector>

#include "app/ui/rows.h"
#include "core/record.h"

namespace homevisit::ui {

// The records a page needs, indexed by id text.
struct RecordSet {
  std::map<QString, Record> students;
  std::map<QString, Record> households;
  std::map<QString, Record> visits;
  std::map<QString, Record> conflicts;
  // Display names of users by login name and by device node, when known.
  QHash<QString, QString> userNames;
  QHash<quint32, QString> nodeNames;
  // School display names by scope path ("county/township/school" -> "城关小学").
  QHash<QString, QString> schoolNames;
  // Records whose fields have local changes not yet accepted by the server.
  QSet<QString> pendingIds;
};

QString IdText(const Uuid& id);
QString TextField(const Record& r, const char* name);
// The time of the newest field write of a record (its last change), local time.
QDateTime LastChange(const Record& r);

// "三年级" for grade 3; the grade number as text for grades outside 1..9.
QString GradeText(const Record& student);
QString SchoolName(const RecordSet& set, const std::string& scope);

StudentRow StudentRowOf(const RecordSet& set, const Record& student);
VisitRow VisitRowOf(const RecordSet& set, const Record& visit);
ConflictRow ConflictRowOf(const RecordSet& set, const Record& conflict);

// Every student with the status of their latest visit, for the roster.
std::vector<StudentRow> RosterRows(const RecordSet& set);
// Visits with one of `statuses` (and of `author` when not empty), newest change first, or
// oldest first when `oldestFirst` (the review queue: first come, first served).
std::vector<VisitRow> VisitRows(const RecordSet& set, const QStringList& statuses,
                                const QString& author, bool oldestFirst);
std::vector<VisitRow> VisitRowsOfStudent(const RecordSet& set, const QString& studentId);
std::vector<ConflictRow> OpenConflictRows(const RecordSet& set);
// The student page's details (see StudentPage.qml for the keys).
QVariantMap StudentDetail(const RecordSet& set, const QString& studentId, const QString& author);

}  // namespace homevisit::ui
