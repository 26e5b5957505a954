// The roster as a list: students sorted by school, class and name, filtered by a search text
// (part of the name) and a village. QML shows it with sections by school and class.
#pragma once

#include <QAbstractListModel>
#include <QStringList>
#include <QtQml/qqmlregistration.h>
#include <vector>

#include "app/ui/rows.h"

namespace homevisit::ui {

class StudentListModel : public QAbstractListModel {
  Q_OBJECT
  QML_ELEMENT
  QML_UNCREATABLE("Owned by AppData")
  Q_PROPERTY(QString search READ search WRITE setSearch NOTIFY searchChanged)
  Q_PROPERTY(QString village READ village WRITE setVillage NOTIFY villageChanged)
  Q_PROPERTY(QStringList villages READ villages NOTIFY villagesChanged)
  Q_PROPERTY(int count READ rowCount NOTIFY countChanged)
  Q_PROPERTY(int totalCount READ totalCount NOTIFY countChanged)

 public:
  enum Role {
    IdRole = Qt::UserRole + 1,
    NameRole,
    GenderRole,
    SchoolRole,
    GradeRole,
    ClassNameRole,
    VillageRole,
    HamletRole,
    HouseholdIdRole,
    VisitStatusRole,
    SectionRole,  // "school · grade class": the ListView section
  };
  Q_ENUM(Role)

  explicit StudentListModel(QObject* parent = nullptr);

  // Replaces every row (sorted here); keeps the current search and village.
  void setRows(std::vector<StudentRow> rows);
  const std::vector<StudentRow>& allRows() const { return all_; }

  int rowCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role) const override;
  QHash<int, QByteArray> roleNames() const override;

  QString search() const { return search_; }
  void setSearch(const QString& text);
  QString village() const { return village_; }
  // "" shows every village.
  void setVillage(const QString& village);
  QStringList villages() const { return villages_; }
  int totalCount() const { return static_cast<int>(all_.size()); }

  // Id and latest visit status of the shown row, or "" when out of range.
  Q_INVOKABLE QString idAt(int row) const;
  Q_INVOKABLE QString visitStatusAt(int row) const;
  // Row of the student with this id among the shown rows, or -1.
  Q_INVOKABLE int indexOfId(const QString& id) const;

 signals:
  void searchChanged();
  void villageChanged();
  void villagesChanged();
  void countChanged();

 private:
  void refilter();
  bool matches(const StudentRow& row) const;

  std::vector<StudentRow> all_;
  std::vector<int> shown_;  // indexes into all_
  QString search_;
  QString village_;
  QStringList villages_;
};

}  // namespace homevisit::ui
