#include "app/ui/coverage_model.h"

#include <QCollator>
#include <QSet>
#include <map>

namespace homevisit::ui {
namespace {

struct Tally {
  int students = 0;
  int studentsVisited = 0;
  QSet<QString> households;
  QSet<QString> householdsVisited;

  void Add(const StudentRow& s) {
    const bool visited = CoverageModel::CountsAsVisited(s.visitStatus);
    ++students;
    if (visited) ++studentsVisited;
    // A student without a household link is their own household for counting.
    const QString household = s.householdId.isEmpty() ? QStringLiteral("student:") + s.id
                                                       : s.householdId;
    households.insert(household);
    if (visited) householdsVisited.insert(household);
  }
  CoverageRow ToRow(int level, QString label) const {
    return {level, std::move(label), students, studentsVisited,
            static_cast<int>(households.size()), static_cast<int>(householdsVisited.size())};
  }
};

double Fraction(int part, int whole) { return whole > 0 ? double(part) / whole : 0.0; }

}  // namespace

CoverageModel::CoverageModel(QObject* parent) : QAbstractListModel(parent) {}

bool CoverageModel::CountsAsVisited(const QString& status) {
  return !status.isEmpty() && status != QLatin1String("draft");
}

void CoverageModel::setFromRoster(const std::vector<StudentRow>& students) {
  QCollator collator(QLocale(QLocale::Chinese, QLocale::China));
  collator.setNumericMode(true);
  auto less = [&](const QString& a, const QString& b) { return collator.compare(a, b) < 0; };
  using ClassMap = std::map<QString, Tally, decltype(less)>;
  std::map<QString, std::pair<Tally, ClassMap>, decltype(less)> schools(less);
  Tally all;
  for (const StudentRow& s : students) {
    auto it = schools.try_emplace(s.school, Tally{}, ClassMap(less)).first;
    it->second.first.Add(s);
    it->second.second[QStringLiteral("%1|").arg(s.gradeOrder, 2, 10, QLatin1Char('0')) + s.grade + s.className].Add(s);
    all.Add(s);
  }
  std::vector<CoverageRow> rows;
  for (const auto& [school, entry] : schools) {
    rows.push_back(entry.first.ToRow(0, school));
    for (const auto& [key, tally] : entry.second) rows.push_back(tally.ToRow(1, key.section(QLatin1Char('|'), 1)));
  }
  total_ = all.ToRow(-1, QString());
  setRows(std::move(rows));
}

void CoverageModel::setRows(std::vector<CoverageRow> rows) {
  beginResetModel();
  rows_ = std::move(rows);
  endResetModel();
  emit countChanged();
}

int CoverageModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : static_cast<int>(rows_.size());
}

QVariant CoverageModel::data(const QModelIndex& index, int role) const {
  if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) {
    return {};
  }
  const CoverageRow& r = rows_[index.row()];
  switch (role) {
    case Qt::DisplayRole:
    case LabelRole: return r.label;
    case LevelRole: return r.level;
    case StudentsRole: return r.students;
    case StudentsVisitedRole: return r.studentsVisited;
    case HouseholdsRole: return r.households;
    case HouseholdsVisitedRole: return r.householdsVisited;
    case StudentFractionRole: return Fraction(r.studentsVisited, r.students);
    case HouseholdFractionRole: return Fraction(r.householdsVisited, r.households);
    default: return {};
  }
}

QHash<int, QByteArray> CoverageModel::roleNames() const {
  return {{LevelRole, "level"},
          {LabelRole, "label"},
          {StudentsRole, "students"},
          {StudentsVisitedRole, "studentsVisited"},
          {HouseholdsRole, "households"},
          {HouseholdsVisitedRole, "householdsVisited"},
          {StudentFractionRole, "studentFraction"},
          {HouseholdFractionRole, "householdFraction"}};
}

}  // namespace homevisit::ui
