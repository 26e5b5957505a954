#include "app/ui/visit_list_model.h"

namespace homevisit::ui {

VisitListModel::VisitListModel(QObject* parent) : QAbstractListModel(parent) {}

void VisitListModel::setRows(std::vector<VisitRow> rows) {
  const bool countChanges = rows.size() != rows_.size();
  beginResetModel();
  rows_ = std::move(rows);
  endResetModel();
  if (countChanges) emit countChanged();
}

int VisitListModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : static_cast<int>(rows_.size());
}

QVariant VisitListModel::data(const QModelIndex& index, int role) const {
  if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) {
    return {};
  }
  const VisitRow& r = rows_[index.row()];
  switch (role) {
    case Qt::DisplayRole:
    case StudentNameRole: return r.studentName;
    case IdRole: return r.id;
    case StudentIdRole: return r.studentId;
    case SchoolRole: return r.school;
    case ClassNameRole: return r.className;
    case VillageRole: return r.village;
    case StatusRole: return r.status;
    case AuthorNameRole: return r.authorName;
    case CommentRole: return r.comment;
    case RecommendedTierRole: return r.recommendedTier;
    case DeterminedTierRole: return r.determinedTier;
    case UpdatedRole: return r.updated;
    case UpdatedTextRole:
      return r.updated.isValid() ? r.updated.toString(QStringLiteral("yyyy-MM-dd HH:mm")) : QString();
    case PendingRole: return r.pending;
    default: return {};
  }
}

QHash<int, QByteArray> VisitListModel::roleNames() const {
  return {{IdRole, "visitId"},
          {StudentIdRole, "studentId"},
          {StudentNameRole, "studentName"},
          {SchoolRole, "school"},
          {ClassNameRole, "className"},
          {VillageRole, "village"},
          {StatusRole, "status"},
          {AuthorNameRole, "authorName"},
          {CommentRole, "comment"},
          {RecommendedTierRole, "recommendedTier"},
          {DeterminedTierRole, "determinedTier"},
          {UpdatedRole, "updated"},
          {UpdatedTextRole, "updatedText"},
          {PendingRole, "pending"}};
}

QString VisitListModel::idAt(int row) const {
  if (row < 0 || row >= static_cast<int>(rows_.size())) return {};
  return rows_[row].id;
}

}  // namespace homevisit::ui
