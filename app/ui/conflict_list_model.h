// Open conflicts for a coordinator: for each, the value the merge kept and the value that
// lost, with who wrote each and when.
#pragma once

#include <QAbstractListModel>
#include <QtQml/qqmlregistration.h>
#include <vector>

#include "app/ui/rows.h"

namespace homevisit::ui {

class ConflictListModel : public QAbstractListModel {
  Q_OBJECT
  QML_ELEMENT
  QML_UNCREATABLE("Owned by AppData")
  Q_PROPERTY(int count READ rowCount NOTIFY countChanged)

 public:
  enum Role {
    IdRole = Qt::UserRole + 1,
    RecordIdRole,
    RecordLabelRole,
    FieldRole,
    FieldLabelRole,
    CurrentValueRole,
    CurrentByRole,
    CurrentAtTextRole,
    OtherValueRole,
    OtherByRole,
    OtherAtTextRole,
  };
  Q_ENUM(Role)

  explicit ConflictListModel(QObject* parent = nullptr);

  void setRows(std::vector<ConflictRow> rows);
  const std::vector<ConflictRow>& rows() const { return rows_; }

  int rowCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role) const override;
  QHash<int, QByteArray> roleNames() const override;

 signals:
  void countChanged();

 private:
  std::vector<ConflictRow> rows_;
};

}  // namespace homevisit::ui
