// Plain rows the list models show. The data layer (app_data.cc) fills them from the device
// store; the models only hold and filter them, so they can be tested with rows built in the
// test itself.
#pragma once

#include <QDateTime>
#include <QString>
#include <QStringList>

namespace homevisit::ui {

struct StudentRow {
  QString id;
  QString name;
  QString gender;      // "male" / "female" / ""
  QString school;      // display name of the school
  QString grade;       // "三年级"
  int gradeOrder = 0;  // 1..9: grades sort by number, not by the text of their names
  QString className;   // "3班"
  QString village;     // 村
  QString hamlet;      // 组
  QString householdId;
  // Status of the student's latest visit ("" when never visited): draft, submitted, returned,
  // resubmitted, approved, rejected.
  QString visitStatus;
};

struct VisitRow {
  QString id;
  QString studentId;
  QString studentName;
  QString school;
  QString className;
  QString village;
  QString status;
  QString authorName;
  QString comment;          // the coordinator's comment when returned or rejected
  QString recommendedTier;  // the teacher's assessment (code)
  QString determinedTier;   // the coordinator's decision (code)
  QDateTime updated;        // local time of the last change
  bool pending = false;     // has local changes not yet accepted by the server
};

struct ConflictRow {
  QString id;
  QString recordId;
  QString recordLabel;   // "张小明 · 家访 2024-03-02"
  QString field;         // field name
  QString fieldLabel;    // question label in the current language
  QString currentValue;  // the value the merge kept (display text)
  QString currentBy;
  QDateTime currentAt;
  QString otherValue;    // the value that lost (display text)
  QString otherBy;
  QDateTime otherAt;
};

// One bar of the coverage chart: a school (level 0) or one of its classes (level 1).
struct CoverageRow {
  int level = 0;
  QString label;
  int students = 0;
  int studentsVisited = 0;
  int households = 0;
  int householdsVisited = 0;
};

}  // namespace homevisit::ui
