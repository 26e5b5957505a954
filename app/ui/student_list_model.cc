#include "app/ui/student_list_model.h"

#include <QCollator>
#include <algorithm>
#include <set>

namespace homevisit::ui {

StudentListModel::StudentListModel(QObject* parent) : QAbstractListModel(parent) {}

void StudentListModel::setRows(std::vector<StudentRow> rows) {
  // Chinese names sort by pinyin under the zh collation, which is what a teacher expects.
  QCollator collator(QLocale(QLocale::Chinese, QLocale::China));
  collator.setNumericMode(true);
  std::stable_sort(rows.begin(), rows.end(), [&](const StudentRow& a, const StudentRow& b) {
    if (int c = collator.compare(a.school, b.school)) return c < 0;
    if (a.gradeOrder != b.gradeOrder) return a.gradeOrder < b.gradeOrder;
    if (int c = collator.compare(a.grade, b.grade)) return c < 0;
    if (int c = collator.compare(a.className, b.className)) return c < 0;
    return collator.compare(a.name, b.name) < 0;
  });
  std::set<QString> villages;
  for (const StudentRow& r : rows) {
    if (!r.village.isEmpty()) villages.insert(r.village);
  }
  beginResetModel();
  all_ = std::move(rows);
  shown_.clear();
  for (int i = 0; i < static_cast<int>(all_.size()); ++i) {
    if (matches(all_[i])) shown_.push_back(i);
  }
  endResetModel();
  QStringList list(villages.begin(), villages.end());
  std::sort(list.begin(), list.end(), [&](const QString& a, const QString& b) { return collator.compare(a, b) < 0; });
  if (list != villages_) {
    villages_ = list;
    emit villagesChanged();
  }
  emit countChanged();
}

bool StudentListModel::matches(const StudentRow& row) const {
  if (!village_.isEmpty() && row.village != village_) return false;
  if (!search_.isEmpty() && !row.name.contains(search_, Qt::CaseInsensitive)) return false;
  return true;
}

void StudentListModel::refilter() {
  beginResetModel();
  shown_.clear();
  for (int i = 0; i < static_cast<int>(all_.size()); ++i) {
    if (matches(all_[i])) shown_.push_back(i);
  }
  endResetModel();
  emit countChanged();
}

void StudentListModel::setSearch(const QString& text) {
  const QString trimmed = text.trimmed();
  if (trimmed == search_) return;
  search_ = trimmed;
  refilter();
  emit searchChanged();
}

void StudentListModel::setVillage(const QString& village) {
  if (village == village_) return;
  village_ = village;
  refilter();
  emit villageChanged();
}

int StudentListModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : static_cast<int>(shown_.size());
}

QVariant StudentListModel::data(const QModelIndex& index, int role) const {
  if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) {
    return {};
  }
  const StudentRow& r = all_[shown_[index.row()]];
  switch (role) {
    case Qt::DisplayRole:
    case NameRole: return r.name;
    case IdRole: return r.id;
    case GenderRole: return r.gender;
    case SchoolRole: return r.school;
    case GradeRole: return r.grade;
    case ClassNameRole: return r.className;
    case VillageRole: return r.village;
    case HamletRole: return r.hamlet;
    case HouseholdIdRole: return r.householdId;
    case VisitStatusRole: return r.visitStatus;
    case SectionRole: return r.school + QStringLiteral(" · ") + r.grade + r.className;
    default: return {};
  }
}

QHash<int, QByteArray> StudentListModel::roleNames() const {
  return {{IdRole, "studentId"},       {NameRole, "name"},         {GenderRole, "gender"},
          {SchoolRole, "school"},      {GradeRole, "grade"},       {ClassNameRole, "className"},
          {VillageRole, "village"},    {HamletRole, "hamlet"},     {HouseholdIdRole, "householdId"},
          {VisitStatusRole, "visitStatus"}, {SectionRole, "section"}};
}

QString StudentListModel::idAt(int row) const {
  return row >= 0 && row < static_cast<int>(shown_.size()) ? all_[shown_[row]].id : QString();
}

QString StudentListModel::visitStatusAt(int row) const {
  return row >= 0 && row < static_cast<int>(shown_.size()) ? all_[shown_[row]].visitStatus : QString();
}

int StudentListModel::indexOfId(const QString& id) const {
  for (int i = 0; i < static_cast<int>(shown_.size()); ++i) {
    if (all_[shown_[i]].id == id) return i;
  }
  return -1;
}

}  // namespace homevisit::ui
