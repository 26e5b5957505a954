// Coverage (全覆盖) per school and class: students and households visited and not yet
// visited, as rows of a bar chart. Built from the roster and the visits, so it counts what
// the device holds.
#pragma once

#include <QAbstractListModel>
#include <QtQml/qqmlregistration.h>
#include <vector>

#include "app/ui/rows.h"

namespace homevisit::ui {

class CoverageModel : public QAbstractListModel {
  Q_OBJECT
  QML_ELEMENT
  QML_UNCREATABLE("Owned by AppData")
  Q_PROPERTY(int count READ rowCount NOTIFY countChanged)
  Q_PROPERTY(int students READ students NOTIFY countChanged)
  Q_PROPERTY(int studentsVisited READ studentsVisited NOTIFY countChanged)
  Q_PROPERTY(int households READ households NOTIFY countChanged)
  Q_PROPERTY(int householdsVisited READ householdsVisited NOTIFY countChanged)

 public:
  enum Role {
    LevelRole = Qt::UserRole + 1,
    LabelRole,
    StudentsRole,
    StudentsVisitedRole,
    HouseholdsRole,
    HouseholdsVisitedRole,
    StudentFractionRole,    // 0..1
    HouseholdFractionRole,  // 0..1
  };
  Q_ENUM(Role)

  explicit CoverageModel(QObject* parent = nullptr);

  // A student counts as visited when a visit of theirs is submitted or further along (a draft
  // is not yet a visit on record); a household when any of its students is visited.
  void setFromRoster(const std::vector<StudentRow>& students);
  void setRows(std::vector<CoverageRow> rows);
  const std::vector<CoverageRow>& rows() const { return rows_; }

  int rowCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role) const override;
  QHash<int, QByteArray> roleNames() const override;

  int students() const { return total_.students; }
  int studentsVisited() const { return total_.studentsVisited; }
  int households() const { return total_.households; }
  int householdsVisited() const { return total_.householdsVisited; }

  static bool CountsAsVisited(const QString& visitStatus);

 signals:
  void countChanged();

 private:
  std::vector<CoverageRow> rows_;
  CoverageRow total_;
};

}  // namespace homevisit::ui
