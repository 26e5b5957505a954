// The list models: contents, filtering and signals, each checked by QAbstractItemModelTester.
#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <gtest/gtest.h>

#include "app/ui/conflict_list_model.h"
#include "app/ui/coverage_model.h"
#include "app/ui/student_list_model.h"
#include "app/ui/visit_list_model.h"

namespace homevisit::ui {
namespace {

StudentRow Student(QString id, QString name, QString school, QString grade, QString klass,
                   QString village, QString household, QString status = {}) {
  StudentRow r;
  r.gradeOrder = grade == "一年级" ? 1 : 3;
  r.id = std::move(id);
  r.name = std::move(name);
  r.school = std::move(school);
  r.grade = std::move(grade);
  r.className = std::move(klass);
  r.village = std::move(village);
  r.householdId = std::move(household);
  r.visitStatus = std::move(status);
  return r;
}

std::vector<StudentRow> Roster() {
  return {Student("s1", "王小明", "石门小学", "三年级", "2班", "龙潭村", "h1", "approved"),
          Student("s2", "王小红", "石门小学", "一年级", "1班", "龙潭村", "h1", "draft"),
          Student("s3", "李子涵", "石门小学", "三年级", "2班", "白岩村", "h2"),
          Student("s4", "张浩然", "龙潭小学", "三年级", "1班", "石门村", "h3", "submitted")};
}

QStringList Names(const StudentListModel& m) {
  QStringList out;
  for (int i = 0; i < m.rowCount(); ++i) out << m.data(m.index(i), StudentListModel::NameRole).toString();
  return out;
}

TEST(StudentListModel, SortsBySchoolGradeClassThenName) {
  StudentListModel model;
  QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Fatal);
  model.setRows(Roster());
  ASSERT_EQ(model.rowCount(), 4);
  // 龙潭 (lóng) sorts before 石门 (shí) in pinyin; grade one before grade three by number
  // (by pinyin 三 sān would come before 一 yī).
  EXPECT_EQ(model.data(model.index(0), StudentListModel::SchoolRole).toString(), "龙潭小学");
  EXPECT_EQ(model.data(model.index(1), StudentListModel::SectionRole).toString(), "石门小学 · 一年级1班");
}

TEST(StudentListModel, SearchByPartOfTheNameAndVillageFilterCombine) {
  StudentListModel model;
  QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Fatal);
  model.setRows(Roster());
  QSignalSpy countSpy(&model, &StudentListModel::countChanged);
  model.setSearch(" 王小");
  EXPECT_EQ(Names(model), (QStringList{"王小红", "王小明"}));
  model.setVillage("白岩村");
  EXPECT_EQ(model.rowCount(), 0);
  model.setSearch("");
  EXPECT_EQ(Names(model), QStringList{"李子涵"});
  EXPECT_EQ(model.totalCount(), 4);
  EXPECT_GE(countSpy.count(), 3);
  EXPECT_EQ(model.villages(), (QStringList{"白岩村", "龙潭村", "石门村"}));
}

TEST(StudentListModel, NewRowsKeepTheFilterAndIdLookupsFollowIt) {
  StudentListModel model;
  QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Fatal);
  model.setSearch("子涵");
  model.setRows(Roster());
  ASSERT_EQ(model.rowCount(), 1);
  EXPECT_EQ(model.idAt(0), "s3");
  EXPECT_EQ(model.indexOfId("s3"), 0);
  EXPECT_EQ(model.indexOfId("s1"), -1);
  EXPECT_EQ(model.idAt(5), "");
}

TEST(VisitListModel, ShowsRowsInTheGivenOrderWithTheirRoles) {
  VisitListModel model;
  QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Fatal);
  QSignalSpy countSpy(&model, &VisitListModel::countChanged);
  VisitRow a;
  a.id = "v1";
  a.studentName = "王小明";
  a.status = "returned";
  a.comment = "请补拍住房照片";
  a.updated = QDateTime(QDate(2024, 3, 2), QTime(14, 5));
  a.pending = true;
  VisitRow b;
  b.id = "v2";
  b.studentName = "李子涵";
  b.status = "submitted";
  model.setRows({a, b});
  ASSERT_EQ(model.rowCount(), 2);
  EXPECT_EQ(countSpy.count(), 1);
  EXPECT_EQ(model.data(model.index(0), VisitListModel::CommentRole).toString(), "请补拍住房照片");
  EXPECT_EQ(model.data(model.index(0), VisitListModel::UpdatedTextRole).toString(), "2024-03-02 14:05");
  EXPECT_TRUE(model.data(model.index(0), VisitListModel::PendingRole).toBool());
  EXPECT_EQ(model.idAt(1), "v2");
  EXPECT_EQ(model.idAt(2), "");
  model.setRows({b});
  EXPECT_EQ(model.rowCount(), 1);
  EXPECT_EQ(countSpy.count(), 2);
}

TEST(ConflictListModel, ShowsBothValuesWithWhoAndWhen) {
  ConflictListModel model;
  QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Fatal);
  ConflictRow c;
  c.id = "c1";
  c.fieldLabel = "耕地面积（亩）";
  c.currentValue = "3.5";
  c.currentBy = "李主任";
  c.currentAt = QDateTime(QDate(2024, 3, 2), QTime(9, 0));
  c.otherValue = "2.5";
  c.otherBy = "王老师";
  model.setRows({c});
  const QModelIndex i = model.index(0);
  EXPECT_EQ(model.data(i, ConflictListModel::CurrentValueRole).toString(), "3.5");
  EXPECT_EQ(model.data(i, ConflictListModel::OtherValueRole).toString(), "2.5");
  EXPECT_EQ(model.data(i, ConflictListModel::CurrentAtTextRole).toString(), "2024-03-02 09:00");
  EXPECT_EQ(model.data(i, ConflictListModel::OtherAtTextRole).toString(), "");
  EXPECT_EQ(model.roleNames().value(ConflictListModel::OtherByRole), "otherBy");
}

TEST(CoverageModel, CountsStudentsAndSharedHouseholdsPerSchoolAndClass) {
  CoverageModel model;
  QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Fatal);
  model.setFromRoster(Roster());
  // Total: 4 students (2 visited: approved, submitted; a draft is not a visit on record);
  // 3 households (h1 shared by two siblings, visited through 王小明).
  EXPECT_EQ(model.students(), 4);
  EXPECT_EQ(model.studentsVisited(), 2);
  EXPECT_EQ(model.households(), 3);
  EXPECT_EQ(model.householdsVisited(), 2);
  // Rows: 龙潭小学, its class, 石门小学, its two classes (grade one first).
  ASSERT_EQ(model.rowCount(), 5);
  EXPECT_EQ(model.data(model.index(2), CoverageModel::LabelRole).toString(), "石门小学");
  EXPECT_EQ(model.data(model.index(2), CoverageModel::LevelRole).toInt(), 0);
  EXPECT_EQ(model.data(model.index(2), CoverageModel::StudentsVisitedRole).toInt(), 1);
  EXPECT_EQ(model.data(model.index(4), CoverageModel::LabelRole).toString(), "三年级2班");
  EXPECT_DOUBLE_EQ(model.data(model.index(4), CoverageModel::StudentFractionRole).toDouble(), 0.5);
}

}  // namespace
}  // namespace homevisit::ui
