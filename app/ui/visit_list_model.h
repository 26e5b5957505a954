// A list of visits: drafts, returned visits, the review queue, one student's history. The
// data layer decides which visits; this model only shows them in the order given.
#pragma once

#include <QAbstractListModel>
#include <QtQml/qqmlregistration.h>
#include <vector>

#include "app/ui/rows.h"

namespace homevisit::ui {

class VisitListModel : public QAbstractListModel {
  Q_OBJECT
  QML_ELEMENT
  QML_UNCREATABLE("Owned by AppData")
  Q_PROPERTY(int count READ rowCount NOTIFY countChanged)

 public:
  enum Role {
    IdRole = Qt::UserRole + 1,
    StudentIdRole,
    StudentNameRole,
    SchoolRole,
    ClassNameRole,
    VillageRole,
    StatusRole,
    AuthorNameRole,
    CommentRole,
    RecommendedTierRole,
    DeterminedTierRole,
    UpdatedRole,      // QDateTime
    UpdatedTextRole,  // "2024-03-02 14:05"
    PendingRole,
  };
  Q_ENUM(Role)

  explicit VisitListModel(QObject* parent = nullptr);

  void setRows(std::vector<VisitRow> rows);
  const std::vector<VisitRow>& rows() const { return rows_; }

  int rowCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role) const override;
  QHash<int, QByteArray> roleNames() const override;

  // Id of the visit at row, or "" when out of range.
  Q_INVOKABLE QString idAt(int row) const;

 signals:
  void countChanged();

 private:
  std::vector<VisitRow> rows_;
};

}  // namespace homevisit::ui
