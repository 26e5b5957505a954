#include "app/ui/conflict_list_model.h"

namespace homevisit::ui {
namespace {
QString TimeText(const QDateTime& t) {
  return t.isValid() ? t.toString(QStringLiteral("yyyy-MM-dd HH:mm")) : QString();
}
}  // namespace

ConflictListModel::ConflictListModel(QObject* parent) : QAbstractListModel(parent) {}

void ConflictListModel::setRows(std::vector<ConflictRow> rows) {
  const bool countChanges = rows.size() != rows_.size();
  beginResetModel();
  rows_ = std::move(rows);
  endResetModel();
  if (countChanges) emit countChanged();
}

int ConflictListModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : static_cast<int>(rows_.size());
}

QVariant ConflictListModel::data(const QModelIndex& index, int role) const {
  if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) {
    return {};
  }
  const ConflictRow& r = rows_[index.row()];
  switch (role) {
    case Qt::DisplayRole:
    case RecordLabelRole: return r.recordLabel;
    case IdRole: return r.id;
    case RecordIdRole: return r.recordId;
    case FieldRole: return r.field;
    case FieldLabelRole: return r.fieldLabel;
    case CurrentValueRole: return r.currentValue;
    case CurrentByRole: return r.currentBy;
    case CurrentAtTextRole: return TimeText(r.currentAt);
    case OtherValueRole: return r.otherValue;
    case OtherByRole: return r.otherBy;
    case OtherAtTextRole: return TimeText(r.otherAt);
    default: return {};
  }
}

QHash<int, QByteArray> ConflictListModel::roleNames() const {
  return {{IdRole, "conflictId"},         {RecordIdRole, "recordId"},
          {RecordLabelRole, "recordLabel"}, {FieldRole, "field"},
          {FieldLabelRole, "fieldLabel"},   {CurrentValueRole, "currentValue"},
          {CurrentByRole, "currentBy"},     {CurrentAtTextRole, "currentAt"},
          {OtherValueRole, "otherValue"},   {OtherByRole, "otherBy"},
          {OtherAtTextRole, "otherAt"}};
}

}  // namespace homevisit::ui
